package integration

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"

	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// files is every file under the directories, path → content.
func files(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			out[path] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestTenantSideBySide: the default tenant and tenant t1 on one cluster
// (issue #12, "Done means"). The tenant's deploy_core needs no deploy_common
// of its own: it creates the tenant's resource group and puts the tenant's
// records in the environment's zone. Its delete_core --full removes its
// group and leaves every object, record and file of the default tenant as
// it was.
func TestTenantSideBySide(t *testing.T) {
	w := newWorld(t)
	live := func() *phase.Env { return w.env(nextOn) }
	ten := func() *phase.Env { return w.env(tenant) }
	run(t, phase.Common(live()), false)
	run(t, phase.Infra(live()), false)
	run(t, phase.System(live()), false)
	// The package's tests share one cluster: leave it as found.
	t.Cleanup(func() {
		run(t, phase.DeleteCore(live(), true), false)
		run(t, phase.DeleteSystem(live()), false)
	})
	run(t, phase.Core(live()), false)

	out := filepath.Join(w.dir, "output_install")
	tenantGroup := filepath.Join(w.stateDir, "resourcegroups", "aura-common-ap-dev-t1")
	namespaces := []string{liveNS, "aura-agents-ap-dev", sysNS}
	filesBefore := files(t, w.stateDir, out)
	recordsBefore := records(t, live())
	objectsBefore := defaultObjects(t, namespaces...)
	crdOwnersBefore := crdOwners(t)
	for _, k := range []string{"namespaces " + liveNS, "clusterrolebindings aura-operator-" + liveNS, "inventory aura-inventory-ap-dev-" + liveNS} {
		if _, ok := objectsBefore[k]; !ok {
			t.Fatalf("the default tenant's objects lack %q", k)
		}
	}

	res := run(t, phase.Core(ten()), true)
	var planned []string
	for _, c := range res.Changes() {
		planned = append(planned, string(c.Op)+" "+c.Kind+" "+c.Name)
	}
	for _, want := range []string{"create resource group aura-common-ap-dev-t1", "create storage account auracommonapdevt1"} {
		if !slices.Contains(planned, want) {
			t.Errorf("the tenant's plan lacks %q: %q", want, planned)
		}
	}
	if d := diff(filesBefore, files(t, w.stateDir, out)); len(d) > 0 {
		t.Fatalf("the tenant's plan changed files: %q", d)
	}

	run(t, phase.Core(ten()), false)
	get(t, gvrNamespace, "", tenantNS)
	recs := records(t, live())
	if v := recs["services-ap-dev-t1"]; len(v) != 1 || !strings.HasPrefix(v[0], tenantNS+".") {
		t.Errorf("the tenant's services record in the environment's zone is %v, want one pointing at %s", v, tenantNS)
	}
	if _, err := os.Stat(filepath.Join(tenantGroup, "dnszones")); !os.IsNotExist(err) {
		t.Errorf("the tenant's group has a zone of its own: %v", err)
	}
	if res := run(t, phase.Core(ten()), false); len(res.Changes()) > 0 {
		t.Errorf("a second deploy_core of the tenant changes %v", res.Changes())
	}

	run(t, phase.DeleteCore(ten(), true), false)
	if !absent(t, gvrNamespace, "", tenantNS) {
		t.Errorf("delete_core --full of the tenant left %s", tenantNS)
	}
	if _, err := os.Stat(tenantGroup); !os.IsNotExist(err) {
		t.Errorf("delete_core --full of the tenant left its resource group: %v", err)
	}
	if d := diff(filesBefore, files(t, w.stateDir, out)); len(d) > 0 {
		t.Errorf("the tenant's deploy_core and delete_core --full changed the default tenant's files: %q", d)
	}
	if got := records(t, live()); !mapsEqual(got, recordsBefore) {
		t.Errorf("the environment's records are %v, want %v as before the tenant", got, recordsBefore)
	}
	if d := diff(objectsBefore, defaultObjects(t, namespaces...)); len(d) > 0 {
		t.Errorf("the tenant changed the default tenant's objects: %q", d)
	}
	if got := crdOwners(t); got != crdOwnersBefore {
		t.Errorf("the operator CRDs' owners are %s, want %s as before the tenant", got, crdOwnersBefore)
	}
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// crdInventory is the operator CRDs' record, shared by every core namespace
// of the cluster: the tenant joins and leaves its owners, so only its
// content is the default tenant's.
const crdInventory = "aura-inventory-cluster-operator-crds"

func crdOwners(t *testing.T) string {
	t.Helper()
	cm := get(t, schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, "kube-system", crdInventory)
	owners, _, _ := unstructured.NestedString(cm.Object, "data", "owners")
	if owners == "" {
		t.Fatalf("%s has no owners: %v", crdInventory, cm.Object["data"])
	}
	return owners
}

// defaultObjects is the settled snapshot of the namespaces (CRDs and
// inventory records included, the shared CRD record left out) and every
// cluster-scoped object labelled as the default tenant's (its RBAC, its
// namespaces), each with its resourceVersion.
func defaultObjects(t *testing.T, namespaces ...string) map[string]string {
	t.Helper()
	out := settled(t, namespaces...)
	delete(out, "inventory "+crdInventory)
	cfg := testenv.Get(t).Config
	lists, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerPreferredResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cfg)
	sel := metav1.ListOptions{LabelSelector: kube.LabelEnvironment + "=ap-dev"}
	for _, l := range lists {
		gv, _ := schema.ParseGroupVersion(l.GroupVersion)
		for _, r := range l.APIResources {
			if r.Namespaced || volatile[r.Name] || !contains(r.Verbs, "list") || strings.Contains(r.Name, "/") {
				continue
			}
			ul, err := dyn.Resource(gv.WithResource(r.Name)).List(context.Background(), sel)
			if err != nil {
				t.Fatalf("list %s: %v", r.Name, err)
			}
			for _, o := range ul.Items {
				out[r.Name+" "+o.GetName()] = o.GetResourceVersion()
			}
		}
	}
	return out
}
