package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/auracognitive/aurak8s/internal/kube"
)

// A plan reads the live objects through the inventory's lists (one per kind
// and namespace) rather than one GET per object; an unchanged re-run then
// costs one dry run per object and changes nothing.
func TestUnchangedPlanReadsByList(t *testing.T) {
	c := newClient(t)
	inv := inventory("listed")
	objs := renderCore(t, coreContext("listed", "aura-bot", "nlp", "user-helper", "genesys", "aura-operator"))
	plan, _ := apply(t, c, inv, objs, kube.PlanOptions{})
	t.Cleanup(func() { apply(t, c, inv, nil, kube.PlanOptions{}) })
	// Settled: a Deployment whose status is still being written is read
	// again, rightly (see planOne).
	if _, err := c.WaitReady(context.Background(), plan.Desired(), kube.WaitOptions{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}

	logged, log := loggingClient(t)
	plan, err := logged.Plan(context.Background(), inv, renderCore(t, coreContext("listed", "aura-bot", "nlp", "user-helper", "genesys", "aura-operator")), kube.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.HasChanges() {
		t.Fatalf("re-run plans %v", actions(plan))
	}
	names := map[string]bool{}
	for _, o := range objs {
		names[o.GetName()] = true
	}
	var gets []string
	for _, r := range log.matching("/") {
		method, rest, _ := strings.Cut(r, " ")
		path, query, _ := strings.Cut(rest, "?")
		segs := strings.Split(path, "/")
		if method == "GET" && !strings.Contains(query, "watch") && names[segs[len(segs)-1]] {
			gets = append(gets, r)
		}
	}
	if len(gets) > 0 {
		t.Errorf("an unchanged plan of %d objects read %d of them one by one:\n%s", len(objs), len(gets), strings.Join(gets, "\n"))
	}
}

const driftCM = `apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: aura-drift}
data: {a: "1", b: "2"}`

// driftDeployment has no replicas (no Pods to wait for) and lists of each
// kind: atomic (args), keyed (env, ports, with a key field the server
// defaults: protocol).
func driftDeployment(env string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: aura-drift}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example/web:1
          args: ["--x"]
          env: ` + env + `
          ports: [{containerPort: 8080}]
`
}

const envAB = `[{name: A, value: "1"}, {name: B, value: "2"}]`

// An unchanged object is recognized from the live object alone (no dry run),
// and whatever anyone else did to it, or however the desired object
// changed, the plan says what the server's dry run says: update exactly
// when applying would change the object.
func TestPlanAgreesWithTheDryRun(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	inv := inventory("drift")
	base := parse(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: aura-drift}", driftCM, driftDeployment(envAB))
	t.Cleanup(func() { apply(t, c, inv, nil, kube.PlanOptions{}) })
	cm := c.Dynamic.Resource(gvr["ConfigMap"]).Namespace("aura-drift")
	dep := c.Dynamic.Resource(gvr["Deployment"]).Namespace("aura-drift")
	someone := metav1.PatchOptions{FieldManager: "someone"}
	patch := func(res dynamic.ResourceInterface, name string, pt types.PatchType, body string) func(t *testing.T) {
		return func(t *testing.T) {
			if _, err := res.Patch(ctx, name, pt, []byte(body), someone); err != nil {
				t.Fatal(err)
			}
		}
	}
	applyCM := func(data string) func(t *testing.T) {
		return func(t *testing.T) {
			o := parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: aura-drift}\ndata: "+data)[0]
			if _, err := cm.Apply(ctx, "cm", o, metav1.ApplyOptions{FieldManager: "someone", Force: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const envPath = "/spec/template/spec/containers/0/env"
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T) // by someone else, after aura applied base
		desired string             // replaces its namesake in base for the next run
		object  string             // the object the case is about: "ConfigMap" or "Deployment"
		want    kube.Action        // for it ("": whatever the dry run says)
	}{
		{name: "nothing", object: "Deployment", want: kube.ActionUnchanged},
		{name: "a value edited", object: "ConfigMap", want: kube.ActionUpdate,
			change: patch(cm, "cm", types.MergePatchType, `{"data":{"a":"9"}}`)},
		{name: "a key removed", object: "ConfigMap", want: kube.ActionUpdate,
			change: patch(cm, "cm", types.JSONPatchType, `[{"op":"remove","path":"/data/b"}]`)},
		{name: "a key added", object: "ConfigMap", want: kube.ActionUnchanged,
			change: patch(cm, "cm", types.MergePatchType, `{"data":{"c":"3"}}`)},
		{name: "a label of ours removed", object: "ConfigMap", want: kube.ActionUpdate,
			change: patch(cm, "cm", types.JSONPatchType, `[{"op":"remove","path":"/metadata/labels/app.kubernetes.io~1managed-by"}]`)},
		{name: "a value taken by another applier", object: "ConfigMap", want: kube.ActionUpdate, change: applyCM(`{a: "7"}`)},
		{name: "the same value applied by another", object: "ConfigMap", want: kube.ActionUnchanged, change: applyCM(`{a: "1"}`)},
		{name: "an atomic list edited", object: "Deployment", want: kube.ActionUpdate,
			change: patch(dep, "web", types.JSONPatchType, `[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--y"}]`)},
		{name: "a keyed item added", object: "Deployment", want: kube.ActionUnchanged,
			change: patch(dep, "web", types.JSONPatchType, `[{"op":"add","path":"`+envPath+`/-","value":{"name":"C","value":"3"}}]`)},
		{name: "a keyed item removed", object: "Deployment", want: kube.ActionUpdate,
			change: patch(dep, "web", types.JSONPatchType, `[{"op":"remove","path":"`+envPath+`/1"}]`)},
		{name: "keyed items reordered", object: "Deployment",
			change: patch(dep, "web", types.JSONPatchType, `[{"op":"replace","path":"`+envPath+`","value":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]`)},
		{name: "a key no longer desired", object: "ConfigMap", want: kube.ActionUpdate,
			desired: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: aura-drift}\ndata: {a: \"1\"}"},
		{name: "a key newly desired", object: "ConfigMap", want: kube.ActionUpdate,
			desired: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: aura-drift}\ndata: {a: \"1\", b: \"2\", z: \"0\"}"},
		{name: "keyed items desired in another order", object: "Deployment",
			desired: driftDeployment(`[{name: B, value: "2"}, {name: A, value: "1"}]`)},
		{name: "a field newly desired", object: "Deployment", want: kube.ActionUpdate,
			desired: strings.Replace(driftDeployment(envAB), "replicas: 0", "replicas: 0\n  revisionHistoryLimit: 3", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh pair, applied by aura alone. Deleted directly: one
			// whose labels were removed is no longer found to be pruned.
			for _, del := range []func() error{
				func() error { return cm.Delete(ctx, "cm", metav1.DeleteOptions{}) },
				func() error { return dep.Delete(ctx, "web", metav1.DeleteOptions{}) },
			} {
				if err := del(); err != nil && !apierrors.IsNotFound(err) {
					t.Fatal(err)
				}
			}
			if err := c.WaitGone(ctx, []kube.ObjRef{kube.RefOf(base[1]), kube.RefOf(base[2])}, time.Minute); err != nil {
				t.Fatal(err)
			}
			apply(t, c, inv, base, kube.PlanOptions{})
			if tc.change != nil {
				tc.change(t)
			}
			desired := base
			if tc.desired != "" {
				next := parse(t, tc.desired)[0]
				desired = nil
				for _, o := range base {
					if o.GetKind() == next.GetKind() {
						o = next
					}
					desired = append(desired, o)
				}
			}
			logged, log := loggingClient(t)
			plan, err := logged.Plan(ctx, inv, desired, kube.PlanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range plan.Changes {
				if ch.Ref.Kind == "Namespace" {
					continue
				}
				if changes := dryRunChanges(t, c, ch.Object); (ch.Action == kube.ActionUpdate) != changes {
					t.Errorf("%s: plan says %s, the dry run says it changes: %v", ch.Ref, ch.Action, changes)
				}
				if ch.Ref.Kind == tc.object && tc.want != "" && ch.Action != tc.want {
					t.Errorf("%s: %s, want %s", ch.Ref, ch.Action, tc.want)
				}
			}
			// What is unchanged is known without a dry run.
			path := map[string]string{"ConfigMap": "/api/v1/namespaces/aura-drift/configmaps/cm",
				"Deployment": "/apis/apps/v1/namespaces/aura-drift/deployments/web"}[tc.object]
			if dry := log.matching(path); tc.want == kube.ActionUnchanged && len(dry) > 0 {
				t.Errorf("the unchanged %s was dry-run:\n%s", tc.object, strings.Join(dry, "\n"))
			}
		})
	}
}

// dryRunChanges asks the server whether applying o as aura would change the
// live object.
func dryRunChanges(t *testing.T, c *kube.Client, o *unstructured.Unstructured) bool {
	t.Helper()
	res := c.Dynamic.Resource(gvr[o.GetKind()]).Namespace(o.GetNamespace())
	// The Deployment controller may write the object (its revision
	// annotation, status) between the read and the dry run: read again, as
	// kube's Plan does, until the pair is of one version.
	var live, dry *unstructured.Unstructured
	for try := 0; ; try++ {
		var err error
		if live, err = res.Get(context.Background(), o.GetName(), metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		dry, err = res.Apply(context.Background(), o.GetName(), o, metav1.ApplyOptions{FieldManager: kube.FieldManager, Force: true, DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if live.GetResourceVersion() == dry.GetResourceVersion() {
			break
		}
		if try == 4 {
			t.Fatalf("%s was written between the read and the dry run, five times", o.GetName())
		}
		time.Sleep(200 * time.Millisecond)
	}
	strip := func(u *unstructured.Unstructured) map[string]any {
		m := u.DeepCopy().Object
		delete(m, "status")
		md := m["metadata"].(map[string]any)
		for _, k := range []string{"managedFields", "resourceVersion", "generation"} {
			delete(md, k)
		}
		return m
	}
	return !equality.Semantic.DeepEqual(strip(live), strip(dry))
}
