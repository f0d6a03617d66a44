package phase

import (
	"context"
	"fmt"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// releaseStorageRef is the release storage account of this core namespace
// (config.ReleaseStorageAccount), in the cluster's resource group.
func (e *Env) releaseStorageRef() provider.ResourceRef {
	return provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: e.Cfg.ReleaseStorageAccount(e.CoreNamespace())}
}

// releaseStorageAction makes the release storage account: aura-context's
// store for this release, gone with it. The context agents' data is not
// here but in the environment's common account (commonAccountAction), so
// that the guide's upgrade (deploy_core --ns, dns, delete_core of the old
// namespace) keeps it.
func (e *Env) releaseStorageAction() Action {
	ref := e.releaseStorageRef()
	return ProviderAction("release storage account "+ref.Name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		c, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: ref.ResourceGroup, Name: ref.Name,
			Location: e.Cfg.AzureRegion, Tags: e.Cfg.ResourcesTags})
		if provider.IsNotFound(err) {
			return c, fmt.Errorf("release storage account %s: resource group %s does not exist: run `aura deploy_infra` first: %w", ref.Name, ref.ResourceGroup, err)
		}
		return c, err
	})
}

// deleteReleaseStorageAction removes this core namespace's release storage
// account, and no other namespace's (delete_core, with or without --full).
func (e *Env) deleteReleaseStorageAction() Action {
	ref := e.releaseStorageRef()
	return ProviderAction("delete release storage account "+ref.Name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		return p.DeleteStorageAccount(ctx, ref)
	})
}

// releaseStorageValues are template value "release_storage" (aura-context's
// CONTEXT_STORAGE_* settings of the release account, CONTEXT_AGENTS_STORAGE_*
// of the common account holding the agents' containers, and in the
// aura-context-storage Secret their keys) and the keys. Before an account
// exists (a plan before the first deploy_core) it has no key yet.
func (e *Env) releaseStorageValues(ctx context.Context) (map[string]any, []string, error) {
	ref := e.releaseStorageRef()
	endpoint, err := e.blobAccountURL(ref.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("aura-context's release storage account: %w", err)
	}
	out := map[string]any{"account": ref.Name, "blob_endpoint": endpoint}
	var keys []string
	key, err := e.Provider.StorageAccountKey(ctx, ref)
	switch {
	case err == nil:
		out["key"] = key
		keys = append(keys, key)
	case !provider.IsNotFound(err):
		return nil, nil, err
	}
	if len(e.Cfg.ContextAgentContainers()) == 0 {
		return out, keys, nil
	}
	common := provider.ResourceRef{ResourceGroup: e.commonRG(), Name: e.Cfg.Derived.CommonStorageAccount}
	if out["agents_blob_endpoint"], err = e.blobAccountURL(common.Name); err != nil {
		return nil, nil, fmt.Errorf("the context agents' storage account: %w", err)
	}
	out["agents_account"] = common.Name
	key, err = e.Provider.StorageAccountKey(ctx, common)
	switch {
	case err == nil:
		out["agents_key"] = key
		keys = append(keys, key)
	case !provider.IsNotFound(err):
		return nil, nil, err
	}
	return out, keys, nil
}
