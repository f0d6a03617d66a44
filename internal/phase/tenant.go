package phase

import (
	"context"
	"fmt"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// A tenant (tenant_name other than default) shares the environment's
// cluster and DNS zone and has its own namespaces and resource group (guide:
// "Multitenant configuration": "a dedicated resource group and namespace are
// automatically created"). deploy_core creates the group and its storage
// account (which holds the tenant's lock, resume tokens and DNS backups), so
// a tenant needs no deploy_common of its own; delete_core --full removes them.

// commonGroupAction creates the environment's (or tenant's) common group.
func (e *Env) commonGroupAction() Action {
	rg := e.commonRG()
	return ProviderAction("resource group "+rg, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg, Location: e.Cfg.AzureRegion, Tags: e.Cfg.ResourcesTags})
	})
}

// commonAccountAction creates the common storage account with the
// containers of the context agents on the environment's default storage
// (guide: "Configured agents": it outlives releases and clusters, so an
// upgrade through a release namespace keeps the agents' data). deploy_common
// and deploy_core ask for the same account, so either one run after the
// other changes nothing.
func (e *Env) commonAccountAction() Action {
	c := e.Cfg
	containers := append([]string{containerBackups, containerSnapshots, containerDNSBackups}, c.ContextAgentContainers()...)
	return ProviderAction("common storage account "+c.Derived.CommonStorageAccount, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		return p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: e.commonRG(), Name: c.Derived.CommonStorageAccount,
			Location: c.AzureRegion, Containers: containers,
			Expiry: e.backupExpiry(), Tags: c.ResourcesTags})
	})
}

// tenantSteps open a tenant's deploy_core, before any change in the cluster:
// the environment's zone must exist (otherwise nothing is changed), then
// the tenant's group and its storage account are created when missing.
func (e *Env) tenantSteps() []Step {
	if !e.Cfg.IsTenant() {
		return nil
	}
	return []Step{{e.zoneExistsAction()}, {e.commonGroupAction()}, {e.commonAccountAction()}}
}

// zoneExistsAction fails when the environment's zone is missing. It reads
// with the provider itself in a dry run too: a DryRun view reads a missing
// zone as an empty one, and the plan must fail as the run would.
func (e *Env) zoneExistsAction() Action {
	z := e.zone()
	check := func(ctx context.Context) ([]Change, error) {
		_, err := e.Provider.ListRecordSets(ctx, z)
		if provider.IsNotFound(err) {
			return nil, fmt.Errorf("dns zone %s not found in resource group %s: tenant %s puts its records in the environment's zone; run deploy_common for the default tenant first (tenant_name: default)",
				z.Name, z.ResourceGroup, e.Cfg.TenantName)
		}
		if err != nil {
			return nil, err
		}
		return []Change{{Op: provider.OpNone, Kind: "dns zone", Name: z.Name, Detail: "the environment's, in " + z.ResourceGroup}}, nil
	}
	return Action{Name: "dns zone " + z.Name + " in " + z.ResourceGroup, Observe: check, Converge: check}
}

// deleteTenantGroupSteps end a tenant's delete_core --full: the tenant's
// group goes with everything in it (its storage account and backups). A
// release namespace (--ns) leaves it: the tenant's usual namespace may still
// use it. The environment's group, which holds the zone, is never deleted here.
func (e *Env) deleteTenantGroupSteps(full bool) []Step {
	if !full || !e.Cfg.IsTenant() || e.ReleaseNamespace {
		return nil
	}
	rg := e.commonRG()
	return []Step{{ProviderAction("delete resource group "+rg, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		if rg == e.zone().ResourceGroup {
			return Change{}, fmt.Errorf("resource group %s holds the environment's dns zone: delete_core never deletes it", rg)
		}
		if held := e.deployCommonOnly(); held != "" {
			// Those are deploy_common's: a purge-protected key vault
			// deleted here would hold its name for the retention period.
			return Change{Op: provider.OpNone, Kind: "resource group", Name: rg,
				Detail: "kept: it holds the tenant's " + held + " of deploy_common; `aura delete_common` removes it"}, nil
		}
		return p.DeleteResourceGroup(ctx, rg)
	})}}
}

// deployCommonOnly names what a tenant's common group holds that only its
// deploy_common makes ("" when it holds only deploy_core's storage account).
func (e *Env) deployCommonOnly() string {
	var held []string
	if e.needsKeyVault() {
		held = append(held, "key vault")
	}
	if e.Cfg.DatabricksEnabled {
		held = append(held, "Databricks workspace")
	}
	return strings.Join(held, " and ")
}
