package phase

import (
	"context"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Common is deploy_common: the resource group, storage account, key vault
// (with a customer-managed key) and DNS zone shared by every cluster and
// release of the environment (guide: "Common Deployment").
func Common(e *Env) Phase {
	p := e.Provider
	rg := e.commonRG()
	second := Step{
		ProviderAction("common storage account "+e.Cfg.Derived.CommonStorageAccount, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg, Name: e.Cfg.Derived.CommonStorageAccount,
				Location: e.Cfg.AzureRegion, Containers: []string{containerBackups, containerSnapshots, containerDNSBackups}})
		}),
		ProviderAction("dns zone "+e.zone().Name, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureDNSZone(ctx, e.zone())
		}),
	}
	if e.needsKeyVault() {
		second = append(second, ProviderAction("key vault "+e.keyVaultName(), p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: rg, Name: e.keyVaultName(), Location: e.Cfg.AzureRegion})
		}))
	}
	return Phase{Name: "deploy_common", Steps: []Step{
		{ProviderAction("resource group "+rg, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg, Location: e.Cfg.AzureRegion, Tags: e.Cfg.ResourcesTags})
		})},
		second,
	}}
}
