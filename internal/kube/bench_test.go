package kube_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// The benchmarks below put aura's library next to kubectl on the same
// manifests and cluster, and print both with their ratio. Run them once:
//
//	go test -run '^$' -bench . -benchtime 1x ./internal/kube/
//
// Goals (issue #14): an unchanged re-run of the catalog in ≤ 0.5 s and at
// 800 objects in ≤ 1.2× `kubectl apply --server-side`.

// nginxCRDs stand in for the NGINX ingress controller's CRDs, which
// deploy_system installs and the catalog's VirtualServers need.
var nginxCRDs = []string{crdOf("VirtualServer", "virtualservers"), crdOf("VirtualServerRoute", "virtualserverroutes")}

func crdOf(kind, plural string) string {
	return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ` + plural + `.k8s.nginx.org}
spec:
  group: k8s.nginx.org
  scope: Namespaced
  names: {plural: ` + plural + `, singular: ` + strings.ToLower(kind) + `, kind: ` + kind + `, listKind: ` + kind + `List}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`
}

// catalog renders every component of the release for env.
func catalog(b testing.TB, env string) []*unstructured.Unstructured {
	m, err := release.Default()
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for _, c := range m.Components {
		names = append(names, c.Name)
	}
	return renderCore(b, coreContext(env, names...))
}

// manyObjects is 800 objects over 8 namespaces: ConfigMaps, Secrets, Roles
// and RoleBindings (kinds with no controller behind them), plus the
// namespaces.
func manyObjects(b testing.TB, prefix string) []*unstructured.Unstructured {
	var docs []string
	for n := range 8 {
		ns := fmt.Sprintf("%s-%d", prefix, n)
		docs = append(docs, "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}")
		for i := range 25 {
			meta := fmt.Sprintf("metadata: {name: obj-%d, namespace: %s}\n", i, ns)
			docs = append(docs,
				"apiVersion: v1\nkind: ConfigMap\n"+meta+fmt.Sprintf("data: {index: \"%d\", payload: %s}", i, strings.Repeat("x", 512)),
				"apiVersion: v1\nkind: Secret\n"+meta+fmt.Sprintf("stringData: {token: \"t-%d\"}", i),
				"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"+meta+"rules: [{apiGroups: [\"\"], resources: [configmaps], verbs: [get]}]",
				"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"+meta+
					fmt.Sprintf("roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: obj-%d}\nsubjects: [{kind: ServiceAccount, name: default, namespace: %s}]", i, ns),
			)
		}
	}
	return parse(b, docs...)
}

// kubectl runs the cluster's kubectl and returns how long it took.
func kubectl(b testing.TB, args ...string) time.Duration {
	b.Helper()
	env := testenv.Get(b)
	start := time.Now()
	out, err := exec.Command(env.Kubectl, append([]string{"--kubeconfig", env.Kubeconfig}, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return time.Since(start)
}

// manifestFile writes objs as one multi-document YAML file, namespaces
// first: kubectl applies in file order.
func manifestFile(b testing.TB, objs []*unstructured.Unstructured) string {
	b.Helper()
	sorted := slices.Clone(objs)
	slices.SortStableFunc(sorted, func(x, y *unstructured.Unstructured) int {
		return cmp.Compare(rank(x), rank(y))
	})
	docs := make([]string, 0, len(objs))
	for _, o := range sorted {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, string(y))
	}
	path := filepath.Join(b.TempDir(), "manifests.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(docs, "---\n")), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

func rank(o *unstructured.Unstructured) int {
	if o.GetKind() == "Namespace" {
		return 0
	}
	return 1
}

func installNginxCRDs(b *testing.B, c *kube.Client) {
	inv := inventory("bench-crds")
	apply(b, c, inv, parse(b, nginxCRDs...), kube.PlanOptions{})
	b.Cleanup(func() { apply(b, c, inv, nil, kube.PlanOptions{}) })
}

// BenchmarkNoChangeRerun: Plan+Apply of objects that are all live and
// unchanged, against `kubectl apply --server-side` of the same objects
// (another copy, so each tool finds only its own field manager).
func BenchmarkNoChangeRerun(b *testing.B) {
	c := newClient(b)
	installNginxCRDs(b, c)
	for _, bc := range []struct {
		name        string
		aura, other []*unstructured.Unstructured
	}{
		{"catalog", catalog(b, "nc-aura"), catalog(b, "nc-kubectl")},
		{"800-objects", manyObjects(b, "many-aura"), manyObjects(b, "many-kubectl")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			inv := inventory("bench-" + bc.name)
			apply(b, c, inv, bc.aura, kube.PlanOptions{})
			b.Cleanup(func() { apply(b, c, inv, nil, kube.PlanOptions{}) })
			file := manifestFile(b, bc.other)
			kubectl(b, "apply", "--server-side", "--field-manager", "bench", "-f", file)
			b.Cleanup(func() { kubectl(b, "delete", "--wait", "-f", file) })

			var auraT, kubectlT time.Duration
			for b.Loop() {
				start := time.Now()
				plan, err := c.Plan(ctx, inv, bc.aura, kube.PlanOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if plan.HasChanges() {
					b.Fatalf("an unchanged re-run plans changes: %v", actions(plan))
				}
				if _, err := c.Apply(ctx, plan, kube.ApplyOptions{}); err != nil {
					b.Fatal(err)
				}
				auraT += time.Since(start)
				kubectlT += kubectl(b, "apply", "--server-side", "--field-manager", "bench", "-f", file)
			}
			n := float64(b.N)
			b.ReportMetric(float64(len(bc.aura)), "objects")
			b.ReportMetric(auraT.Seconds()/n, "aura-s")
			b.ReportMetric(kubectlT.Seconds()/n, "kubectl-s")
			b.ReportMetric(auraT.Seconds()/kubectlT.Seconds(), "aura/kubectl")
		})
	}
}

// BenchmarkDeployCatalog: the catalog into a new namespace until every
// workload is Current (Plan, Apply, WaitReady), against `kubectl apply
// --server-side` + `kubectl wait` of the same objects into another one.
func BenchmarkDeployCatalog(b *testing.B) {
	c := newClient(b)
	installNginxCRDs(b, c)
	ctx := context.Background()
	var auraT, planT, applyT, kubectlT time.Duration
	i := 0
	for b.Loop() {
		i++
		inv := inventory(fmt.Sprintf("dc-aura-%d", i))
		objs := catalog(b, inv.Environment)
		kcEnv := fmt.Sprintf("dc-kubectl-%d", i)
		kc := catalog(b, kcEnv)
		file := manifestFile(b, kc)

		start := time.Now()
		plan, err := c.Plan(ctx, inv, objs, kube.PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		planT += time.Since(start)
		t := time.Now()
		if _, err := c.Apply(ctx, plan, kube.ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		applyT += time.Since(t)
		var workloads []kube.ObjRef
		for _, r := range plan.Desired() {
			if r.Kind == "Deployment" || r.Kind == "Namespace" {
				workloads = append(workloads, r)
			}
		}
		if _, err := c.WaitReady(ctx, workloads, kube.WaitOptions{Timeout: 5 * time.Minute}); err != nil {
			b.Fatal(err)
		}
		auraT += time.Since(start)

		start = time.Now()
		kubectl(b, "apply", "--server-side", "--field-manager", "bench", "-f", file)
		kubectl(b, "wait", "--for=condition=Available", "deployment", "--all", "-n", "aura-"+kcEnv, "--timeout=5m")
		kubectlT += time.Since(start)

		b.StopTimer()
		apply(b, c, inv, nil, kube.PlanOptions{})
		kubectl(b, "delete", "--wait", "-f", file)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(auraT.Seconds()/n, "aura-s")
	b.ReportMetric(planT.Seconds()/n, "aura-plan-s")
	b.ReportMetric(applyT.Seconds()/n, "aura-apply-s")
	b.ReportMetric((auraT-planT-applyT).Seconds()/n, "aura-wait-s")
	b.ReportMetric(kubectlT.Seconds()/n, "kubectl-s")
	b.ReportMetric(auraT.Seconds()/kubectlT.Seconds(), "aura/kubectl")
}
