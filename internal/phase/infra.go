package phase

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
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
	steps := e.acrCheckSteps()
	if e.SSHKeyFile != "" {
		steps = append(steps, Step{SSHKeyAction(e.SSHKeyFile)})
	}
	steps = append(steps,
		Step{ProviderAction("resource group "+rg, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg, Location: e.Cfg.AzureRegion, Tags: e.Cfg.ResourcesTags})
		})},
		Step{
			ProviderAction("cluster storage account "+e.clusterStorageAccount(), p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg, Name: e.clusterStorageAccount(),
					Location: e.Cfg.AzureRegion, Containers: []string{containerBackups, containerPackages}, Tags: e.Cfg.ResourcesTags,
					Expiry: e.backupExpiry()})
			}),
			ProviderAction("cluster "+e.Cfg.ClusterName, p, func(ctx context.Context, p provider.Provider) (Change, error) {
				spec, err := e.clusterSpec()
				if err != nil {
					return Change{}, err
				}
				ch, err := p.EnsureCluster(ctx, spec)
				if ch.Changed() {
					// What an operator checks before paying for it.
					ch.Detail = strings.TrimPrefix(ch.Detail+"; "+describeCluster(spec), "; ")
				}
				return ch, err
			}),
		},
		append(Step{ProviderAction("role Network Contributor for the cluster on "+rg, p, func(ctx context.Context, p provider.Provider) (Change, error) {
			// The cluster's load balancer takes public addresses of its
			// own resource group (the ingress controller's Service).
			return p.EnsureRoleAssignment(ctx, provider.RoleAssignment{Cluster: e.clusterRef(), Identity: provider.IdentityCluster,
				Role: "Network Contributor", Scope: provider.Scope{ResourceGroup: rg}})
		})}, e.acrPullActions()...),
		Step{fileAction("write "+e.kubeconfigPath(), e.kubeconfigPath(), e.kubeconfigJSON)},
		Step{e.nodesReadyAction()},
	)
	return Phase{Name: "deploy_infra", Steps: steps}
}

// describeCluster says what the cluster will be: pools, sizes, zones, SLA
// tier and the ranges allowed to reach it.
func describeCluster(s provider.ClusterSpec) string {
	var pools []string
	for _, p := range s.Pools {
		pools = append(pools, fmt.Sprintf("%s (%s, %s, %d-%d nodes)", p.Name, p.Mode, p.VMSize, p.MinSize, p.MaxSize))
	}
	or := func(v []string, none string) string {
		if len(v) == 0 {
			return none
		}
		return strings.Join(v, ",")
	}
	version := s.KubernetesVersion
	if version == "" {
		version = "default"
	}
	d := fmt.Sprintf("kubernetes %s, tier %s, zones %s, pools %s, API from %s, SSH from %s", version,
		s.SKUTier, or(s.Zones, "none"), strings.Join(pools, ", "), or(s.APIServerAuthorizedRanges, "anywhere"), or(s.SSHAllowedSources, "the default ranges"))
	if s.EncryptionInTransit {
		d += ", encryption at host"
	}
	if s.CustomerManagedKey != nil {
		d += ", disks encrypted with key " + s.CustomerManagedKey.Key
	}
	return d
}

// multiAZ are the zones of aks_multi_az (guide: "Availability zones").
var multiAZ = []string{"1", "2", "3"}

// clusterSpec is everything the configuration says about the cluster. The
// SSH public key comes from the private key file; before deploy_infra has
// created it (a dry run) there is none yet.
func (e *Env) clusterSpec() (provider.ClusterSpec, error) {
	c := e.Cfg
	spec := provider.ClusterSpec{ResourceGroup: e.clusterRG(), Name: c.ClusterName, Location: c.AzureRegion,
		KubernetesVersion: e.Release.KubernetesVersion, SKUTier: c.AKSSkuTier, SSHAllowedSources: c.SSHAllowedSources,
		APIServerAuthorizedRanges: c.KubernetesAPIAllowedSources, EncryptionInTransit: c.EnableEncryptionInTransit,
		Tags: c.ResourcesTags}
	if c.AKSMultiAZ {
		spec.Zones = multiAZ
	}
	if c.EnableCustomerKeyEncryption {
		spec.CustomerManagedKey = e.customerKey()
	}
	if e.SSHKeyFile != "" {
		// Missing only in a dry run: a real run created it in its first step.
		pub, err := sshPublicKey(e.SSHKeyFile)
		if err != nil && !os.IsNotExist(err) {
			return spec, err
		}
		spec.SSHPublicKey = pub
	}
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
	return spec, nil
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
			spec, err := e.clusterSpec()
			if err != nil {
				return nil, err
			}
			want := spec.Nodes
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
