package integration

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"

	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// volatile kinds change without anybody applying anything.
var volatile = map[string]bool{"events": true, "leases": true, "endpoints": true, "endpointslices": true}

// snapshot is every object in the namespaces (with its resourceVersion),
// the CRDs and aura's inventory records: what a re-run must not touch.
func snapshot(t *testing.T, namespaces ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	cfg := testenv.Get(t).Config
	dc := discovery.NewDiscoveryClientForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)
	lists, err := dc.ServerPreferredResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		t.Fatal(err)
	}
	out := map[string]string{}
	add := func(gvr schema.GroupVersionResource, items []unstructured.Unstructured) {
		for _, o := range items {
			out[fmt.Sprintf("%s %s/%s", gvr.Resource, o.GetNamespace(), o.GetName())] = o.GetResourceVersion()
		}
	}
	for _, l := range lists {
		gv, _ := schema.ParseGroupVersion(l.GroupVersion)
		for _, r := range l.APIResources {
			if volatile[r.Name] || !contains(r.Verbs, "list") || strings.Contains(r.Name, "/") {
				continue
			}
			gvr := gv.WithResource(r.Name)
			if !r.Namespaced {
				if r.Name == "customresourcedefinitions" {
					ul, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
					if err != nil {
						t.Fatal(err)
					}
					add(gvr, ul.Items)
				}
				continue
			}
			for _, ns := range namespaces {
				ul, err := dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
				if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
					t.Fatalf("list %s in %s: %v", gvr, ns, err)
				}
				if err == nil {
					add(gvr, ul.Items)
				}
			}
		}
	}
	ul, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("kube-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ul.Items {
		if strings.HasPrefix(o.GetName(), "aura-inventory-") {
			out["inventory "+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out
}

// settled is a snapshot once the cluster's own controllers (kwok moving
// pods along, the Job controller) have stopped updating objects, so that a
// later difference can only come from aura.
func settled(t *testing.T, namespaces ...string) map[string]string {
	t.Helper()
	prev := snapshot(t, namespaces...)
	for i := 0; i < 30; i++ {
		time.Sleep(2 * time.Second)
		cur := snapshot(t, namespaces...)
		if len(diff(prev, cur)) == 0 {
			return cur
		}
		prev = cur
	}
	t.Fatalf("the cluster keeps changing on its own: %v", diff(prev, snapshot(t, namespaces...)))
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// diff lists what differs between two snapshots.
func diff(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, "gone: "+k)
		} else if w != v {
			out = append(out, "changed: "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "new: "+k)
		}
	}
	sort.Strings(out)
	return out
}

// revisions are the deployed Helm revisions of the manifest's charts
// (absent ones left out).
func revisions(t *testing.T) map[string]int {
	t.Helper()
	rel, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := helm.New(testenv.Get(t).Config, "aura-system", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, ch := range rel.Charts {
		st, err := hc.Status(context.Background(), ch.Name, ch.Namespace)
		if errors.Is(err, helm.ErrNotInstalled) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if st.State != "deployed" {
			t.Errorf("release %s revision %d is %s", ch.Name, st.Revision, st.State)
		}
		out[ch.Name] = st.Revision
	}
	return out
}

// get reads one live object.
func get(t *testing.T, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(testenv.Get(t).Config)
	o, err := dyn.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
	return o
}

// absent says whether the object does not exist.
func absent(t *testing.T, gvr schema.GroupVersionResource, ns, name string) bool {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(testenv.Get(t).Config)
	_, err := dyn.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return apierrors.IsNotFound(err)
}

// field reads a nested field of a live object; a missing one fails the test.
func field(t *testing.T, o *unstructured.Unstructured, path ...string) any {
	t.Helper()
	v, ok, err := unstructured.NestedFieldNoCopy(o.Object, path...)
	if err != nil || !ok {
		t.Fatalf("%s %s/%s: no field %s (%v)", o.GetKind(), o.GetNamespace(), o.GetName(), strings.Join(path, "."), err)
	}
	return v
}

// holdLikeAnOperator puts a finalizer on an object, as its operator would,
// and releases it once the object is being deleted, reporting an error if
// the operator's Helm release was already gone by then.
func holdLikeAnOperator(t *testing.T, gvr schema.GroupVersionResource, ns, name, release string) <-chan error {
	t.Helper()
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(testenv.Get(t).Config)
	res := dyn.Resource(gvr).Namespace(ns)
	const fin = "aura.test/operator-finalizer"
	if _, err := res.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":["`+fin+`"]}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	hc, err := helm.New(testenv.Get(t).Config, ns, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(5 * time.Minute)
		for time.Now().Before(deadline) {
			o, err := res.Get(ctx, name, metav1.GetOptions{})
			if err == nil && o.GetDeletionTimestamp() != nil {
				time.Sleep(3 * time.Second) // an operator's clean-up takes a while
				// The operator is its Deployment; Helm's release record
				// outlives it while an uninstall waits.
				_, serr := hc.Status(ctx, release, ns)
				if serr == nil {
					d, derr := dyn.Resource(gvrDeployment).Namespace(ns).Get(ctx, release, metav1.GetOptions{})
					if derr == nil && d.GetDeletionTimestamp() != nil {
						derr = fmt.Errorf("being deleted")
					}
					serr = derr
				}
				_, perr := res.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
				switch {
				case serr != nil:
					out <- fmt.Errorf("%s %s was being deleted while its operator %s was not running (%v): nothing would release it", gvr.Resource, name, release, serr)
				case perr != nil:
					out <- perr
				default:
					out <- nil
				}
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		out <- fmt.Errorf("%s %s was never deleted", gvr.Resource, name)
	}()
	return out
}
