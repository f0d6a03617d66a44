package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/auracognitive/aurak8s/internal/dirtree"
	"github.com/auracognitive/aurak8s/internal/localcluster"
)

const vaultPassword = "aura-demo"

// auraBin is built once by TestMain.
var auraBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "aura-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	auraBin = filepath.Join(dir, "aura")
	build := exec.Command("go", "build", "-o", auraBin, "github.com/auracognitive/aurak8s/cmd/aura")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build aura:", err)
		return 1
	}
	return m.Run()
}

// requireBinaries skips (or, in CI, fails) when the cluster binaries are missing.
func requireBinaries(t *testing.T) {
	t.Helper()
	if _, err := localcluster.FindBinaries(localcluster.DefaultBinDir()); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and the cluster binaries are missing: %v", err)
		}
		t.Skipf("cluster binaries missing (%v): run `make tools`", err)
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// workspace is a directory with a config for one environment; aura runs in it.
type workspace struct {
	t    testing.TB
	dir  string
	cfg  string
	ecfg string // --ecfg overlay with the test's settings
}

func newWorkspace(t testing.TB, extra string) *workspace {
	t.Helper()
	dir := t.TempDir()
	base, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yml")
	ecfg := filepath.Join(dir, "profile")
	if err := os.WriteFile(cfg, base, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ecfg, "test.yml"), []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}
	// The example's vaulted secrets: every command must decrypt them with -v.
	secrets, err := os.ReadFile(filepath.Join(repoRoot(), "examples", "ecfg", "secrets.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ecfg, "secrets.yml"), secrets, 0o600); err != nil {
		t.Fatal(err)
	}
	return &workspace{t: t, dir: dir, cfg: cfg, ecfg: ecfg}
}

type result struct {
	code   int
	stdout string
	stderr string
	events []event
}

type event struct {
	Phase   string   `json:"phase"`
	Action  string   `json:"action"`
	State   string   `json:"state"`
	Changes []string `json:"changes"`
	Message string   `json:"message"`
}

// changed lists the changes the run reported.
func (r result) changed() []string {
	var out []string
	for _, e := range r.events {
		out = append(out, e.Changes...)
	}
	return out
}

func (w *workspace) command(ctx context.Context, args ...string) *exec.Cmd {
	args = append(args, "--cfg", w.cfg, "--ecfg", w.ecfg, "--output", "json")
	cmd := exec.CommandContext(ctx, auraBin, args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "AURA_VAULT_PASSWORD="+vaultPassword)
	return cmd
}

// aura runs one command to its end.
func (w *workspace) aura(args ...string) result {
	w.t.Helper()
	// Every command takes seconds now that a restarted cluster no longer waits
	// out node leases (issue #14); a hang fails the test within minutes, past
	// the phases' own 5-minute delete wait so that they report it first.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := w.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	w.t.Logf("aura %s: %s", strings.Join(args, " "), time.Since(start).Round(10*time.Millisecond))
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("aura %v: %v", args, err)
	}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			r.events = append(r.events, e)
		}
	}
	return r
}

// ok runs a command that must succeed.
func (w *workspace) ok(args ...string) result {
	w.t.Helper()
	r := w.aura(args...)
	if r.code != 0 {
		w.t.Fatalf("aura %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// killDuring starts a command and SIGKILLs it as soon as an action whose
// name starts with prefix is running.
func (w *workspace) killDuring(prefix string, args ...string) {
	w.t.Helper()
	cmd := w.command(context.Background(), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	killed := false
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.State == "running" && strings.HasPrefix(e.Action, prefix) {
			time.Sleep(150 * time.Millisecond) // let it write part of its work
			_ = cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		w.t.Fatalf("aura %v finished before %q started", args, prefix)
	}
}

// killAfter starts a command and SIGKILLs it after delay; it reports false
// when the command had finished by then.
func (w *workspace) killAfter(delay time.Duration, args ...string) bool {
	w.t.Helper()
	cmd := w.command(context.Background(), args...)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
		return false
	case <-time.After(delay):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true
	}
}

// kubectl runs the cluster's kubectl against the environment, as a user would.
func (w *workspace) kubectl(args ...string) string {
	w.t.Helper()
	bins, err := localcluster.FindBinaries(localcluster.DefaultBinDir())
	if err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command(bins.Kubectl, append([]string{"--kubeconfig", filepath.Join(w.dir, "output_install", "kubeconfig.json")}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// snapshot maps every object aura manages in the cluster to its
// resourceVersion, read from the API server.
func (w *workspace) snapshot() map[string]string {
	w.t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(w.dir, "output_install", "kubeconfig.json"))
	if err != nil {
		w.t.Fatal(err)
	}
	cfg.WarningHandler = rest.NoWarnings{}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	lists, err := disc.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !contains(r.Verbs, "list") || strings.Contains(r.Name, "/") {
				continue
			}
			items, err := dyn.Resource(gv.WithResource(r.Name)).List(context.Background(),
				metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=aura"})
			if err != nil {
				continue
			}
			for _, it := range items.Items {
				out[r.Kind+"/"+it.GetNamespace()+"/"+it.GetName()] = it.GetResourceVersion()
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// processesUnder lists running processes whose command line mentions dir.
func processesUnder(dir string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if s := strings.ReplaceAll(string(cmdline), "\x00", " "); strings.Contains(s, dir) {
			out = append(out, e.Name()+": "+s)
		}
	}
	return out
}

// tree fingerprints dir (internal/dirtree), to prove a run changed nothing on disk.
func tree(t *testing.T, dir string) string {
	t.Helper()
	s, err := dirtree.Fingerprint(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// planShowsNoSecret runs `phase --dry-run --debug` with the settings of
// extra (the workspace's overlay), restores the overlay, and checks that the
// plan names the want changes, holds none of the secrets (nor the passwords
// deploy_system generated into the cluster) and changed nothing.
func (w *workspace) planShowsNoSecret(phase, extra string, want []string, secrets ...string) {
	w.t.Helper()
	overlay := filepath.Join(w.ecfg, "test.yml")
	old, err := os.ReadFile(overlay)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(overlay, []byte(extra), 0o600); err != nil {
		w.t.Fatal(err)
	}
	before := w.snapshot()
	r := w.aura(phase, "--dry-run", "--debug")
	if err := os.WriteFile(overlay, old, 0o600); err != nil {
		w.t.Fatal(err)
	}
	if r.code != 0 {
		w.t.Fatalf("%s --dry-run: exit %d\n%s", phase, r.code, r.stderr)
	}
	for name, key := range map[string]string{"redis": "redis-password", "mongodb-adminuser-password": "password", "aura-backups-storage": "key"} {
		enc := w.kubectl("get", "secret", name, "-n", "aura-system", "-o", "jsonpath={.data."+key+"}")
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err != nil || len(dec) == 0 {
			w.t.Fatalf("Secret %s key %s: %q, %v", name, key, enc, err)
		}
		secrets = append(secrets, string(dec))
	}
	out := r.stdout + r.stderr
	for _, s := range secrets {
		if strings.Contains(out, s) {
			w.t.Errorf("%s --dry-run --debug printed a secret value", phase)
		}
	}
	planned := strings.Join(r.changed(), "\n")
	for _, c := range want {
		if !strings.Contains(planned, c) {
			w.t.Errorf("%s --dry-run does not plan %q:\n%s", phase, c, planned)
		}
	}
	if after := w.snapshot(); !maps.Equal(before, after) {
		w.t.Errorf("%s --dry-run changed the cluster", phase)
	}
}
