package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Status is the state of a local cluster as `aura` reports it.
type Status string

const (
	StatusAbsent  Status = "absent"  // never created, or deleted
	StatusStopped Status = "stopped" // files kept, no control-plane process running
	StatusRunning Status = "running" // every control-plane process is running
)

// DefaultName is the cluster name when Options.Name is empty.
const DefaultName = "aura"

// Options configures a local cluster.
type Options struct {
	// Dir holds everything of the cluster (kwokctl's work directory, etcd data,
	// certificates, logs, kubeconfig). Delete removes it, so it must be
	// dedicated to the cluster. Required.
	Dir string
	// Name is the kwokctl cluster name; DefaultName when empty.
	Name string
	// BinDir holds the binaries; DefaultBinDir() when empty.
	BinDir string
	// Pools are the simulated agent pools; DefaultPools() when nil.
	Pools []Pool
	// ControlPlaneOnly runs only etcd and kube-apiserver: no controllers, no
	// scheduler, no simulated nodes. For API-only tests: faster and lighter.
	ControlPlaneOnly bool
	// Log receives kwokctl's output; nil discards it (errors still carry its tail).
	Log io.Writer
	// Timeout bounds each wait for readiness; 3 minutes when zero.
	Timeout time.Duration
}

// Cluster is one local cluster, present or not.
type Cluster struct {
	dir, name        string
	binDir           string
	pools            []Pool
	controlPlaneOnly bool
	log              io.Writer
	timeout          time.Duration
}

// New validates opts; it neither touches the disk nor needs the binaries.
func New(opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("local cluster: a state directory is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("local cluster: state directory %q: %w", opts.Dir, err)
	}
	c := &Cluster{dir: dir, name: opts.Name, binDir: opts.BinDir, pools: opts.Pools,
		controlPlaneOnly: opts.ControlPlaneOnly, log: opts.Log, timeout: opts.Timeout}
	if c.name == "" {
		c.name = DefaultName
	}
	if c.pools == nil {
		c.pools = DefaultPools()
	}
	if c.timeout == 0 {
		c.timeout = 3 * time.Minute
	}
	if err := validatePools(c.pools); err != nil {
		return nil, err
	}
	return c, nil
}

// Dir is the cluster's state directory.
func (c *Cluster) Dir() string { return c.dir }

// Name is the kwokctl cluster name.
func (c *Cluster) Name() string { return c.name }

// clusterDir is where kwokctl keeps this cluster.
func (c *Cluster) clusterDir() string { return filepath.Join(c.dir, "clusters", c.name) }

// Kubeconfig is the path of the cluster's admin kubeconfig (it exists once
// the cluster is created). ~/.kube/config is never touched.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.clusterDir(), "kubeconfig.yaml") }

// RESTConfig loads the admin kubeconfig.
func (c *Cluster) RESTConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
	if err != nil {
		return nil, fmt.Errorf("local cluster %s: %w", c.name, err)
	}
	return cfg, nil
}

// Status reports absent, stopped or running from kwokctl's files and pids.
func (c *Cluster) Status(ctx context.Context) (Status, error) {
	if _, err := os.Stat(filepath.Join(c.clusterDir(), kwokConfigName)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return StatusAbsent, nil
		}
		return "", fmt.Errorf("local cluster %s: %w", c.name, err)
	}
	procs, err := c.Processes()
	if err != nil {
		return "", err
	}
	for _, p := range procs {
		if p.Name == "kube-apiserver" {
			return StatusRunning, nil
		}
	}
	return StatusStopped, nil
}

func (c *Cluster) binaries() (Binaries, error) {
	return FindBinaries(c.binDir)
}

// Create creates and starts the cluster and its simulated nodes, and waits
// until the API answers and every node is Ready. On an existing cluster
// (running or stopped) it changes nothing and returns false.
func (c *Cluster) Create(ctx context.Context) (bool, error) {
	st, err := c.Status(ctx)
	if err != nil || st != StatusAbsent {
		return false, err
	}
	b, err := c.binaries()
	if err != nil {
		return false, err
	}
	args := []string{"create", "cluster", "--wait", c.timeout.String(), "--timeout", c.timeout.String()}
	if c.controlPlaneOnly {
		args = append(args, "--disable", "kube-controller-manager,kube-scheduler,kwok-controller")
	}
	since := time.Now()
	// Another program can take a chosen port before our component binds it;
	// then we start over with new ports.
	for attempt := 1; ; attempt++ {
		if err := c.writeKwokConfig(b); err != nil {
			return false, err
		}
		err := c.kwokctl(ctx, b.Kwokctl, args...)
		if err == nil {
			break
		}
		err = fmt.Errorf("local cluster %s: create: %w%s", c.name, err, c.LogTail("kube-apiserver", 10)+c.LogTail("etcd", 10))
		// A half-created cluster would make the next Create a no-op.
		if derr := c.kwokctl(context.WithoutCancel(ctx), b.Kwokctl, "delete", "cluster", "--kubeconfig", c.scratchKubeconfig()); derr != nil {
			return false, errors.Join(err, derr)
		}
		if attempt == 3 || ctx.Err() != nil || !strings.Contains(err.Error(), "address already in use") {
			return false, err
		}
	}
	if c.controlPlaneOnly {
		return true, c.waitReady(ctx, since)
	}
	if err := c.ensureNodes(ctx); err != nil {
		return true, err
	}
	return true, c.waitReady(ctx, since)
}

// Start starts a stopped cluster with its data and waits until it is ready.
// It returns false when the cluster was already running.
func (c *Cluster) Start(ctx context.Context) (bool, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return false, err
	}
	switch st {
	case StatusAbsent:
		return false, fmt.Errorf("local cluster %s does not exist in %s: create it first", c.name, c.dir)
	case StatusRunning:
		return false, nil
	}
	b, err := c.binaries()
	if err != nil {
		return false, err
	}
	since := time.Now()
	if err := c.kwokctl(ctx, b.Kwokctl, "start", "cluster", "--wait", c.timeout.String(), "--timeout", c.timeout.String()); err != nil {
		return false, fmt.Errorf("local cluster %s: start: %w", c.name, err)
	}
	// Leases a killed kwok left held (Stop releases them) would keep the new
	// one off the nodes until they expire.
	cs, err := c.clientset()
	if err != nil {
		return true, err
	}
	if err := releaseNodeLeases(ctx, cs, since); err != nil {
		return true, fmt.Errorf("local cluster %s: start: %w", c.name, err)
	}
	return true, c.waitReady(ctx, since)
}

// Stop stops every process of the cluster and keeps its data. It returns
// false when the cluster was already stopped.
func (c *Cluster) Stop(ctx context.Context) (bool, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return false, err
	}
	switch st {
	case StatusAbsent:
		return false, fmt.Errorf("local cluster %s does not exist in %s", c.name, c.dir)
	case StatusStopped:
		return false, nil
	}
	b, err := c.binaries()
	if err != nil {
		return false, err
	}
	// Best effort: Start releases what this could not.
	if err := c.stopKwok(ctx); err != nil && c.log != nil {
		fmt.Fprintf(c.log, "local cluster %s: node leases not released on stop: %v\n", c.name, err)
	}
	if err := c.stopProcesses(ctx, b, "stop", "cluster"); err != nil {
		return false, fmt.Errorf("local cluster %s: stop: %w", c.name, err)
	}
	return true, nil
}

// stopKwok stops the kwok controller and, with the API still up, hands its
// node leases back, so that the kwok of the next start manages the nodes at
// once instead of after the leases expire.
func (c *Cluster) stopKwok(ctx context.Context) error {
	procs, err := c.Processes()
	if err != nil {
		return err
	}
	var kwok []Process
	for _, p := range procs {
		if p.Name == "kwok-controller" {
			kwok = append(kwok, p)
		}
	}
	if len(kwok) == 0 {
		return nil
	}
	terminate(ctx, kwok, 10*time.Second)
	for _, p := range kwok {
		if alive(p.PID, p.Name) {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
	}
	// A kwok still running would take the leases right back.
	if err := waitExit(ctx, kwok, 10*time.Second); err != nil {
		return err
	}
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return releaseNodeLeases(ctx, cs, time.Time{})
}

// Delete stops the cluster and removes its state directory. It returns false
// when there was nothing to delete.
func (c *Cluster) Delete(ctx context.Context) (bool, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return false, err
	}
	if st != StatusAbsent {
		b, err := c.binaries()
		if err != nil {
			return false, err
		}
		if err := c.stopProcesses(ctx, b, "delete", "cluster", "--kubeconfig", c.scratchKubeconfig()); err != nil {
			return false, fmt.Errorf("local cluster %s: delete: %w", c.name, err)
		}
	}
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		return st != StatusAbsent, nil
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return false, fmt.Errorf("local cluster %s: %w", c.name, err)
	}
	return true, nil
}

// scratchKubeconfig is handed to `kwokctl delete`, which insists on removing a
// context from some kubeconfig and would otherwise edit ~/.kube/config.
func (c *Cluster) scratchKubeconfig() string { return filepath.Join(c.dir, "kwokctl-contexts.yaml") }

// stopProcesses shuts the processes down gently, lets kwokctl run args (stop
// or delete: it kills leftovers and clears its pid files) and waits until every
// process has exited, which kwokctl does not do.
func (c *Cluster) stopProcesses(ctx context.Context, b Binaries, args ...string) error {
	procs, err := c.Processes()
	if err != nil {
		return err
	}
	terminate(ctx, procs, 10*time.Second)
	if err := c.kwokctl(ctx, b.Kwokctl, args...); err != nil {
		return err
	}
	return waitExit(ctx, procs, c.timeout)
}
