package phase

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/config/crd"
	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/render"
)

// recordNamespace holds the inventory records of every phase: it outlives
// the namespaces the phases delete.
const recordNamespace = "kube-system"

// coreReadyTimeout bounds the wait for core workloads.
const coreReadyTimeout = 10 * time.Minute

func (e *Env) inventory(phase, name string) kube.Inventory {
	return kube.Inventory{Environment: e.Cfg.Derived.EnvironmentName, Phase: phase, Release: e.Release.Version,
		Name: name, Namespace: recordNamespace}
}

// coreInventory is one per core namespace, so a release namespace (--ns)
// and the usual one are applied and pruned independently.
func (e *Env) coreInventory() kube.Inventory { return e.inventory("core", e.CoreNamespace()) }

// crdInventory holds the operator's CRDs: cluster-wide, shared by every
// core namespace of every environment (tenant) on the cluster. Each core
// namespace is an owner; the CRDs, and with them every NlpTraining,
// ResolutionResources and Agent of the cluster, go only when
// delete_core --full removes the last owner.
func (e *Env) crdInventory() kube.Inventory {
	inv := e.inventory("core", "operator-crds")
	inv.Environment, inv.Owner = "cluster", e.CoreNamespace()
	return inv
}

// agentsInventory holds the environment's agents namespace, shared by its
// core namespaces (the usual one and release namespaces) like the CRDs.
func (e *Env) agentsInventory() kube.Inventory {
	inv := e.inventory("core", "agents")
	inv.Owner = e.CoreNamespace()
	return inv
}

// nextInventory holds what core renders into the system namespace: the
// -next VirtualServers. They point at the core namespace deployed last and
// stay after delete_core (guide: "Next DNS endpoints"); delete_system
// removes them with the system namespace.
func (e *Env) nextInventory() kube.Inventory { return e.inventory("core", "next") }

func (e *Env) selected(component string) bool {
	return len(e.Only) == 0 || slices.Contains(e.Only, component)
}

// coreObjects renders core once per command: the shared objects and every
// enabled (and, with -t, selected) component.
func (e *Env) coreObjects() objectsFunc {
	return memo(func(ctx context.Context) ([]*unstructured.Unstructured, error) {
		bundles, err := e.RenderCore(ctx)
		if err != nil {
			return nil, err
		}
		var out []*unstructured.Unstructured
		for _, b := range bundles {
			if b.Component == "" || e.selected(b.Component) {
				out = append(out, b.Objects...)
			}
		}
		return out, nil
	})
}

// coreParts splits core's objects: those of the core namespace (and its
// cluster-scoped RBAC), and those core puts in the system namespace.
func (e *Env) coreParts() (own, system objectsFunc) {
	all := e.coreObjects()
	part := func(inSystem bool) objectsFunc {
		return func(ctx context.Context) ([]*unstructured.Unstructured, error) {
			objs, err := all(ctx)
			if err != nil {
				return nil, err
			}
			var out []*unstructured.Unstructured
			for _, o := range objs {
				if (o.GetNamespace() == e.Cfg.Derived.SystemNamespace) == inSystem {
					out = append(out, o)
				}
			}
			return out, nil
		}
	}
	return part(false), part(true)
}

// agentsObjects is the namespace the operator runs agents in, when the
// operator is deployed.
func (e *Env) agentsObjects(context.Context) ([]*unstructured.Unstructured, error) {
	if !e.Cfg.Derived.Components["aura-operator"] {
		return nil, nil
	}
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(e.Cfg.Derived.AgentsNamespace)
	ns.SetLabels(map[string]string{"app.kubernetes.io/part-of": "aura", "app.kubernetes.io/instance": e.Cfg.Derived.EnvironmentName})
	out := []*unstructured.Unstructured{ns}
	// The agents' pull secret shares the namespace's inventory: it goes
	// with the last core namespace of the environment, not the first.
	if s := e.registrySecret(ns.GetName()); s != nil {
		out = append(out, s)
	}
	return out, nil
}

// crdObjects are the operator's CRDs when the operator is deployed.
func (e *Env) crdObjects() objectsFunc {
	return memo(func(context.Context) ([]*unstructured.Unstructured, error) {
		if !e.Cfg.Derived.Components["aura-operator"] {
			return nil, nil
		}
		files, err := fs.Glob(crd.FS, "bases/*.yaml")
		if err != nil {
			return nil, err
		}
		var out []*unstructured.Unstructured
		for _, f := range files {
			data, err := fs.ReadFile(crd.FS, f)
			if err != nil {
				return nil, err
			}
			objs, err := render.SplitYAML(path.Join("config/crd", f), data)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
		return out, nil
	})
}

// memo runs f once per command (one phase renders once even when several
// actions ask), keeping its result or error.
func memo[T any](f func(context.Context) (T, error)) func(context.Context) (T, error) {
	var (
		once sync.Once
		v    T
		err  error
	)
	return func(ctx context.Context) (T, error) {
		once.Do(func() { v, err = f(ctx) })
		return v, err
	}
}

// Core is deploy_core: the Azure-side services (bot channel, AI services,
// the Databricks job), the operator's CRDs, every enabled component
// applied and pruned as one inventory, a readiness check, the DNS records and the info file the
// migrations read (guide: "Core Deployment").
func Core(e *Env) Phase {
	objs, crds := e.coreObjects(), e.crdObjects()
	own, system := e.coreParts()
	partial := kube.PlanOptions{NoPrune: len(e.Only) > 0}
	services := Step{e.botChannelAction(e.Cfg.Derived.BotChannelName, e.DNSNameOf("services", false)), e.tlsExpiryAction(e.CoreNamespace())}
	if e.Cfg.NextBotChannelEnabled {
		services = append(services, e.botChannelAction(e.Cfg.Derived.NextBotChannelName, e.DNSNameOf("services", true)))
	} else {
		services = append(services, e.deleteNextBotChannelAction())
	}
	services = append(services, e.aiServiceAction(provider.AIKindCLU, "clu-", e.Cfg.CLUAllowedRanges, nil), e.releaseStorageAction())
	if !e.Cfg.IsTenant() && len(e.Cfg.ContextAgentContainers()) > 0 {
		// The agents' containers (a tenant's steps already ensure its account).
		services = append(services, e.commonAccountAction())
	}
	services = append(services, e.acrPullActions()...)
	if e.Cfg.OpenAIEnabled {
		services = append(services, e.aiServiceAction(provider.AIKindOpenAI, "openai-", e.Cfg.OpenAIAllowedRanges, e.openAIDeployments()))
	}
	if e.Cfg.DatabricksEnabled {
		services = append(services, e.databricksJobAction())
	}
	// A tenant's zone check (tenant.go) first, then that the cluster serves
	// core's kinds, both before the tenant's group or any service is made.
	steps := []Step{{e.systemKindsAction()}}
	if ts := e.tenantSteps(); len(ts) > 0 {
		steps = append(append([]Step{ts[0]}, steps...), ts[1:]...)
	}
	steps = append(steps, services)
	if e.App != nil {
		steps = append(steps, Step{e.singleTenantAction()})
	}
	if e.selected("aura-operator") {
		steps = append(steps, Step{
			e.applyAction("apply operator CRDs", e.crdInventory(), crds, partial),
			e.applyAction("apply agents namespace", e.agentsInventory(), e.agentsObjects, partial),
		})
	}
	if e.Cfg.NextDomainsEnabled {
		// Before core: core's earlier layout held these routes, and its prune
		// must find them relabelled to this inventory, not delete them.
		steps = append(steps, Step{e.applyAction("apply -next routes to "+e.Cfg.Derived.SystemNamespace, e.nextInventory(), system, partial)})
	}
	steps = append(steps,
		Step{e.applyAction("apply core to "+e.CoreNamespace(), e.coreInventory(), own, partial)},
		Step{e.waitAction("health: core workloads ready", objs, coreReadyTimeout)},
		Step{e.coreDNSAction()},
		Step{fileAction("write "+e.infoPath(), e.infoPath(), e.infoJSON)},
	)
	return Phase{Name: "deploy_core", Steps: append(e.acrCheckSteps(), steps...)}
}

func (e *Env) botChannelAction(name, host string) Action {
	return ProviderAction("bot channel "+name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		return p.EnsureBotChannel(ctx, provider.BotChannel{ResourceGroup: e.clusterRG(), Name: name, Location: "global",
			Endpoint: "https://" + host + "/api/messages", Tags: e.Cfg.ResourcesTags})
	})
}

// Info is output_install/{environment_name}_info.json: what `aura migrate`
// needs to find an environment's cluster, storage and databases.
type Info struct {
	EnvironmentName      string          `json:"environment_name"`
	Provider             string          `json:"provider"`
	Release              string          `json:"release"`
	ClusterName          string          `json:"cluster_name"`
	ClusterResourceGroup string          `json:"cluster_resource_group"`
	ClusterStorage       string          `json:"cluster_storage_account"`
	CommonResourceGroup  string          `json:"common_resource_group"`
	CommonStorage        string          `json:"common_storage_account"`
	BackupsContainer     string          `json:"backups_container"`
	SnapshotsContainer   string          `json:"snapshots_container"`
	CoreNamespace        string          `json:"core_namespace"`
	SystemNamespace      string          `json:"system_namespace"`
	AgentsNamespace      string          `json:"agents_namespace"`
	Kubeconfig           string          `json:"kubeconfig"`
	AtlasEnabled         bool            `json:"atlas_enabled"`
	AtlasProject         string          `json:"atlas_project_name,omitempty"`
	AtlasCluster         string          `json:"atlas_cluster_name,omitempty"`
	DNS                  []string        `json:"dns_names"`
	Components           map[string]bool `json:"components"`
	LocalStateDir        string          `json:"local_state_dir,omitempty"` // absolute, provider local: where migrations find its storage
}

func (e *Env) infoJSON(context.Context) ([]byte, error) {
	d := e.Cfg.Derived
	info := Info{EnvironmentName: d.EnvironmentName, Provider: e.Provider.Name(), Release: e.Release.Version,
		ClusterName: e.Cfg.ClusterName, ClusterResourceGroup: e.clusterRG(), ClusterStorage: e.clusterStorageAccount(),
		CommonResourceGroup: e.commonRG(), CommonStorage: d.CommonStorageAccount, BackupsContainer: containerBackups,
		SnapshotsContainer: containerSnapshots, CoreNamespace: e.CoreNamespace(), SystemNamespace: d.SystemNamespace,
		AgentsNamespace: d.AgentsNamespace, Kubeconfig: e.kubeconfigPath(), AtlasEnabled: e.Cfg.AtlasEnabled,
		Components: d.Components}
	if e.Cfg.AtlasEnabled {
		info.AtlasProject, info.AtlasCluster = e.Cfg.AtlasProjectName, e.Cfg.AtlasClusterName
	}
	if info.Provider == "local" {
		dir, err := filepath.Abs(e.Cfg.Local.StateDir)
		if err != nil {
			return nil, fmt.Errorf("info file: local.state_dir: %w", err)
		}
		info.LocalStateDir = dir
	}
	for _, h := range e.serviceHosts() {
		info.DNS = append(info.DNS, e.DNSNameOf(h, false))
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("info file: %w", err)
	}
	return append(data, '\n'), nil
}
