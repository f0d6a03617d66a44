package phase

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/provider"
)

func nothing(context.Context) ([]*unstructured.Unstructured, error) { return nil, nil }

// pruneAction deletes every object of an inventory and waits until they are
// gone (applyAction waits for its deletes). A cluster that no
// longer exists has nothing left to delete; a stopped one must be started.
func (e *Env) pruneAction(name string, inv kube.Inventory) Action {
	inner := e.applyAction(name, inv, nothing, kube.PlanOptions{})
	return Action{Name: name, Observe: e.inRunningCluster(inner.Observe), Converge: e.inRunningCluster(inner.Converge)}
}

// inRunningCluster runs a delete only in a running cluster: an absent one
// has nothing left to delete, a stopped one must be started first.
func (e *Env) inRunningCluster(run func(context.Context) ([]Change, error)) func(context.Context) ([]Change, error) {
	return func(ctx context.Context) ([]Change, error) {
		st, err := e.Provider.ClusterState(ctx, e.clusterRef())
		if err != nil {
			return nil, err
		}
		switch st {
		case provider.ClusterAbsent:
			return []Change{{Op: provider.OpNone, Kind: "cluster", Name: e.Cfg.ClusterName, Detail: "absent: nothing to delete in it"}}, nil
		case provider.ClusterStopped:
			return nil, fmt.Errorf("cluster %s is stopped: run `aura start` first", e.Cfg.ClusterName)
		}
		return run(ctx)
	}
}

// DeleteCore is delete_core: the core namespace and everything deploy_core
// applied in it, the -next DNS records and the info file; with full, also
// the environment's DNS records, bot channels, AI services and the
// operator's CRDs (guide: "Core undeployment").
func DeleteCore(e *Env, full bool) Phase {
	p := e.Provider
	steps := []Step{{e.pruneAction("delete core in "+e.CoreNamespace(), e.coreInventory())}}
	var dns []provider.RecordSet
	if e.Cfg.NextDomainsEnabled || full {
		dns = append(dns, e.records(true)...)
	}
	if full {
		dns = append(dns, e.records(false)...)
	}
	if len(dns) > 0 {
		steps = append(steps, Step{ProviderActions("delete dns records", p, func(ctx context.Context, p provider.Provider) ([]Change, error) {
			var out []Change
			for _, rs := range dns {
				c, err := p.DeleteRecordSet(ctx, e.zone(), rs.Key())
				if provider.IsNotFound(err) { // the zone went with delete_common
					continue
				}
				out = append(out, c)
				if err != nil {
					return out, err
				}
			}
			return out, nil
		})})
	}
	if full {
		last := Step{
			e.pruneAction("delete operator CRDs", e.crdInventory()),
			ProviderAction("delete bot channel "+e.Cfg.Derived.BotChannelName, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: e.Cfg.Derived.BotChannelName})
			}),
			ProviderAction("delete bot channel "+e.Cfg.Derived.NextBotChannelName, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: e.Cfg.Derived.NextBotChannelName})
			}),
		}
		for _, ai := range []string{"clu-", "openai-"} {
			name := ai + e.Cfg.Derived.EnvironmentName
			last = append(last, ProviderAction("delete ai service "+name, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.DeleteAIService(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: name})
			}))
		}
		steps = append(steps, last)
	}
	steps = append(steps, Step{removeFileAction("remove "+e.infoPath(), e.infoPath())})
	return Phase{Name: "delete_core", Steps: steps}
}

// DeleteSystem is delete_system (guide: "System undeployment"), deploy_system
// backwards: the stack's custom resources while their operators still run
// (they may hold finalizers), then every chart's Helm release, then the
// system namespace and the rest of what deploy_system applied.
func DeleteSystem(e *Env) Phase {
	uninstall := make(Step, 0, len(e.Release.Charts))
	for _, ch := range e.Release.Charts {
		uninstall = append(uninstall, e.helmUninstallAction(ch))
	}
	return Phase{Name: "delete_system", Steps: []Step{
		{e.pruneAction("delete system stack", e.inventory("system-stack", "")), e.deleteManagementDNSAction()},
		uninstall,
		{e.pruneAction("delete system", e.inventory("system", ""))},
	}}
}

// DeleteInfra is delete_infra: the cluster, its storage account and resource
// group, and output_install/kubeconfig.json (guide: "Infra undeployment").
func DeleteInfra(e *Env) Phase {
	p := e.Provider
	rg := e.clusterRG()
	return Phase{Name: "delete_infra", Steps: Sequence(
		ProviderAction("delete cluster "+e.Cfg.ClusterName, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.DeleteCluster(ctx, e.clusterRef())
		}),
		ProviderAction("delete resource group "+rg, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.DeleteResourceGroup(ctx, rg)
		}),
		removeFileAction("remove "+e.kubeconfigPath(), e.kubeconfigPath()),
	)}
}

// DeleteCommon is delete_common: the common resource group with everything
// in it (guide: "Common undeployment").
func DeleteCommon(e *Env) Phase {
	rg := e.commonRG()
	return Phase{Name: "delete_common", Steps: Sequence(
		ProviderAction("delete resource group "+rg, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.DeleteResourceGroup(ctx, rg)
		}),
	)}
}
