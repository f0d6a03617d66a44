package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/packages"
)

// kstatus is how Flux, Argo CD and aura's readiness checks read obj.
func (h *harness) kstatus(t *testing.T, obj client.Object) (status.Status, string) {
	t.Helper()
	must(t, h.c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	must(t, err)
	res, err := status.Compute(&unstructured.Unstructured{Object: m})
	must(t, err)
	return res.Status, res.Message
}

// An installed training reads as Current; one whose version is not in S3 as
// Failed (it needs a change); a download that fails for a while as
// InProgress, retried with backoff until it succeeds, long before the
// (hour-long) resync.
func testKstatus(t *testing.T, h *harness) {
	ns, kc := h.coreNamespace(t)
	obj := &aurav1.NlpTraining{}
	obj.Namespace, obj.Name = ns, "flaky"
	want := func(st status.Status, cond func(*aurav1.NlpTraining) string) {
		t.Helper()
		eventually(t, wait, func() string {
			got, msg := h.kstatus(t, obj)
			if why := cond(obj); got != st || why != "" {
				return fmt.Sprintf("kstatus %s (%s), want %s; %s; conditions %v", got, msg, st, why, obj.Status.Conditions)
			}
			return ""
		})
	}
	installed := func(v string) func(*aurav1.NlpTraining) string {
		return func(o *aurav1.NlpTraining) string {
			if o.Status.InstalledVersion != v || condition(o.Status.Conditions, "Ready") != "True/Installed" {
				return "installed " + o.Status.InstalledVersion
			}
			return ""
		}
	}
	conds := func(want ...string) func(*aurav1.NlpTraining) string {
		return func(o *aurav1.NlpTraining) string {
			for _, w := range want {
				typ, _, _ := strings.Cut(w, "=")
				if got := typ + "=" + condition(o.Status.Conditions, typ); got != w {
					return got
				}
			}
			return ""
		}
	}

	h.putPackage(t, packages.Key("nlp-trainings", "flaky", "1.0.0"), 256)
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: flaky}
spec: {version: 1.0.0}
EOF`)
	want(status.CurrentStatus, installed("1.0.0"))

	// Not in S3: retrying cannot help until someone uploads it or changes the spec.
	h.mustSh(t, kc, `kubectl patch nlptrainings.auracognitive.com flaky -p '{"spec" : {"version" : "9.9.9" }}' --type=merge`)
	want(status.FailedStatus, conds("Degraded=True/DownloadFailed", "Stalled=True/DownloadFailed", "Reconciling=False/DownloadFailed", "Ready=False/DownloadFailed"))
	if got := h.nlp(t, ns, "flaky").Status.InstalledVersion; got != "1.0.0" {
		t.Fatalf("installed %s after a failed download", got)
	}

	// S3 fails six times in a row (the SDK itself tries three times per
	// call): the object says it is retrying, and it gets there on its own.
	// Between two tries the failure shows for milliseconds only: watch every
	// version of the object.
	h.putPackage(t, packages.Key("nlp-trainings", "flaky", "2.0.0"), 256)
	h.faults.fail("nlp-trainings/flaky-2.0.0", 6)
	rv := h.mustSh(t, kc, `kubectl patch nlptrainings.auracognitive.com flaky -p '{"spec" : {"version" : "2.0.0" }}' --type=merge -o jsonpath='{.metadata.resourceVersion}'`)
	seen := h.watchKstatus(t, obj, rv)
	want(status.CurrentStatus, installed("2.0.0"))
	retrying := 0
	for _, s := range seen() {
		if strings.HasPrefix(s, string(status.FailedStatus)) {
			t.Errorf("while retrying, kstatus read %s", s)
		}
		if s == "InProgress Degraded=True/DownloadFailed Reconciling=True/DownloadFailed Stalled=False/DownloadFailed" {
			retrying++
		}
	}
	if retrying == 0 {
		t.Errorf("never seen retrying a failed download; seen:\n%s", strings.Join(seen(), "\n"))
	}
	t.Logf("after the patch: %s", strings.Join(seen(), " → "))
	if n := h.faults.failed(); n != 6 {
		t.Fatalf("S3 failed %d requests, want 6", n)
	}
	if ev := strings.Join(h.warningEvents(t, ns, "flaky"), "\n"); !strings.Contains(ev, "DownloadFailed") || !strings.Contains(ev, "StatusCode: 500") {
		t.Fatalf("warning events do not say why:\n%s", ev)
	}
}

// watchKstatus records every version of obj after resourceVersion rv as
// kstatus reads it, with its Degraded, Reconciling and Stalled conditions.
func (h *harness) watchKstatus(t *testing.T, obj client.Object, rv string) func() []string {
	t.Helper()
	wc, err := client.NewWithWatch(h.env.Config, client.Options{Scheme: h.scheme})
	must(t, err)
	list := &unstructured.UnstructuredList{}
	gvk, err := wc.GroupVersionKindFor(obj)
	must(t, err)
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	w, err := wc.Watch(context.Background(), list, client.InNamespace(obj.GetNamespace()),
		client.MatchingFields{"metadata.name": obj.GetName()}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv}})
	must(t, err)
	var (
		mu   sync.Mutex
		seen []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			res, err := status.Compute(u)
			if err != nil {
				continue
			}
			s := string(res.Status)
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, typ := range []string{"Degraded", "Reconciling", "Stalled"} {
				for _, c := range conds {
					if m := c.(map[string]any); m["type"] == typ {
						s += fmt.Sprintf(" %s=%s/%s", typ, m["status"], m["reason"])
					}
				}
			}
			mu.Lock()
			seen = append(seen, s)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { w.Stop(); <-done })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// An Agent rolling out reads as InProgress, and as Current once its
// Deployment's replicas are ready.
func testAgentKstatus(t *testing.T, h *harness) {
	ctx := context.Background()
	ns, kc := h.coreNamespace(t)
	name := "kst-" + randSuffix()
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: Agent
metadata: {name: `+name+`}
spec: {image: registry.example/agents/kst, tag: 1.0.0}
EOF`)
	a := &aurav1.Agent{}
	a.Namespace, a.Name = ns, name
	eventually(t, wait, func() string {
		if st, msg := h.kstatus(t, a); st != status.InProgressStatus || condition(a.Status.Conditions, "Reconciling") != "True/RollingOut" {
			return fmt.Sprintf("kstatus %s (%s), conditions %v", st, msg, a.Status.Conditions)
		}
		return ""
	})
	// No kubelet here: report the replica ready as kube-controller-manager would.
	d := &appsv1.Deployment{}
	key := client.ObjectKey{Namespace: "aura-agents-" + testEnvironment, Name: name}
	must(t, h.c.Get(ctx, key, d))
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}
	must(t, h.c.Status().Update(ctx, d))
	h.mustSh(t, kc, fill(guideAnnotateAgent, "<AGENT_NAME>", name, "<OB>", ns))
	eventually(t, wait, func() string {
		if st, msg := h.kstatus(t, a); st != status.CurrentStatus {
			return fmt.Sprintf("kstatus %s (%s), conditions %v", st, msg, a.Status.Conditions)
		}
		return ""
	})
}
