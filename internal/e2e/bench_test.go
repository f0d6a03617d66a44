package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	templates "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/localcluster"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/release"
)

// BenchmarkDeployCore compares a full `aura deploy_core` with `kubectl apply
// --server-side` + `kubectl wait` of the same rendered manifests on the same
// cluster, times the no-change re-run of each, and times `delete_core --full`
// right after `aura stop` + `aura start`. Run it once:
//
//	go test -run '^$' -bench DeployCore -benchtime 1x ./internal/e2e/
//
// Goals (issue #14): ratio ≤ 0.5, no-change-rerun-s ≤ 0.5,
// delete_core-after-restart-s ≤ 30.
func BenchmarkDeployCore(b *testing.B) {
	if _, err := localcluster.FindBinaries(localcluster.DefaultBinDir()); err != nil {
		b.Skipf("cluster binaries missing: %v", err)
	}
	bins, _ := localcluster.FindBinaries(localcluster.DefaultBinDir())
	w := newWorkspace(b, "")
	for _, ph := range []string{"deploy_common", "deploy_infra", "deploy_system"} {
		w.ok(ph)
	}
	defer func() {
		w.aura("delete_infra")
		w.aura("delete_common", "--yes")
	}()
	manifests := renderCore(b, w)
	kubeconfig := filepath.Join(w.dir, "output_install", "kubeconfig.json")
	kubectl := func(args ...string) {
		cmd := exec.Command(bins.Kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
	}

	// Untimed: right after deploy_system the cluster is still busy with its
	// operators, which would weigh on the first timed deploy only. From here
	// on, each tool deploys right after a delete_core --full.
	w.ok("deploy_core")
	w.ok("delete_core", "--full")

	b.ResetTimer()
	var full, noop, kc, kcNoop, restartDelete time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		w.ok("deploy_core")
		full += time.Since(start)

		start = time.Now()
		w.ok("deploy_core")
		noop += time.Since(start)

		b.StopTimer()
		w.ok("delete_core", "--full")
		b.StartTimer()

		start = time.Now()
		kubectl("apply", "--server-side", "--field-manager", "bench", "-f", manifests)
		kubectl("wait", "--for=condition=Available", "deployment", "--all", "-n", "aura-ap-dev", "--timeout=10m")
		kc += time.Since(start)

		start = time.Now()
		kubectl("apply", "--server-side", "--field-manager", "bench", "-f", manifests)
		kcNoop += time.Since(start)

		b.StopTimer()
		kubectl("delete", "-f", manifests, "--wait=true")
		w.ok("deploy_core")
		w.ok("stop")
		w.ok("start")
		b.StartTimer()

		// The first delete after a restart used to wait ~4 minutes for the
		// node leases of the stopped kwok to expire.
		start = time.Now()
		w.ok("delete_core", "--full")
		restartDelete += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(full.Seconds()/n, "deploy_core-s")
	b.ReportMetric(kc.Seconds()/n, "kubectl-apply+wait-s")
	b.ReportMetric(full.Seconds()/kc.Seconds(), "ratio")
	b.ReportMetric(noop.Seconds()/n, "no-change-rerun-s")
	b.ReportMetric(kcNoop.Seconds()/n, "kubectl-no-change-s")
	b.ReportMetric(restartDelete.Seconds()/n, "delete_core-after-restart-s")
}

// renderCore writes the manifests deploy_core applies (CRDs and namespace
// first) to one file, rendered the way aura renders them.
func renderCore(b *testing.B, w *workspace) string {
	cfg, err := config.Load(config.LoadOptions{CfgFile: w.cfg, ExtraDir: w.ecfg, VaultPassword: vaultPassword})
	if err != nil {
		b.Fatal(err)
	}
	rel, err := release.Default()
	if err != nil {
		b.Fatal(err)
	}
	// The state deploy_infra left (aura ran in w.dir): the operator's storage key.
	p, err := local.New(local.Options{StateDir: filepath.Join(w.dir, cfg.Local.StateDir)})
	if err != nil {
		b.Fatal(err)
	}
	e := &phase.Env{Cfg: cfg, Provider: p, Release: rel, Templates: templates.FS()}
	bundles, err := e.RenderCore(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var first, rest []*unstructured.Unstructured
	crds, _ := filepath.Glob(filepath.Join(repoRoot(), "config", "crd", "bases", "*.yaml"))
	var docs []string
	for _, f := range crds {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	for _, bu := range bundles {
		for _, o := range bu.Objects {
			if o.GetKind() == "Namespace" {
				first = append(first, o)
			} else {
				rest = append(rest, o)
			}
		}
	}
	for _, o := range append(first, rest...) {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, string(y))
	}
	path := filepath.Join(w.dir, "core.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(docs, "\n---\n")), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}
