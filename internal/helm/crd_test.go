package helm_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/auracognitive/aurak8s/internal/helm"
)

// TestOperatorChart installs a chart shaped like the system operators: its
// CRD comes first, so a Widget can be created right after Apply.
func TestOperatorChart(t *testing.T) {
	env, cs, ns := cluster(t)
	c := newClient(t, env, ns, &helm.Source{Dir: "testdata/charts"})
	ctx := ctx(t)
	rel := helm.Release{Name: "widget-operator", Namespace: ns, Chart: helm.ChartRef{Repo: "https://charts.example.invalid", Chart: "operator", Version: "1.0.0"}}

	ch, err := c.Plan(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(objStrings(ch.Objects), ";")
	for _, want := range []string{"create CustomResourceDefinition/widgets.test.auracognitive.com", "create ClusterRole/" + ns + "-widget-operator;", "create Deployment/widget-operator -n " + ns} {
		if !strings.Contains(got, want) {
			t.Errorf("plan objects %q lack %q", got, want)
		}
	}
	if ch, err = c.Apply(ctx, rel); err != nil || ch.Revision != 1 {
		t.Fatalf("install = %+v, %v", ch, err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "widget-operator", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	dc, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	w := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.auracognitive.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w1", "namespace": ns},
	}}
	if _, err := dc.Resource(schema.GroupVersionResource{Group: "test.auracognitive.com", Version: "v1", Resource: "widgets"}).Namespace(ns).Create(context.Background(), w, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create a Widget after installing its operator chart: %v", err)
	}

	rel.Values = map[string]any{"logLevel": "debug"}
	ch, err = c.Plan(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(objStrings(ch.Objects), ";"); got != "update Deployment/widget-operator -n "+ns {
		t.Errorf("plan of a value change = %q, want only the Deployment updated", got)
	}
	if ch, err = c.Apply(ctx, rel); err != nil || ch.Revision != 2 {
		t.Fatalf("upgrade = %+v, %v", ch, err)
	}
	if _, err := c.Uninstall(ctx, rel.Name, ns); err != nil {
		t.Fatal(err)
	}
}
