package phase

import (
	"context"
	"fmt"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// acrPullRole is the built-in role that lets an identity pull images.
const acrPullRole = "AcrPull"

// acrPull is the grant of registry.acr: the cluster's kubelet identity,
// which pulls every pod's images, may pull from the registry.
func (e *Env) acrPull() provider.RoleAssignment {
	a := e.Cfg.Registry.ACR
	return provider.RoleAssignment{Cluster: e.clusterRef(), Identity: provider.IdentityKubelet, Role: acrPullRole,
		Scope: provider.Scope{ResourceGroup: a.ResourceGroup, Kind: provider.ScopeContainerRegistry, Name: a.Name}}
}

// acrPullActions grant AcrPull on registry.acr (deploy_infra, so that
// deploy_system's pods pull, and deploy_core, so that a config that moves
// to registry.acr needs no deploy_infra); none without registry.acr.
func (e *Env) acrPullActions() []Action {
	if e.Cfg.Registry.ACR.Name == "" {
		return nil
	}
	ra := e.acrPull()
	return []Action{ProviderAction("role "+acrPullRole+" for the cluster's nodes on registry "+ra.Scope.Name, e.Provider,
		func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureRoleAssignment(ctx, ra)
		})}
}

// acrCheckSteps open deploy_infra and deploy_core with the registry.acr
// check, so a wrong registry stops the phase before it changes anything.
func (e *Env) acrCheckSteps() []Step {
	if e.Cfg.Registry.ACR.Name == "" {
		return nil
	}
	check := func(context.Context) ([]Change, error) { return nil, e.checkACRIsReleaseRegistry() }
	return []Step{{Action{Name: "check registry.acr", Observe: check, Converge: check}}}
}

// checkACRIsReleaseRegistry refuses an ACR the release does not pull from:
// the grant would succeed and every pod would still fail to pull.
func (e *Env) checkACRIsReleaseRegistry() error {
	name := e.Cfg.Registry.ACR.Name
	host := strings.ToLower(e.Release.Registry)
	if label, _, _ := strings.Cut(host, "."); label != strings.ToLower(name) || !strings.Contains(host, ".azurecr.") {
		return fmt.Errorf("registry.acr.name is %s, but release %s pulls its images from %s: AcrPull on %s would not let the cluster pull them",
			name, e.Release.Version, e.Release.Registry, name)
	}
	return nil
}

// deleteACRPullActions revoke the grant before delete_infra deletes the
// cluster: the registry lives on, and an assignment to a deleted identity
// would stay on it as an orphan.
func (e *Env) deleteACRPullActions() []Action {
	if e.Cfg.Registry.ACR.Name == "" {
		return nil
	}
	ra := e.acrPull()
	return []Action{ProviderAction("delete role "+acrPullRole+" for the cluster's nodes on registry "+ra.Scope.Name, e.Provider,
		func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.DeleteRoleAssignment(ctx, ra)
		})}
}
