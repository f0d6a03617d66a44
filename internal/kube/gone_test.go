package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/auracognitive/aurak8s/internal/kube"
)

// An object held by a finalizer is not gone until its controller releases
// it; WaitGone says which one and why, then returns once it is released.
func TestWaitGone(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	objs := parse(t, widgetCRD,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: aura-gone}",
		"apiVersion: test.aurak8s.io/v1\nkind: Widget\nmetadata: {name: held, namespace: aura-gone, finalizers: [test.aurak8s.io/hold]}\nspec: {size: 1}",
	)
	inv := inventory("wait-gone")
	apply(t, c, inv, objs, kube.PlanOptions{})
	t.Cleanup(func() { apply(t, c, inv, nil, kube.PlanOptions{}) })
	ref := kube.ObjRef{Group: "test.aurak8s.io", Kind: "Widget", Namespace: "aura-gone", Name: "held"}
	widgets := c.Dynamic.Resource(schema.GroupVersionResource{Group: "test.aurak8s.io", Version: "v1", Resource: "widgets"}).Namespace("aura-gone")
	if err := widgets.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := c.WaitGone(ctx, []kube.ObjRef{ref}, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "held") || !strings.Contains(err.Error(), "test.aurak8s.io/hold") {
		t.Fatalf("WaitGone on a held object: %v, want an error naming it and its finalizer", err)
	}
	go func() {
		time.Sleep(time.Second)
		_, _ = widgets.Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	}()
	if err := c.WaitGone(ctx, []kube.ObjRef{ref, {Group: "test.aurak8s.io", Kind: "Widget", Namespace: "aura-gone", Name: "never-existed"}}, time.Minute); err != nil {
		t.Fatalf("WaitGone after the finalizer is released: %v", err)
	}
}
