package kube_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	k8stemplates "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/operatorconfig"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/render"
	"github.com/auracognitive/aurak8s/internal/testenv"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

func TestMain(m *testing.M) {
	flag.Parse() // testenv reads -test.v before m.Run would parse flags
	testenv.Main(m, testenv.Options{Pods: true})
}

func newClient(t testing.TB) *kube.Client {
	t.Helper()
	c, err := kube.New(testenv.Get(t).Config)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// coreContext is what config.TemplateContext returns for a small environment.
func coreContext(env string, enabled ...string) map[string]any {
	comps := map[string]any{}
	for _, n := range enabled {
		comps[n] = true
	}
	return map[string]any{
		"environment_type": "dev", "environment_profile": "es", "environment_name": env,
		"kubernetes_core_namespace": "aura-" + env, "kubernetes_system_namespace": "aura-system",
		"kubernetes_agents_namespace": "aura-agents-" + env,
		"aura_encryption_key":         "5eb23be8ba10455e78455c84b4512af3", "aura_encryption_algorithm": "aes-256-cbc",
		"aura_encryption_iv_position": 35, "aura_bot_services_api_key": "bot-key",
		"nlp_packages":  map[string]any{"resources_es": "1.0.0"},
		"genesys":       map[string]any{"user": "aura", "secret": "genesys-secret"},
		"components":    comps,
		"aura_operator": operatorValues(env),
	}
}

// operatorValues are the operator's settings as deploy_core computes them.
func operatorValues(env string) map[string]any {
	m, err := release.Default()
	if err != nil {
		panic(err)
	}
	c, _ := m.Component("aura-operator")
	v, err := operatorconfig.TemplateValues(operatorconfig.Settings{Environment: env, LeaderElectionNamespace: "aura-" + env,
		S3Bucket: c.Env[operatorconfig.EnvS3Bucket], S3Region: "eu-west-1", BlobAccountURL: "https://auraclustersa.blob.core.windows.net",
		BlobContainer: "aura-packages", BlobAccountName: "auraclustersa", BlobAccountKey: "c3RvcmFnZS1rZXk="}, c.Env)
	if err != nil {
		panic(err)
	}
	return v
}

func renderCore(t testing.TB, ctx map[string]any) []*unstructured.Unstructured {
	t.Helper()
	m, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := m.RenderCore(render.New(k8stemplates.FS()), ctx)
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, b := range bundles {
		objs = append(objs, b.Objects...)
	}
	return objs
}

func inventory(env string) kube.Inventory {
	return kube.Inventory{Environment: env, Phase: "core", Release: "7.2.0", Namespace: "default"}
}

// versions reads, for every object of refs (plus the inventory record),
// what changes when anyone writes it. Deployments get status writes from
// kube-controller-manager while pods start, so for them it is the generation
// (bumped by any spec write) and the time of aura's managedFields entry
// (bumped by any apply of ours); for every other object the resourceVersion.
func versions(t *testing.T, c *kube.Client, inv kube.Inventory, refs []kube.ObjRef) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range refs {
		out[r.String()] = version(t, c, r)
	}
	rec := kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: inv.Namespace, Name: inv.RecordName()}
	out["record"] = version(t, c, rec)
	return out
}

func version(t *testing.T, c *kube.Client, r kube.ObjRef) string {
	t.Helper()
	o := get(t, c, r)
	if r.Kind != "Deployment" {
		return "rv " + o.GetResourceVersion()
	}
	v := fmt.Sprintf("generation %d", o.GetGeneration())
	for _, mf := range o.GetManagedFields() {
		if mf.Manager == kube.FieldManager {
			v += fmt.Sprintf(", aura %s %s", mf.Operation, mf.Time)
		}
	}
	return v
}

var gvr = map[string]schema.GroupVersionResource{
	"ConfigMap":                {Version: "v1", Resource: "configmaps"},
	"Secret":                   {Version: "v1", Resource: "secrets"},
	"Service":                  {Version: "v1", Resource: "services"},
	"Namespace":                {Version: "v1", Resource: "namespaces"},
	"Deployment":               {Group: "apps", Version: "v1", Resource: "deployments"},
	"ServiceAccount":           {Version: "v1", Resource: "serviceaccounts"},
	"ClusterRole":              {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
	"ClusterRoleBinding":       {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"},
	"Widget":                   {Group: "test.aurak8s.io", Version: "v1", Resource: "widgets"},
	"CustomResourceDefinition": {Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"},
}

func lookup(c *kube.Client, r kube.ObjRef) (*unstructured.Unstructured, error) {
	res, ok := gvr[r.Kind]
	if !ok {
		panic("test knows no resource for " + r.Kind)
	}
	if r.Namespace == "" {
		return c.Dynamic.Resource(res).Get(context.Background(), r.Name, metav1.GetOptions{})
	}
	return c.Dynamic.Resource(res).Namespace(r.Namespace).Get(context.Background(), r.Name, metav1.GetOptions{})
}

func get(t *testing.T, c *kube.Client, r kube.ObjRef) *unstructured.Unstructured {
	t.Helper()
	o, err := lookup(c, r)
	if err != nil {
		t.Fatalf("get %s: %v", r, err)
	}
	return o
}

func actions(p *kube.Plan) map[string]kube.Action {
	out := map[string]kube.Action{}
	for _, ch := range p.Changes {
		out[ch.Ref.String()] = ch.Action
	}
	return out
}

func apply(t testing.TB, c *kube.Client, inv kube.Inventory, objs []*unstructured.Unstructured, opts kube.PlanOptions) (*kube.Plan, []kube.Result) {
	t.Helper()
	ctx := context.Background()
	plan, err := c.Plan(ctx, inv, objs, opts)
	if err != nil {
		t.Fatal(err)
	}
	var streamed int
	// Like the phases, wait until what the plan deletes is gone: the tests
	// share one cluster, and the Widget CRD is cluster-wide.
	results, err := c.Apply(ctx, plan, kube.ApplyOptions{OnResult: func(kube.Result) { streamed++ }, WaitDeleted: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if streamed != len(results) || len(results) != len(plan.Changes) {
		t.Errorf("%d results, %d streamed, %d changes", len(results), streamed, len(plan.Changes))
	}
	return plan, results
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	c, err := kube.NewFromKubeconfig(testenv.Get(t).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	inv := inventory("idem")
	objs := renderCore(t, coreContext("idem", "aura-bot", "nlp", "user-helper", "genesys", "aura-operator"))

	plan, err := c.Plan(ctx, inv, objs, kube.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Count(kube.ActionCreate) != len(objs) || plan.Count(kube.ActionDelete) != 0 {
		t.Fatalf("first plan: %v", actions(plan))
	}
	// The plan changed nothing: the namespace does not exist yet.
	if _, err := lookup(c, kube.ObjRef{Version: "v1", Kind: "Namespace", Name: "aura-idem"}); !apierrors.IsNotFound(err) {
		t.Fatalf("plan created the namespace: %v", err)
	}

	_, results := apply(t, c, inv, objs, kube.PlanOptions{})
	for _, r := range results {
		if r.Action != kube.ActionCreate || r.Err != nil {
			t.Errorf("%s: %s %v", r.Ref, r.Action, r.Err)
		}
	}
	before := versions(t, c, inv, plan.Desired())

	again := renderCore(t, coreContext("idem", "aura-bot", "nlp", "user-helper", "genesys", "aura-operator"))
	plan2, results2 := apply(t, c, inv, again, kube.PlanOptions{})
	if plan2.HasChanges() {
		t.Errorf("second plan has changes: %v", actions(plan2))
	}
	for _, r := range results2 {
		if r.Action != kube.ActionUnchanged {
			t.Errorf("second run: %s %s", r.Ref, r.Action)
		}
	}
	after := versions(t, c, inv, plan.Desired())
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %s → %s on a no-change run", k, v, after[k])
		}
	}
	// Secrets were applied from stringData; the live object holds them as data.
	sec := get(t, c, kube.ObjRef{Version: "v1", Kind: "Secret", Namespace: "aura-idem", Name: "genesys-credentials"})
	if d, _, _ := unstructured.NestedString(sec.Object, "data", "GENESYS_SECRET"); d == "" {
		t.Error("genesys secret not stored")
	}
	if sec.GetLabels()[kube.LabelEnvironment] != "idem" || sec.GetLabels()[kube.LabelManagedBy] != "aura" {
		t.Errorf("inventory labels missing: %v", sec.GetLabels())
	}

	// Every rendered core object, Deployments included, becomes Current.
	ready, err := c.WaitReady(ctx, plan.Desired(), kube.WaitOptions{Timeout: 90 * time.Second, Interval: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ready {
		if r.Status != status.CurrentStatus {
			t.Errorf("%s: %s", r.Ref, r.Status)
		}
	}
}

func TestPlanShowsUpdatesAndChangesNothing(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	inv := inventory("upd")
	apply(t, c, inv, renderCore(t, coreContext("upd", "nlp", "user-helper")), kube.PlanOptions{})
	cm := kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: "aura-upd", Name: "aura-nlp"}
	rv := get(t, c, cm).GetResourceVersion()

	cfg := coreContext("upd", "nlp", "user-helper")
	cfg["nlp_packages"] = map[string]any{"resources_es": "1.1.0"}
	plan, err := c.Plan(ctx, inv, renderCore(t, cfg), kube.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var updated []string
	for _, ch := range plan.Changes {
		if ch.Action == kube.ActionUpdate {
			updated = append(updated, ch.Ref.String()+" "+strings.Join(ch.Fields, ","))
		} else if ch.Action != kube.ActionUnchanged {
			t.Errorf("unexpected %s %s", ch.Action, ch.Ref)
		}
	}
	slices.Sort(updated)
	want := []string{
		"ConfigMap aura-upd/aura-nlp data.NLP_PACKAGES",
		"Deployment aura-upd/aura-nlp spec.template.metadata.annotations",
	}
	if !slices.Equal(updated, want) {
		t.Errorf("updates %q\nwant %q", updated, want)
	}
	if got := get(t, c, cm).GetResourceVersion(); got != rv {
		t.Error("plan changed the ConfigMap")
	}
	if _, err := c.Apply(ctx, plan, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedString(get(t, c, cm).Object, "data", "NLP_PACKAGES"); v != `{"resources_es":"1.1.0"}` {
		t.Errorf("NLP_PACKAGES after apply: %s", v)
	}
}

func TestDisablingAComponentPrunesIt(t *testing.T) {
	c := newClient(t)
	inv := inventory("prune")
	other := inventory("prune-other") // another environment on the same cluster
	apply(t, c, inv, renderCore(t, coreContext("prune", "aura-bot", "genesys")), kube.PlanOptions{})
	apply(t, c, other, renderCore(t, coreContext("prune-other", "genesys")), kube.PlanOptions{})
	keep := kube.ObjRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "aura-prune", Name: "aura-bot"}
	keepCM := kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: "aura-prune", Name: "aura-bot"}
	kept := version(t, c, keep) + version(t, c, keepCM)

	plan, _ := apply(t, c, inv, renderCore(t, coreContext("prune", "aura-bot")), kube.PlanOptions{})
	var deleted []string
	for _, ch := range plan.Changes {
		if ch.Action == kube.ActionDelete {
			deleted = append(deleted, ch.Ref.String())
		}
	}
	slices.Sort(deleted)
	want := []string{"ConfigMap aura-prune/genesys", "Deployment aura-prune/genesys", "Secret aura-prune/genesys-credentials", "Service aura-prune/genesys"}
	if !slices.Equal(deleted, want) {
		t.Fatalf("deleted %v, want %v", deleted, want)
	}
	for _, r := range []kube.ObjRef{
		{Version: "v1", Kind: "ConfigMap", Namespace: "aura-prune", Name: "genesys"},
		{Version: "v1", Kind: "Secret", Namespace: "aura-prune", Name: "genesys-credentials"},
	} {
		if _, err := lookup(c, r); !apierrors.IsNotFound(err) {
			t.Errorf("%s still there: %v", r, err)
		}
	}
	if version(t, c, keep)+version(t, c, keepCM) != kept {
		t.Error("a kept component was touched")
	}
	get(t, c, kube.ObjRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "aura-prune-other", Name: "genesys"})

	// -t style partial runs do not prune.
	plan, err := c.Plan(context.Background(), other, nil, kube.PlanOptions{NoPrune: true})
	if err != nil || len(plan.Changes) != 0 {
		t.Errorf("NoPrune plan: %v %v", actions(plan), err)
	}
}

// TestPruningEverythingRemovesTheRecord: an undeployed inventory leaves no
// object behind, its record included; applying nothing again is a no-op.
func TestPruningEverythingRemovesTheRecord(t *testing.T) {
	c := newClient(t)
	inv := inventory("gone")
	apply(t, c, inv, renderCore(t, coreContext("gone", "aura-bot")), kube.PlanOptions{})
	rec := kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: inv.Namespace, Name: inv.RecordName()}
	get(t, c, rec)

	plan, _ := apply(t, c, inv, nil, kube.PlanOptions{})
	if plan.Count(kube.ActionDelete) == 0 {
		t.Fatal("applying nothing deleted nothing")
	}
	if _, err := lookup(c, rec); !apierrors.IsNotFound(err) {
		t.Fatalf("the inventory record is still there: %v", err)
	}
	if plan, _ = apply(t, c, inv, nil, kube.PlanOptions{}); plan.HasChanges() {
		t.Fatalf("a second empty apply plans %v", actions(plan))
	}
}

const widgetCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.aurak8s.io
spec:
  group: test.aurak8s.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`

func parse(t testing.TB, docs ...string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, d := range docs {
		o := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(d), &o.Object); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

func TestCRDNamespaceAndCustomResourceInOneRun(t *testing.T) {
	c := newClient(t)
	inv := inventory("crd")
	objs := parse(t, widgetCRD,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: aura-crd}",
		"apiVersion: test.aurak8s.io/v1\nkind: Widget\nmetadata: {name: w1, namespace: aura-crd}\nspec: {size: 3}",
	)
	plan, results := apply(t, c, inv, objs, kube.PlanOptions{})
	for _, ch := range plan.Changes {
		if ch.Ref.Kind == "Widget" && ch.Validated {
			t.Error("a custom resource of a CRD not yet created cannot have been validated")
		}
	}
	for _, r := range results {
		if r.Err != nil || r.Action != kube.ActionCreate {
			t.Errorf("%s: %s %v", r.Ref, r.Action, r.Err)
		}
	}
	get(t, c, kube.ObjRef{Group: "test.aurak8s.io", Version: "v1", Kind: "Widget", Namespace: "aura-crd", Name: "w1"})
	plan2, _ := apply(t, c, inv, objs, kube.PlanOptions{})
	if plan2.HasChanges() {
		t.Errorf("re-run: %v", actions(plan2))
	}
	apply(t, c, inv, nil, kube.PlanOptions{}) // removes the CRD for the other tests
}

func TestPlanRejectsInvalidObjects(t *testing.T) {
	c := newClient(t)
	inv := inventory("invalid")
	objs := parse(t,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: default}",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken, namespace: default}\nspec: {replicas: -1, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: x}]}}}",
		"apiVersion: nope.example/v1\nkind: Gadget\nmetadata: {name: g, namespace: default}",
	)
	_, err := c.Plan(context.Background(), inv, objs, kube.PlanOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"Deployment default/broken", "spec.replicas", "Gadget default/g"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := lookup(c, kube.ObjRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "default", Name: "broken"}); !apierrors.IsNotFound(err) {
		t.Errorf("an invalid plan created objects: %v", err)
	}
}

func deployment(name, extra string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: aura-ready}
spec:
  replicas: 2
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec:
` + extra + `
      containers: [{name: c, image: registry.example/app:1}]
`
}

func TestReadiness(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	inv := inventory("ready")
	objs := parse(t,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: aura-ready}",
		deployment("runs", "      tolerations: [{operator: Exists}]"),
		deployment("stuck", "      nodeSelector: {no-such-node: \"true\"}"),
	)
	plan, _ := apply(t, c, inv, objs, kube.PlanOptions{})
	refs := plan.Desired()

	var readyNames []string
	res, err := c.WaitReady(ctx, refs[:2], kube.WaitOptions{Timeout: 90 * time.Second, Interval: 200 * time.Millisecond,
		OnReady: func(r kube.Readiness) { readyNames = append(readyNames, r.Ref.Name) }})
	if err != nil {
		t.Fatalf("Deployment runs never became Current: %v", err)
	}
	if res[1].Status != status.CurrentStatus || len(readyNames) != 2 {
		t.Errorf("readiness %+v, reported %v", res, readyNames)
	}

	res, err = c.WaitReady(ctx, refs, kube.WaitOptions{Timeout: 3 * time.Second, Interval: 200 * time.Millisecond})
	var nr *kube.NotReadyError
	if !errors.As(err, &nr) || len(nr.NotReady) != 1 || nr.NotReady[0].Ref.Name != "stuck" {
		t.Fatalf("error %v, want stuck not ready", err)
	}
	if nr.NotReady[0].Status != status.InProgressStatus {
		t.Errorf("stuck is %s, want InProgress", nr.NotReady[0].Status)
	}
	if !strings.Contains(err.Error(), "Deployment aura-ready/stuck: InProgress") {
		t.Errorf("message %q", err)
	}
	if res[0].Status != status.CurrentStatus || res[2].Status != status.InProgressStatus {
		t.Errorf("per-object readiness %+v", res)
	}
}

func TestClusterScopedObjectWithNamespaceIsRejected(t *testing.T) {
	c := newClient(t)
	objs := parse(t, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x, namespace: default}\nrules: []")
	_, err := c.Plan(context.Background(), inventory("scoped"), objs, kube.PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), "ClusterRole default/x: ClusterRole is cluster-scoped; remove metadata.namespace") {
		t.Errorf("error %v", err)
	}
}

// A custom resource whose CRD another step installs later (a Helm chart) is
// planned as a create when the caller says so, and is an error otherwise.
func TestPlanPendingKinds(t *testing.T) {
	c := newClient(t)
	inv := inventory("pending")
	objs := parse(t, "apiVersion: later.aurak8s.io/v1\nkind: Gadget\nmetadata: {name: g1, namespace: default}\nspec: {size: 1}")
	if _, err := c.Plan(context.Background(), inv, objs, kube.PlanOptions{}); err == nil {
		t.Fatal("a kind the cluster does not know was planned without PendingKinds")
	}
	plan, err := c.Plan(context.Background(), inv, objs, kube.PlanOptions{PendingKinds: map[string]bool{"later.aurak8s.io/Gadget": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 || plan.Changes[0].Action != kube.ActionCreate || plan.Changes[0].Validated {
		t.Fatalf("plan = %+v, want one unvalidated create", plan.Changes)
	}

	// The same for a namespace an earlier step creates.
	cm := parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: created-later}\ndata: {a: b}")
	if _, err := c.Plan(context.Background(), inv, cm, kube.PlanOptions{}); err == nil {
		t.Fatal("an object in a namespace that does not exist was planned without PendingNamespaces")
	}
	plan, err = c.Plan(context.Background(), inv, cm, kube.PlanOptions{PendingNamespaces: []string{"created-later"}})
	if err != nil || len(plan.Changes) != 1 || plan.Changes[0].Action != kube.ActionCreate {
		t.Fatalf("plan = %+v, %v; want one create", plan, err)
	}
}
