package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/testenv"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// TestRealCharts: with charts.source set to a directory of the real
// upstream charts at the release manifest's versions, deploy_system installs
// every enabled chart on the local provider with no network (nginx-ingress's
// values schema refers to documents on GitHub), a second run changes
// nothing, and delete_system removes them.
//
// The real charts cannot be downloaded here or in CI, so it runs only when
// AURA_REAL_CHARTS_DIR names such a directory (<chart>/ or
// <chart>-<version>.tgz per chart, as `helm pull` of each chart of
// internal/release/release.yaml leaves them).
//
// The real charts ask for what an AKS cluster has and the local cluster's
// kwok nodes do not: PersistentVolumes for their claims (Prometheus,
// Alertmanager, Grafana, Redis) and ephemeral-storage (Redis's resource
// preset). The test provides both, as a cluster with storage would.
func TestRealCharts(t *testing.T) {
	dir := os.Getenv("AURA_REAL_CHARTS_DIR")
	if dir == "" {
		t.Skip("AURA_REAL_CHARTS_DIR is not set: it names a directory holding the real upstream charts of internal/release/release.yaml, which cannot be downloaded here or in CI")
	}
	rel, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	src := &helm.Source{Dir: dir}
	for _, ch := range rel.Charts {
		if _, err := src.Load(context.Background(), helm.ChartRef{Repo: ch.Repo, Chart: ch.Chart, Version: ch.Version}); err != nil && ch.Condition == "" {
			t.Fatalf("%s lacks a chart deploy_system installs by default: %v", dir, err)
		}
	}

	provideStorage(t)
	w := newWorld(t)
	base := []string{"charts: {source: " + dir + "}"}
	run(t, phase.Common(w.env(base...)), false)
	run(t, phase.System(w.env(base...)), false)
	revs := revisions(t)
	hc, err := helm.New(testenv.Get(t).Config, sysNS, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range rel.Charts {
		if ch.Condition != "" {
			continue
		}
		st, err := hc.Status(context.Background(), ch.Name, ch.Namespace)
		if err != nil || revs[ch.Name] != 1 || st.Chart != ch.Chart || st.ChartVersion != ch.Version {
			t.Errorf("release %s: %+v, %v; want revision 1 of chart %s %s", ch.Name, st, err, ch.Chart, ch.Version)
		}
	}

	again := run(t, phase.System(w.env(base...)), false)
	if n := again.Count(ui.StateChanged); n != 0 {
		t.Errorf("re-run with the real charts: %d actions changed something: %s", n, strings.Join(changedNames(again), "; "))
	}

	run(t, phase.DeleteSystem(w.env(base...)), false)
	if got := revisions(t); len(got) != 0 {
		t.Errorf("releases left after delete_system: %v", got)
	}
}

// provideStorage gives the test cluster what the real charts need beyond
// the stand-ins: volumes for their claims and nodes with ephemeral storage.
func provideStorage(t *testing.T) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(testenv.Get(t).Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 6 {
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("real-charts-%d", i)},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Ti")},
				AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/nonexistent/real-charts"}},
			},
		}
		if _, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{}) })
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		for _, l := range []corev1.ResourceList{n.Status.Capacity, n.Status.Allocatable} {
			l[corev1.ResourceEphemeralStorage] = resource.MustParse("100Gi")
		}
		if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, &n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}
