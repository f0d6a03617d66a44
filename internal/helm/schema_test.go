package helm_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/auracognitive/aurak8s/internal/helm"
)

// TestSchemaWithRemoteRefs: a chart whose values schema refers to documents
// on the internet (as nginx-ingress 1.4.0's does) installs without fetching
// them, whether they are unreachable (no internet, as here) or reachable;
// the rest of its schema still rejects bad values, naming them, and installs
// nothing.
func TestSchemaWithRemoteRefs(t *testing.T) {
	env, cs, ns := cluster(t)
	var fetched atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()

	for _, host := range []string{"https://schemas.aura.invalid", srv.URL} {
		dir := typedChartDir(t, host)
		ctx := ctx(t)
		c := newClient(t, env, ns, &helm.Source{Dir: dir})
		rel := func(values map[string]any) helm.Release {
			return helm.Release{Name: "typed", Namespace: ns, Chart: helm.ChartRef{Chart: "typed", Version: "0.1.0"}, Values: values}
		}
		bad := []struct {
			name   string
			values map[string]any
			want   string
		}{
			{"below the minimum", map[string]any{"replicas": 0}, "/replicas"},
			{"too long through a local $ref", map[string]any{"message": strings.Repeat("x", 21)}, "/message"},
			{"wrong type beside a remote $ref", map[string]any{"affinity": "zone-a"}, "/affinity"},
		}
		for _, b := range bad {
			if _, err := c.Plan(ctx, rel(b.values)); err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("%s: plan with %s: error %v, want a schema error at %s", host, b.name, err, b.want)
			}
			if _, err := c.Apply(ctx, rel(b.values)); err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "schema") {
				t.Errorf("%s: apply with %s: error %v, want a schema error at %s", host, b.name, err, b.want)
			}
			if _, err := c.Status(ctx, "typed", ns); err == nil {
				t.Fatalf("%s: apply with %s installed the release", host, b.name)
			}
		}

		affinity := map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
			"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{"key": "zone", "operator": "In", "values": []any{"a"}}}}},
		}}}
		good := rel(map[string]any{"replicas": 2, "affinity": affinity, "service": map[string]any{"type": "NodePort"}})
		if p, err := c.Plan(ctx, good); err != nil || p.Action != helm.ActionInstall || len(p.Objects) != 1 {
			t.Fatalf("%s: plan = %+v, %v", host, p, err)
		}
		ch, err := c.Apply(ctx, good)
		if err != nil || ch.Revision != 1 {
			t.Fatalf("%s: install = %+v, %v", host, ch, err)
		}
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "typed", metav1.GetOptions{})
		if err != nil || cm.Data["REPLICAS"] != "2" || cm.Data["SERVICE_TYPE"] != "NodePort" || !strings.Contains(cm.Data["AFFINITY"], `"zone"`) {
			t.Fatalf("%s: installed ConfigMap %v, %v", host, cm.Data, err)
		}
		if _, err := c.Uninstall(ctx, "typed", ns); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetched.Load(); n != 0 {
		t.Errorf("the remote schema was fetched %d times", n)
	}
}

// typedChartDir holds testdata/charts/typed with its remote references
// pointing at host.
func typedChartDir(t *testing.T, host string) string {
	t.Helper()
	ch, err := loader.Load("testdata/charts/typed")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ch.Schema, []byte("https://schemas.aura.invalid/")) {
		t.Fatal("testdata/charts/typed: the schema has no remote reference")
	}
	ch.Schema = bytes.ReplaceAll(ch.Schema, []byte("https://schemas.aura.invalid"), []byte(host))
	dir := t.TempDir()
	if err := chartutil.SaveDir(ch, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}
