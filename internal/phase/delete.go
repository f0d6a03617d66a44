package phase

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/provider"
)

func nothing(context.Context) ([]*unstructured.Unstructured, error) { return nil, nil }

// pruneAction deletes every object of an inventory and waits until they are
// gone (applyAction waits for its deletes). A cluster that no
// longer exists has nothing left to delete; a stopped one must be started.
func (e *Env) pruneAction(name string, inv kube.Inventory) Action {
	return e.leaveAction(name, inv, kube.PlanOptions{})
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

// DeleteCore is delete_core (guide: "Core undeployment"): the operator's
// custom resources of the core namespace (while the operator still runs to
// release their finalizers), then the core namespace and everything
// deploy_core applied in it, its release storage account, its -next DNS
// records and the info file; with full, also the environment's DNS records,
// bot channels, AI services and Databricks job (the workspace is
// deploy_common's).
// Only what points at or belongs to this core namespace is deleted: records
// switched to another namespace or cluster stay, the -next routes stay (the
// guide), and the operator's CRDs and the agents namespace, which every core
// namespace shares, go only with --full of the last one.
func DeleteCore(e *Env, full bool) Phase {
	p := e.Provider
	steps := []Step{
		{e.deleteOperatorResourcesAction()},
		{e.pruneAction("delete core in "+e.CoreNamespace(), e.coreInventory())},
	}
	leave := kube.PlanOptions{NoPrune: !full}
	last := Step{
		e.leaveAction("release operator CRDs", e.crdInventory(), leave),
		e.leaveAction("release agents namespace", e.agentsInventory(), leave),
		e.deleteReleaseStorageAction(),
	}
	// The -next records of this deployment go whatever next_domains_enabled
	// says now: turned off after testing, it would otherwise leave them
	// pointing at the deleted namespace.
	dns := e.records(true)
	if full {
		dns = append(dns, e.records(false)...)
	}
	if len(dns) > 0 {
		last = append(last, ProviderActions("delete dns records", p, func(ctx context.Context, p provider.Provider) ([]Change, error) {
			return e.deleteOwnRecords(ctx, p, dns)
		}))
	}
	if full && e.ReleaseNamespace {
		last = append(last, keptForTheEnvironment(p))
	}
	if full && !e.ReleaseNamespace {
		for _, bc := range []string{e.Cfg.Derived.BotChannelName, e.Cfg.Derived.NextBotChannelName} {
			last = append(last, ProviderAction("delete bot channel "+bc, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: bc})
			}))
		}
		for _, ai := range []string{"clu-", "openai-"} {
			name := ai + e.Cfg.Derived.EnvironmentName
			last = append(last, ProviderAction("delete ai service "+name, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.DeleteAIService(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: name})
			}))
		}
		if e.Cfg.DatabricksEnabled {
			last = append(last, e.deleteDatabricksJobAction())
		}
	}
	steps = append(append(steps, last), e.deleteTenantGroupSteps(full)...) // tenant.go
	steps = append(steps, Step{removeFileAction("remove "+e.infoPath(), e.infoPath())})
	return Phase{Name: "delete_core", Steps: steps}
}

// keptForTheEnvironment says why delete_core --ns --full leaves the bot
// channels, AI services and Databricks job: the environment's usual
// namespace still uses them, and `delete_core --full` of it removes them.
func keptForTheEnvironment(p provider.Provider) Action {
	return ProviderAction("environment services", p, func(context.Context, provider.Provider) (Change, error) {
		return Change{Op: provider.OpNone, Kind: "environment services", Name: "bot channels, AI services, Databricks job",
			Detail: "kept: the usual core namespace uses them; delete_core --full without --ns removes them"}, nil
	})
}

// deleteOwnRecords deletes the record sets that point at this deployment,
// whatever their TTL (an operator lowers it before a switch); one pointing
// elsewhere (`aura dns` moved it to another namespace or cluster) serves
// that deployment and stays.
func (e *Env) deleteOwnRecords(ctx context.Context, p provider.Provider, records []provider.RecordSet) ([]Change, error) {
	var out []Change
	for _, rs := range records {
		have, err := p.GetRecordSet(ctx, e.zone(), rs.Key())
		if provider.IsNotFound(err) { // gone already, or the zone went with delete_common
			continue
		}
		if err != nil {
			return out, err
		}
		if !sameTarget(have, rs) {
			out = append(out, Change{Op: provider.OpNone, Kind: "dns record set", Name: rs.Name,
				Detail: "kept: points to " + strings.Join(have.Values, ",") + ", not to " + e.ingressTarget()})
			continue
		}
		c, err := p.DeleteRecordSet(ctx, e.zone(), rs.Key())
		out = append(out, c)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// leaveAction removes this core namespace from the owners of a shared
// inventory; its objects are pruned only when no owner is left and opts
// allow it.
func (e *Env) leaveAction(name string, inv kube.Inventory, opts kube.PlanOptions) Action {
	inner := e.applyAction(name, inv, nothing, opts)
	return Action{Name: name, Observe: e.inRunningCluster(inner.Observe), Converge: e.inRunningCluster(inner.Converge)}
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
		{e.pruneAction("delete system stack", e.inventory("system-stack", "")), e.pruneAction("delete -next routes", e.nextInventory()),
			e.deleteManagementDNSAction()},
		uninstall,
		{e.pruneAction("delete system", e.inventory("system", ""))},
	}}
}

// DeleteInfra is delete_infra: the cluster's AcrPull on registry.acr (a
// registry outside its resource group), the cluster, its storage account and
// resource group, and output_install/kubeconfig.json (guide: "Infra
// undeployment").
func DeleteInfra(e *Env) Phase {
	p := e.Provider
	rg := e.clusterRG()
	return Phase{Name: "delete_infra", Steps: Sequence(append(e.deleteACRPullActions(),
		ProviderAction("delete cluster "+e.Cfg.ClusterName, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.DeleteCluster(ctx, e.clusterRef())
		}),
		ProviderAction("delete resource group "+rg, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.DeleteResourceGroup(ctx, rg)
		}),
		removeFileAction("remove "+e.kubeconfigPath(), e.kubeconfigPath()),
	)...)}
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
