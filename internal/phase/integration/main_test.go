// Package integration runs deploy_system and delete_system against a real
// control plane (internal/testenv: kube-apiserver, etcd, kwok) with the
// local provider pointed at it (local.kubeconfig) and the stand-in charts.
package integration

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

func TestMain(m *testing.M) {
	flag.Parse()
	testenv.Main(m, testenv.Options{Pods: true})
}

// world is one environment: the example configuration, its vaulted
// secrets, a state directory and the test cluster.
type world struct {
	t        *testing.T
	dir      string
	cfgFile  string
	ecfg     string
	stateDir string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir, cfgFile: filepath.Join(dir, "config.yml"), ecfg: filepath.Join(dir, "ecfg"), stateDir: filepath.Join(dir, "state")}
	copyFile(t, filepath.Join("..", "..", "..", "examples", "config.yml"), w.cfgFile)
	if err := os.MkdirAll(w.ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join("..", "..", "..", "examples", "ecfg", "secrets.yml"), filepath.Join(w.ecfg, "secrets.yml"))
	return w
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// env loads the configuration with extra YAML lines (later files win) and
// returns a fresh Env, as one aura command builds it.
func (w *world) env(extra ...string) *phase.Env {
	t := w.t
	t.Helper()
	over := "local:\n  kubeconfig: " + testenv.Get(t).Kubeconfig + "\n  state_dir: " + w.stateDir + "\n" + strings.Join(extra, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(w.ecfg, "zz-test.yml"), []byte(over), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{CfgFile: w.cfgFile, ExtraDir: w.ecfg, VaultPassword: "aura-demo"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := local.New(local.Options{StateDir: w.stateDir, Kubeconfig: cfg.Local.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &phase.Env{Cfg: cfg, Provider: p, Release: rel, Templates: k8s.FS(), OutputDir: filepath.Join(w.dir, "output_install")}
}

func run(t *testing.T, ph phase.Phase, dry bool) *phase.Result {
	t.Helper()
	res, err := (&phase.Runner{DryRun: dry}).Run(context.Background(), ph)
	if err != nil {
		t.Fatalf("%s: %v", ph.Name, err)
	}
	return res
}
