package localcluster

import (
	"context"
	"fmt"
	"regexp"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Pool is one simulated agent pool, shaped like the guide's
// infrastructure.compute.agentpools entries.
type Pool struct {
	Name   string // common, management, system
	Mode   string // System or User, as AKS names it
	Count  int    // nodes created: the pool's min_size
	VMSize string // shown as node.kubernetes.io/instance-type
}

// DefaultPools are the guide's default agent pools at their min_size.
func DefaultPools() []Pool {
	return []Pool{
		{Name: "common", Mode: "User", Count: 2, VMSize: "Standard_D4as_v4"},
		{Name: "management", Mode: "User", Count: 3, VMSize: "Standard_D4as_v4"},
		{Name: "system", Mode: "System", Count: 2, VMSize: "Standard_D2as_v4"},
	}
}

// Labels AKS puts on its nodes, which the Aura manifests select on.
const (
	LabelAgentPool    = "agentpool"
	LabelAKSAgentPool = "kubernetes.azure.com/agentpool"
	LabelAKSMode      = "kubernetes.azure.com/mode"
)

// kwokManagedAnnotation makes kwokctl's kwok controller own a node: it keeps
// it Ready and runs its Pods' life cycle.
const kwokManagedAnnotation = "kwok.x-k8s.io/node"

var poolName = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`) // AKS pool name rule

func validatePools(pools []Pool) error {
	seen := map[string]bool{}
	for i, p := range pools {
		switch {
		case !poolName.MatchString(p.Name):
			return fmt.Errorf("local cluster: pools[%d].name %q: want 1-12 lowercase letters and digits, starting with a letter", i, p.Name)
		case seen[p.Name]:
			return fmt.Errorf("local cluster: pools[%d].name %q: duplicate pool", i, p.Name)
		case p.Mode != "System" && p.Mode != "User":
			return fmt.Errorf("local cluster: pools[%d].mode %q: want System or User", i, p.Mode)
		case p.Count < 0 || p.Count > 100:
			return fmt.Errorf("local cluster: pools[%d].count %d: want 0..100", i, p.Count)
		}
		seen[p.Name] = true
	}
	return nil
}

// nodeName follows AKS's aks-<pool>-<index> pattern, minus the VMSS hash.
func nodeName(pool string, i int) string { return fmt.Sprintf("aks-%s-%d", pool, i) }

// node builds one simulated node. Capacity is left to kwok (effectively
// unlimited): AKS would autoscale a full pool, which kwok does not simulate.
func node(p Pool, i int) *corev1.Node {
	name := nodeName(p.Name, i)
	mode := "user"
	if p.Mode == "System" {
		mode = "system"
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokManagedAnnotation: "fake"},
			Labels: map[string]string{
				LabelAgentPool:                     p.Name,
				LabelAKSAgentPool:                  p.Name,
				LabelAKSMode:                       mode,
				"node.kubernetes.io/instance-type": p.VMSize,
				"kubernetes.io/hostname":           name,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				"kubernetes.io/role":               "agent",
				"type":                             "kwok",
			},
		},
	}
}

// ensureNodes creates the pools' nodes that do not exist yet.
func (c *Cluster) ensureNodes(ctx context.Context) error {
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	for _, p := range c.pools {
		for i := range p.Count {
			_, err := cs.CoreV1().Nodes().Create(ctx, node(p, i), metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("local cluster %s: create node %s: %w", c.name, nodeName(p.Name, i), err)
			}
		}
	}
	return nil
}

func (c *Cluster) clientset() (*kubernetes.Clientset, error) {
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// waitReady waits until the apiserver is ready and every node reports Ready
// and is managed by a kwok of this run: its lease was renewed at or after
// since (kwok heartbeats the nodes again after a start, but acts on a node's
// Pods only while it holds the node's lease).
func (c *Cluster) waitReady(ctx context.Context, since time.Time) error {
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var last error
	for {
		last = c.ready(ctx, cs, since)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("local cluster %s: not ready after %s: %w", c.name, c.timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Cluster) ready(ctx context.Context, cs *kubernetes.Clientset, since time.Time) error {
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		return fmt.Errorf("apiserver: %w", err)
	}
	if c.controlPlaneOnly {
		return nil
	}
	// Every node, not just c.pools: Start is given no pools (the cluster
	// remembers its nodes) and the user may have added some.
	nodes, err := kwokNodes(ctx, cs)
	if err != nil {
		return err
	}
	leases, err := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	held := map[string]bool{}
	for i := range leases.Items {
		held[leases.Items[i].Name] = leaseHeld(&leases.Items[i], since)
	}
	for name, n := range nodes {
		if !nodeReady(n) {
			return fmt.Errorf("node %s is not Ready", name)
		}
		if !held[name] {
			return fmt.Errorf("node %s: kwok does not hold its lease yet", name)
		}
	}
	return nil
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
