package kube_test

import (
	"context"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/auracognitive/aurak8s/internal/kube"
)

// heldNamespace is a namespace whose ConfigMap carries a finalizer nobody
// releases until the test does: deleting the namespace leaves it Terminating,
// like a namespace whose operator still cleans up.
func heldNamespace(ns string) []string {
	return []string{
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: " + ns + ", finalizers: [test.aurak8s.io/hold]}",
	}
}

func releaseHold(t *testing.T, c *kube.Client, ns string) {
	t.Helper()
	_, err := c.Dynamic.Resource(gvr["ConfigMap"]).Namespace(ns).Patch(context.Background(), "held", types.MergePatchType,
		[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}

// applyAsync runs Plan and Apply like a phase does and reports Apply's error
// when it returns.
func applyAsync(c *kube.Client, plan *kube.Plan, opts kube.ApplyOptions) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := c.Apply(context.Background(), plan, opts)
		done <- err
	}()
	return done
}

func TestRerunOfAnInterruptedDeleteWaitsUntilGone(t *testing.T) {
	c := newClient(t)
	const ns = "aura-half-deleted"
	inv := inventory("half-deleted")
	apply(t, c, inv, parse(t, heldNamespace(ns)...), kube.PlanOptions{})
	t.Cleanup(func() { releaseHold(t, c, ns) })

	// The first delete is interrupted while it waits (Ctrl-C, or a kill).
	plan, err := c.Plan(context.Background(), inv, nil, kube.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Apply(ctx, plan, kube.ApplyOptions{WaitDeleted: time.Minute}); err == nil {
		t.Fatal("the interrupted delete reported success while the namespace is terminating")
	}

	// The re-run must still see the terminating objects and wait for them.
	plan, err = c.Plan(context.Background(), inv, nil, kube.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Count(kube.ActionDelete) == 0 {
		t.Fatalf("the re-run plans nothing while %s is still terminating: %v", ns, actions(plan))
	}
	done := applyAsync(c, plan, kube.ApplyOptions{WaitDeleted: time.Minute})
	select {
	case err := <-done:
		t.Fatalf("the re-run returned (%v) while %s is still terminating", err, ns)
	case <-time.After(2 * time.Second):
	}
	releaseHold(t, c, ns)
	if err := <-done; err != nil {
		t.Fatalf("re-run after the finalizer was released: %v", err)
	}
	if _, err := lookup(c, kube.ObjRef{Version: "v1", Kind: "Namespace", Name: ns}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace %s after the delete: %v", ns, err)
	}
	if plan, _ := apply(t, c, inv, nil, kube.PlanOptions{}); plan.HasChanges() {
		t.Fatalf("a third run plans %v", actions(plan))
	}
}

func TestDeployWaitsForATerminatingNamespace(t *testing.T) {
	c := newClient(t)
	const ns = "aura-reborn"
	inv := inventory("reborn")
	apply(t, c, inv, parse(t, heldNamespace(ns)...), kube.PlanOptions{})
	t.Cleanup(func() { releaseHold(t, c, ns); apply(t, c, inv, nil, kube.PlanOptions{}) })
	old := get(t, c, kube.ObjRef{Version: "v1", Kind: "Namespace", Name: ns})
	if err := c.Dynamic.Resource(gvr["Namespace"]).Delete(context.Background(), ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	desired := parse(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh, namespace: "+ns+"}\ndata: {a: b}")
	plan, err := c.Plan(context.Background(), inv, desired, kube.PlanOptions{})
	if err != nil {
		t.Fatalf("plan against a terminating namespace: %v", err)
	}
	var waited []kube.ObjRef
	done := applyAsync(c, plan, kube.ApplyOptions{WaitDeleted: time.Minute, OnWait: func(r kube.ObjRef) { waited = append(waited, r) }})
	time.Sleep(time.Second)
	releaseHold(t, c, ns)
	if err := <-done; err != nil {
		t.Fatalf("deploy over a terminating namespace: %v", err)
	}
	if !slices.ContainsFunc(waited, func(r kube.ObjRef) bool { return r.Kind == "Namespace" && r.Name == ns }) {
		t.Errorf("OnWait was not told about namespace %s (got %v): the user sees no progress", ns, waited)
	}
	now := get(t, c, kube.ObjRef{Version: "v1", Kind: "Namespace", Name: ns})
	if now.GetUID() == old.GetUID() || now.GetDeletionTimestamp() != nil {
		t.Fatalf("namespace %s was not created anew", ns)
	}
	get(t, c, kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "fresh"})
}

func TestSharedInventoryStaysUntilItsLastOwnerLeaves(t *testing.T) {
	c := newClient(t)
	shared := func(owner string) kube.Inventory {
		return kube.Inventory{Environment: "cluster", Phase: "core", Name: "shared-test", Namespace: "default", Owner: owner}
	}
	objs := parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared-by-two, namespace: default}\ndata: {a: b}")
	ref := kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: "default", Name: "shared-by-two"}
	apply(t, c, shared("aura-es-dev"), objs, kube.PlanOptions{})
	if plan, _ := apply(t, c, shared("aura-es-dev-t1"), objs, kube.PlanOptions{}); plan.HasChanges() {
		t.Fatalf("a second owner applying the same objects plans %v", actions(plan))
	}

	plan, _ := apply(t, c, shared("aura-es-dev-t1"), nil, kube.PlanOptions{})
	if plan.HasChanges() || !slices.Equal(plan.KeptFor, []string{"aura-es-dev"}) {
		t.Fatalf("one of two owners leaving plans %v, kept for %v; want nothing deleted, kept for aura-es-dev", actions(plan), plan.KeptFor)
	}
	get(t, c, ref)
	if plan, _ := apply(t, c, shared("aura-es-dev-t1"), nil, kube.PlanOptions{}); plan.HasChanges() {
		t.Fatalf("leaving twice plans %v", actions(plan))
	}

	plan, _ = apply(t, c, shared("aura-es-dev"), nil, kube.PlanOptions{})
	if plan.Count(kube.ActionDelete) != 1 || len(plan.KeptFor) != 0 {
		t.Fatalf("the last owner leaving plans %v, kept for %v; want the object deleted", actions(plan), plan.KeptFor)
	}
	if _, err := lookup(c, ref); !apierrors.IsNotFound(err) {
		t.Fatalf("the shared object outlived its last owner: %v", err)
	}
	if _, err := lookup(c, kube.ObjRef{Version: "v1", Kind: "ConfigMap", Namespace: "default", Name: shared("").RecordName()}); !apierrors.IsNotFound(err) {
		t.Fatalf("the shared record outlived its last owner: %v", err)
	}
}
