package phase

import (
	"context"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Common is deploy_common: the resource group, storage account, DNS zone
// (the default tenant's only: every tenant shares it), key vault with the customer-managed key (Confidential Computing) and the
// Databricks workspace, shared by every cluster and release of the
// environment (guide: "Common Deployment"), each tagged with resources_tags.
func Common(e *Env) Phase {
	p := e.Provider
	c := e.Cfg
	rg := e.commonRG()
	tags := c.ResourcesTags
	second := Step{e.commonAccountAction()}
	// A tenant's records go in the environment's zone, which the default
	// tenant's deploy_common creates.
	if !c.IsTenant() {
		second = append(second, ProviderAction("dns zone "+e.zone().Name, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			z := e.zone()
			z.Tags = tags
			return p.EnsureDNSZone(ctx, z)
		}))
	}
	steps := []Step{{e.commonGroupAction()}}
	if e.needsKeyVault() {
		steps = append(steps, Step{ProviderAction("key vault "+e.keyVaultName(), p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: rg, Name: e.keyVaultName(), Location: c.AzureRegion, Tags: tags})
		})})
		key := e.customerKey()
		second = append(second, ProviderAction("key "+key.Key, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureKey(ctx, key.Vault, provider.VaultKey{Name: key.Key, Type: "RSA", Size: 3072})
		}))
	}
	var third Step
	if c.DatabricksEnabled {
		ws := provider.DatabricksWorkspace{ResourceGroup: rg, Name: e.databricksWorkspace().Name, Location: c.AzureRegion,
			ManagedResourceGroup:       "aura-databricks-managed-" + c.Derived.EnvironmentName,
			EnhancedSecurityCompliance: c.DatabricksEnhancedSecurityCompliance, RequireInfrastructureEncryption: c.DatabricksRequireInfrastructureEncrypt,
			Tags: tags}
		if c.DatabricksEnhancedSecurityCompliance {
			ws.ComplianceStandards = c.Databricks.Params.ComplianceStandards
		}
		if c.EnableCustomerKeyDatabricksEncryption {
			ws.CustomerManagedKey = e.customerKey()
		}
		third = Step{ProviderAction("databricks workspace "+ws.Name, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureDatabricksWorkspace(ctx, ws)
		})}
	}
	steps = append(steps, second)
	if third != nil {
		steps = append(steps, third)
	}
	return Phase{Name: "deploy_common", Steps: steps}
}
