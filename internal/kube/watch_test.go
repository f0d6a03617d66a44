package kube_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// requestLog records every request a client sends, as "METHOD path?query".
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// matching returns the requests whose path is under prefix.
func (l *requestLog) matching(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		if _, path, _ := strings.Cut(r, " "); strings.HasPrefix(path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// loggingClient is a client whose requests are recorded.
func loggingClient(t testing.TB) (*kube.Client, *requestLog) {
	t.Helper()
	log := &requestLog{}
	cfg := rest.CopyConfig(testenv.Get(t).Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			log.mu.Lock()
			log.reqs = append(log.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
			log.mu.Unlock()
			return rt.RoundTrip(r)
		})
	})
	c, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The waits watch their objects: a wait for many objects of one kind costs a
// list and a watch, not a GET per object per second, and it sees a change as
// it happens instead of at the next poll.
func TestWaitsWatchInsteadOfPolling(t *testing.T) {
	c := newClient(t)
	watching, log := loggingClient(t)
	ctx := context.Background()
	docs := []string{"apiVersion: v1\nkind: Namespace\nmetadata: {name: aura-watch}"}
	for i := range 20 {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d, namespace: aura-watch, finalizers: [test.aurak8s.io/hold]}\ndata: {a: b}", i))
	}
	inv := inventory("watch")
	plan, _ := apply(t, c, inv, parse(t, docs...), kube.PlanOptions{})
	cms := plan.Desired()[1:]
	cmRes := c.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("aura-watch")
	release := func() {
		for _, r := range cms {
			_, _ = cmRes.Patch(ctx, r.Name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		}
	}
	t.Cleanup(func() {
		release()
		apply(t, c, inv, nil, kube.PlanOptions{})
	})
	const path = "/api/v1/namespaces/aura-watch/configmaps"

	log.reset()
	ready, err := watching.WaitReady(ctx, cms, kube.WaitOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ready {
		if r.Status != status.CurrentStatus {
			t.Errorf("%s: %s", r.Ref, r.Status)
		}
	}
	if reqs := log.matching(path); len(reqs) > 2 {
		t.Errorf("WaitReady of %d ConfigMaps sent %d requests for them, want a list and a watch:\n%s", len(cms), len(reqs), strings.Join(reqs, "\n"))
	}

	for _, r := range cms {
		if err := cmRes.Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	log.reset()
	go func() {
		time.Sleep(1500 * time.Millisecond)
		release()
	}()
	if err := watching.WaitGone(ctx, cms, time.Minute); err != nil {
		t.Fatal(err)
	}
	if reqs := log.matching(path); len(reqs) > 2 {
		t.Errorf("WaitGone of %d ConfigMaps sent %d requests for them, want a list and a watch:\n%s", len(cms), len(reqs), strings.Join(reqs, "\n"))
	}
}

// Deleting a namespace ends when its content is gone: while an object in it
// is held by a finalizer, the namespace is Terminating and is waited for.
func TestWaitGoneWaitsForATerminatingNamespace(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	objs := parse(t,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: aura-terminating}",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: aura-terminating, finalizers: [test.aurak8s.io/hold]}\ndata: {a: b}",
	)
	inv := inventory("terminating")
	apply(t, c, inv, objs, kube.PlanOptions{})
	cm := c.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("aura-terminating")
	unhold := func() {
		_, _ = cm.Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	}
	t.Cleanup(func() {
		unhold()
		apply(t, c, inv, nil, kube.PlanOptions{})
	})
	ns := kube.ObjRef{Version: "v1", Kind: "Namespace", Name: "aura-terminating"}
	if err := c.Dynamic.Resource(gvr["Namespace"]).Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := c.WaitGone(ctx, []kube.ObjRef{ns}, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "Namespace aura-terminating") {
		t.Fatalf("WaitGone on a namespace whose ConfigMap is held: %v, want an error naming the namespace", err)
	}
	if o, lerr := lookup(c, ns); lerr != nil || o.GetDeletionTimestamp() == nil {
		t.Fatalf("namespace not Terminating: %v", lerr)
	}
	go func() {
		time.Sleep(time.Second)
		unhold()
	}()
	if err := c.WaitGone(ctx, []kube.ObjRef{ns}, 2*time.Minute); err != nil {
		t.Fatalf("WaitGone after the ConfigMap is released: %v", err)
	}
}

const sprocketCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sprockets.wait.aurak8s.io
spec:
  group: wait.aurak8s.io
  scope: Namespaced
  names: {plural: sprockets, singular: sprocket, kind: Sprocket, listKind: SprocketList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`

// A wait may start before the kind of its object is served (a CRD applied by
// a later step): the object is Unknown, naming why, until the CRD is
// established and the object exists.
func TestWaitReadyForAKindServedDuringTheWait(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	ref := kube.ObjRef{Group: "wait.aurak8s.io", Version: "v1", Kind: "Sprocket", Namespace: "default", Name: "s1"}

	_, err := c.WaitReady(ctx, []kube.ObjRef{ref}, kube.WaitOptions{Timeout: time.Second, Interval: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "Sprocket default/s1: Unknown (no matches for kind") {
		t.Fatalf("wait for a kind that is not served: %v", err)
	}

	type result struct {
		ready []kube.Readiness
		err   error
	}
	done := make(chan result, 1)
	go func() {
		r, err := c.WaitReady(ctx, []kube.ObjRef{ref}, kube.WaitOptions{Timeout: time.Minute, Interval: 100 * time.Millisecond})
		done <- result{r, err}
	}()
	inv := inventory("sprocket")
	apply(t, c, inv, parse(t, sprocketCRD, "apiVersion: wait.aurak8s.io/v1\nkind: Sprocket\nmetadata: {name: s1, namespace: default}\nspec: {teeth: 12}"), kube.PlanOptions{})
	t.Cleanup(func() { apply(t, c, inv, nil, kube.PlanOptions{}) })
	r := <-done
	if r.err != nil || r.ready[0].Status != status.CurrentStatus {
		t.Fatalf("wait once the CRD and the object exist: %+v, %v", r.ready, r.err)
	}
}
