package testenv

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/auracognitive/aurak8s/internal/localcluster"
	"github.com/auracognitive/aurak8s/internal/testtool"
)

// Options chooses what the control plane runs.
type Options struct {
	// Pods adds kube-controller-manager, kube-scheduler and kwok nodes labelled
	// as the guide's agent pools, so Deployments get Pods that become Ready and
	// Jobs complete. Without it only etcd and kube-apiserver run (faster).
	Pods bool
	// CRDDirectoryPaths are directories or files of CRDs installed (and
	// established) before any test runs.
	CRDDirectoryPaths []string
}

// Env is the running control plane of the test binary.
type Env struct {
	Config     *rest.Config // admin access; copy it before changing it
	Kubeconfig string       // path of an admin kubeconfig file
	Kubectl    string       // path of a kubectl matching the apiserver
}

var (
	env      *Env
	setupErr error // why there is no env; nil with env == nil means Main was not called
	mainRan  bool
)

// Main starts the control plane, runs the tests, deletes the control plane and
// exits with the tests' status. Call it from TestMain before anything else.
func Main(m *testing.M, opts Options) {
	os.Exit(run(m, opts))
}

// Run is Main returning the exit code instead of exiting, for a TestMain
// that has its own cleanup after the tests (e.g. a binary it built).
func Run(m *testing.M, opts Options) int { return run(m, opts) }

func run(m *testing.M, opts Options) int {
	mainRan = true
	if !flag.Parsed() {
		flag.Parse() // for testing.Verbose; m.Run would parse them anyway
	}
	stop, err := start(opts)
	if err != nil {
		setupErr = err
	}
	code := m.Run()
	if stop != nil {
		if err := stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: teardown: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// start creates the cluster and returns the function that deletes it.
func start(opts Options) (func() error, error) {
	bins, err := localcluster.FindBinaries("")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "aurak8s-testenv-")
	if err != nil {
		return nil, err
	}
	cl, err := localcluster.New(localcluster.Options{Dir: dir, ControlPlaneOnly: !opts.Pods})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	w, err := startWatcher(cl, bins)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, err := cl.Delete(ctx)
		w.release()
		return err
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := cl.Create(ctx); err != nil {
		return stop, fmt.Errorf("testenv: %w%s", err, cl.LogTail("kube-apiserver", 15))
	}
	cfg, err := cl.RESTConfig()
	if err != nil {
		return stop, err
	}
	// Tests create many objects quickly; client-side throttling only slows them.
	cfg.QPS, cfg.Burst = 200, 400
	if len(opts.CRDDirectoryPaths) > 0 {
		if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
			Paths: opts.CRDDirectoryPaths, ErrorIfPathMissing: true, MaxTime: time.Minute,
		}); err != nil {
			return stop, fmt.Errorf("testenv: install CRDs from %s: %w", strings.Join(opts.CRDDirectoryPaths, ", "), err)
		}
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "testenv: control plane (pods=%v) ready in %s\n", opts.Pods, time.Since(t0).Round(time.Millisecond))
	}
	env = &Env{Config: cfg, Kubeconfig: cl.Kubeconfig(), Kubectl: bins.Kubectl}
	return stop, nil
}

// Get returns the test binary's control plane. It skips the test when the
// binaries are not built (and CI is unset), and fails it otherwise.
func Get(tb testing.TB) *Env {
	tb.Helper()
	switch {
	case env != nil:
		return env
	case !mainRan:
		tb.Fatal("testenv.Get: call testenv.Main from TestMain first")
	case localcluster.IsMissingBinaries(setupErr) && !testtool.InCI():
		tb.Skipf("testenv: %v (CI unset, so skipping)", setupErr)
	default:
		tb.Fatalf("testenv: no control plane: %v", setupErr)
	}
	return nil
}
