package phase

import (
	"context"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Infra is deploy_infra: the cluster's resource group and storage account,
// the cluster with the configured agent pools, output_install/kubeconfig.json,
// and a health check that every node is Ready (guide: "Infra Deployment").
func Infra(e *Env) Phase {
	p := e.Provider
	rg := e.clusterRG()
	return Phase{Name: "deploy_infra", Steps: []Step{
		{ProviderAction("resource group "+rg, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg, Location: e.Cfg.AzureRegion, Tags: e.Cfg.ResourcesTags})
		})},
		{
			ProviderAction("cluster storage account "+e.clusterStorageAccount(), p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg, Name: e.clusterStorageAccount(),
					Location: e.Cfg.AzureRegion, Containers: []string{containerBackups, containerPackages}})
			}),
			ProviderAction("cluster "+e.Cfg.ClusterName, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.EnsureCluster(ctx, e.clusterSpec())
			}),
		},
		{fileAction("write "+e.kubeconfigPath(), e.kubeconfigPath(), e.kubeconfigJSON)},
		{e.nodesReadyAction()},
	}}
}

func (e *Env) clusterSpec() provider.ClusterSpec {
	spec := provider.ClusterSpec{ResourceGroup: e.clusterRG(), Name: e.Cfg.ClusterName, Location: e.Cfg.AzureRegion}
	names := make([]string, 0, len(e.Cfg.Infrastructure.Compute.AgentPools))
	for n := range e.Cfg.Infrastructure.Compute.AgentPools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ap := e.Cfg.Infrastructure.Compute.AgentPools[n]
		spec.Pools = append(spec.Pools, provider.NodePool{Name: n, Mode: ap.Mode, MinSize: ap.MinSize, MaxSize: ap.MaxSize, VMSize: ap.Type})
		spec.Nodes += ap.MinSize
	}
	return spec
}

// kubeconfigJSON is the cluster's kubeconfig as JSON, the guide's
// output_install/kubeconfig.json. In a dry run before the cluster exists there
// is nothing to write yet.
func (e *Env) kubeconfigJSON(ctx context.Context) ([]byte, error) {
	raw, err := e.Provider.Kubeconfig(ctx, e.clusterRef())
	if provider.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return yaml.YAMLToJSON(raw)
}

var nodesGVR = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}

// nodesReadyAction is infra's health check: at least the configured minimum
// of nodes exist and every node is Ready.
func (e *Env) nodesReadyAction() Action {
	return Action{
		Name:    "health: nodes ready",
		Observe: func(context.Context) ([]Change, error) { return nil, nil },
		Converge: func(ctx context.Context) ([]Change, error) {
			c, err := e.Kube(ctx)
			if err != nil {
				return nil, err
			}
			want := e.clusterSpec().Nodes
			deadline := time.Now().Add(2 * time.Minute)
			for {
				ready, total, err := countReadyNodes(ctx, c.Dynamic.Resource(nodesGVR))
				if err != nil {
					return nil, err
				}
				if total >= want && ready == total {
					return nil, nil
				}
				if time.Now().After(deadline) {
					return nil, fmt.Errorf("%d of %d nodes Ready (want at least %d)", ready, total, want)
				}
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Second):
				}
			}
		},
	}
}

type lister interface {
	List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error)
}

func countReadyNodes(ctx context.Context, l lister) (ready, total int, err error) {
	list, err := l.List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, 0, err
	}
	for _, n := range list.Items {
		total++
		conds, _, _ := unstructured.NestedSlice(n.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Ready" && m["status"] == "True" {
				ready++
			}
		}
	}
	return ready, total, nil
}
