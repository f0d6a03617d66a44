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

// releaseStorageAction makes the release storage account with a container
// per context agent on the default storage. Containers of agents removed
// from the config are kept: they hold the agents' data until delete_core.
func (e *Env) releaseStorageAction() Action {
	ref := e.releaseStorageRef()
	return ProviderAction("release storage account "+ref.Name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		c, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: ref.ResourceGroup, Name: ref.Name,
			Location: e.Cfg.AzureRegion, Containers: e.Cfg.ContextAgentContainers(), Tags: e.Cfg.ResourcesTags})
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
// CONTEXT_STORAGE_* settings and, in the aura-context-storage Secret, the
// account key) and the key. Before the account exists (a plan before the
// first deploy_core) there is no key and no Secret yet.
func (e *Env) releaseStorageValues(ctx context.Context) (map[string]any, string, error) {
	ref := e.releaseStorageRef()
	endpoint, err := e.blobAccountURL(ref.Name)
	if err != nil {
		return nil, "", fmt.Errorf("aura-context's release storage account: %w", err)
	}
	out := map[string]any{"account": ref.Name, "blob_endpoint": endpoint}
	key, err := e.Provider.StorageAccountKey(ctx, ref)
	if provider.IsNotFound(err) {
		return out, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	out["key"] = key
	return out, key, nil
}
