package integration

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

var (
	gvrCRD         = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	gvrCRB         = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}
	gvrNlpTraining = schema.GroupVersionResource{Group: "auracognitive.com", Version: "v1", Resource: "nlptrainings"}
)

const (
	liveNS    = "aura-ap-dev"       // the example's environment
	releaseNS = "aura-ap-dev-7-2-0" // deploy_core --ns of release 7.2.0
	tenantNS  = "aura-ap-dev-t1"    // tenant_name: t1
	nextOn    = "next_domains_enabled: true"
	nextOff   = "next_domains_enabled: false"
	tenant    = `tenant_name: "t1"`
)

// records are the example environment's DNS record sets, by name.
func records(t *testing.T, e *phase.Env) map[string][]string {
	t.Helper()
	rs, err := e.Provider.ListRecordSets(context.Background(), provider.Zone{ResourceGroup: e.Cfg.Derived.CommonResourceGroup, Name: config.DNSZone})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rs {
		out[r.Name] = r.Values
	}
	return out
}

// hasReleaseAccount says whether e's core namespace has its release storage
// account.
func hasReleaseAccount(t *testing.T, e *phase.Env) bool {
	t.Helper()
	_, err := e.Provider.StorageAccountKey(context.Background(), provider.ResourceRef{
		ResourceGroup: e.Cfg.Derived.ClusterResourceGroup, Name: e.Cfg.ReleaseStorageAccount(e.CoreNamespace())})
	if err != nil && !provider.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

// TestDeletesStayInTheirEnvironment: the usual core namespace, a release
// namespace (--ns) and a tenant share one cluster; deleting one never
// touches what another uses (issue #14, item 2).
func TestDeletesStayInTheirEnvironment(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(testenv.Get(t).Config)
	live := func(extra ...string) *phase.Env {
		if len(extra) == 0 {
			extra = []string{nextOn}
		}
		return w.env(extra...)
	}

	run(t, phase.Common(live()), false)
	run(t, phase.Infra(live()), false)
	run(t, phase.System(live()), false)

	// stop and start pause and resume the Atlas cluster through its operator;
	// deploy_system neither undoes nor reports that.
	atlasPaused := func() bool {
		p, _, _ := unstructured.NestedBool(get(t, gvrAtlasDep, sysNS, live().Cfg.AtlasClusterName).Object, "spec", "deploymentSpec", "paused")
		return p
	}
	run(t, phase.Stop(live()), false)
	if !atlasPaused() {
		t.Fatal("stop did not pause the Atlas deployment")
	}
	if res := run(t, phase.Stop(live()), false); len(res.Changes()) > 0 {
		t.Fatalf("a second stop changes %v", res.Changes())
	}
	if res := run(t, phase.System(live()), false); len(res.Changes()) > 0 {
		t.Fatalf("deploy_system after stop changes %v", res.Changes())
	}
	run(t, phase.Start(live()), false)
	if atlasPaused() {
		t.Fatal("start did not resume the Atlas deployment")
	}
	run(t, phase.Core(live()), false)
	liveInfo := filepath.Join(w.dir, "output_install", "ap-dev_info.json")
	infoBefore, err := os.ReadFile(liveInfo)
	if err != nil {
		t.Fatal(err)
	}
	nextRecords := map[string][]string{}
	for name, v := range records(t, live()) {
		if len(name) > 5 && name[len(name)-5:] == "-next" {
			nextRecords[name] = v
		}
	}
	if len(nextRecords) == 0 {
		t.Fatal("deploy_core with next_domains_enabled made no -next records")
	}
	nextRoutes, err := dyn.Resource(gvrVS).Namespace(sysNS).List(ctx, metav1.ListOptions{})
	if err != nil || len(nextRoutes.Items) == 0 {
		t.Fatalf("no -next VirtualServers in %s: %v", sysNS, err)
	}

	// A new release in its own namespace, tested before any switch.
	rel := live(nextOff)
	rel.ReleaseNamespace = true
	run(t, phase.Core(rel), false)
	for ns, subject := range map[string]string{liveNS: liveNS, releaseNS: releaseNS} {
		crb := get(t, gvrCRB, "", "aura-operator-"+ns)
		subjects, _, _ := unstructured.NestedSlice(crb.Object, "subjects")
		if len(subjects) != 1 || subjects[0].(map[string]any)["namespace"] != subject {
			t.Fatalf("ClusterRoleBinding aura-operator-%s binds %v, want the operator of %s", ns, subjects, subject)
		}
	}

	// A tenant on the same cluster, with a training in the live namespace.
	run(t, phase.Common(w.env(tenant)), false)
	run(t, phase.Core(w.env(tenant)), false)
	training := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "auracognitive.com/v1", "kind": "NlpTraining",
		"metadata": map[string]any{"name": "resources-ap", "namespace": liveNS},
		"spec":     map[string]any{"version": "1.0.0"},
	}}
	if _, err := dyn.Resource(gvrNlpTraining).Namespace(liveNS).Create(ctx, training, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	rel = live()
	rel.ReleaseNamespace = true
	for _, e := range []*phase.Env{live(), rel, w.env(tenant)} {
		if !hasReleaseAccount(t, e) {
			t.Fatalf("deploy_core made no release storage account for %s", e.CoreNamespace())
		}
	}

	run(t, phase.DeleteCore(w.env(tenant), true), false)
	if !absent(t, gvrNamespace, "", tenantNS) {
		t.Fatalf("delete_core --full of the tenant left %s", tenantNS)
	}
	if hasReleaseAccount(t, w.env(tenant)) || !hasReleaseAccount(t, live()) || !hasReleaseAccount(t, rel) {
		t.Error("delete_core --full of the tenant did not delete exactly its own release storage account")
	}
	get(t, gvrCRD, "", "nlptrainings.auracognitive.com")
	get(t, gvrNlpTraining, liveNS, "resources-ap")

	// Deleting the release namespace, even with --full, leaves the live
	// one's records, routes, info file and bot channel.
	rel = live()
	rel.ReleaseNamespace = true
	run(t, phase.DeleteCore(rel, true), false)
	if !absent(t, gvrNamespace, "", releaseNS) {
		t.Fatalf("delete_core --ns left %s", releaseNS)
	}
	if !botChannel(t, live()) {
		t.Error("delete_core --ns --full deleted the bot channel the live namespace serves")
	}
	if hasReleaseAccount(t, rel) || !hasReleaseAccount(t, live()) {
		t.Error("delete_core --ns did not delete exactly its own release storage account")
	}
	for name, v := range nextRecords {
		if got := records(t, live())[name]; !slices.Equal(got, v) {
			t.Errorf("-next record %s of the live namespace is %v after delete_core --ns, want %v", name, got, v)
		}
	}
	if infoAfter, err := os.ReadFile(liveInfo); err != nil || string(infoAfter) != string(infoBefore) {
		t.Errorf("delete_core --ns changed %s: %v", liveInfo, err)
	}
	get(t, gvrCRB, "", "aura-operator-"+liveNS)

	// The live namespace's own delete: its -next records go (the guide),
	// its -next routes stay (the guide), the shared CRDs stay (no --full).
	run(t, phase.DeleteCore(live(), false), false)
	if hasReleaseAccount(t, live()) {
		t.Errorf("delete_core left the release storage account of %s", liveNS)
	}
	for name := range nextRecords {
		if _, ok := records(t, live())[name]; ok {
			t.Errorf("-next record %s outlived delete_core of the namespace it points at", name)
		}
	}
	if routes, _ := dyn.Resource(gvrVS).Namespace(sysNS).List(ctx, metav1.ListOptions{}); len(routes.Items) != len(nextRoutes.Items) {
		t.Errorf("delete_core removed -next VirtualServers: %d left of %d", len(routes.Items), len(nextRoutes.Items))
	}
	get(t, gvrCRD, "", "nlptrainings.auracognitive.com")

	run(t, phase.DeleteCore(live(), true), false)
	if botChannel(t, live()) {
		t.Error("delete_core --full of the live namespace left its bot channel")
	}
	if !absent(t, gvrCRD, "", "nlptrainings.auracognitive.com") || !absent(t, gvrNamespace, "", "aura-agents-ap-dev") {
		t.Error("delete_core --full of the last core namespace left the operator CRDs or the agents namespace")
	}
	if res := run(t, phase.DeleteCore(live(), true), false); len(res.Changes()) > 0 {
		t.Errorf("a second delete_core --full changes %v", res.Changes())
	}
	run(t, phase.DeleteSystem(live()), false)
	if routes, err := dyn.Resource(gvrVS).Namespace(sysNS).List(ctx, metav1.ListOptions{}); err == nil && len(routes.Items) > 0 {
		t.Errorf("delete_system left %d -next VirtualServers", len(routes.Items))
	}
}

// botChannel reports whether the environment's bot channel exists: a dry
// run of its delete would delete it.
func botChannel(t *testing.T, e *phase.Env) bool {
	t.Helper()
	c, err := e.Provider.DryRun().DeleteBotChannel(context.Background(), provider.ResourceRef{ResourceGroup: e.Cfg.Derived.ClusterResourceGroup, Name: e.Cfg.Derived.BotChannelName})
	if err != nil {
		t.Fatal(err)
	}
	return c.Op == provider.OpDelete
}
