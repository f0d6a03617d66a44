// Package local is the embedded default provider (`provider: local`): resource
// groups, storage accounts and their blobs, key vaults, DNS zones, bot channels
// and AI services are kept as files under a state directory, and the cluster
// is delegated to a ClusterBackend (a kwokctl control plane) or is an existing
// cluster given by a kubeconfig.
//
// Every file is written atomically (temporary file, fsync, rename), so a crash
// leaves either the old or the new content and a re-run converges. Every
// operation holds a lock on the state directory (flock on STATE/.lock: shared
// for reads and dry runs, exclusive for writes), so concurrent goroutines and
// concurrent aura processes are safe.
//
// Layout:
//
//	STATE/resourcegroups/RG/resourcegroup.json
//	STATE/resourcegroups/RG/storageaccounts/ACCOUNT/account.json
//	STATE/resourcegroups/RG/storageaccounts/ACCOUNT/containers/CONTAINER/BLOB…
//	STATE/resourcegroups/RG/keyvaults/NAME.json      (0600, holds the secrets)
//	STATE/resourcegroups/RG/dnszones/ZONE.json       (record sets, "-next" ones included)
//	STATE/resourcegroups/RG/clusters/NAME.json
//	STATE/resourcegroups/RG/botchannels/NAME.json
//	STATE/resourcegroups/RG/aiservices/NAME.json
package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Options configure a local provider.
type Options struct {
	// StateDir holds all state (config key local.state_dir). Created if missing.
	StateDir string
	// Kubeconfig, when set (config key local.kubeconfig), is an existing
	// cluster: cluster Ensure/Delete/Stop/Start are no-ops that say so.
	Kubeconfig string
	// Backend runs the local cluster when Kubeconfig is empty.
	Backend ClusterBackend
}

// Provider is the local provider. Its methods are safe for concurrent use.
type Provider struct {
	dir        string
	kubeconfig string
	backend    ClusterBackend
	dry        bool
}

var _ provider.Provider = (*Provider)(nil)

// New opens the state directory. It is created by the first write, so a
// dry run, a plan or a delete of an environment that does not exist leaves
// the disk untouched.
func New(opts Options) (*Provider, error) {
	if opts.StateDir == "" {
		return nil, errors.New("local provider: local.state_dir is empty")
	}
	dir, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("local provider: local.state_dir %q: %w", opts.StateDir, err)
	}
	return &Provider{dir: dir, kubeconfig: opts.Kubeconfig, backend: opts.Backend}, nil
}

func (p *Provider) ensureStateDir() error {
	for _, d := range []string{p.dir, filepath.Join(p.dir, tmpDirName), filepath.Join(p.dir, groupsDirName)} {
		if err := os.MkdirAll(d, dirPerm); err != nil {
			return fmt.Errorf("local provider: local.state_dir: %w", err)
		}
	}
	return nil
}

// Name implements provider.Provider.
func (p *Provider) Name() string { return "local" }

// Capabilities implements provider.Provider: a local cluster has no
// internet (stand-in charts), no load balancer and no cloud identities.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{BuiltinCharts: true}
}

// StateDir returns the absolute state directory.
func (p *Provider) StateDir() string { return p.dir }

// DryRun implements provider.Provider.
func (p *Provider) DryRun() provider.Provider {
	c := *p
	c.dry = true
	return &c
}

const (
	tmpDirName    = ".tmp"
	lockFileName  = ".lock"
	groupsDirName = "resourcegroups"
	dirPerm       = 0o700
	filePerm      = 0o600
	lockRetry     = 10 * time.Millisecond
)

// lock takes the state directory lock: exclusive for writes, shared for
// reads and for every call on a DryRun view. Each call opens its own lock
// file descriptor, so goroutines of one process exclude each other too.
// Internal helpers never lock; only exported methods do, exactly once.
func (p *Provider) lock(ctx context.Context, write bool) (func(), error) {
	return p.lockFile(ctx, lockFileName, write)
}

func (p *Provider) lockFile(ctx context.Context, name string, write bool) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if write && !p.dry {
		if err := p.ensureStateDir(); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(p.dir); errors.Is(err, os.ErrNotExist) {
		// No state yet: nothing to read, nothing to protect.
		return func() {}, nil
	}
	fl := flock.New(filepath.Join(p.dir, name), flock.SetPermissions(filePerm))
	var ok bool
	var err error
	if write && !p.dry {
		ok, err = fl.TryLockContext(ctx, lockRetry)
	} else {
		ok, err = fl.TryRLockContext(ctx, lockRetry)
	}
	if err != nil || !ok {
		_ = fl.Close()
		if err == nil {
			err = errors.New("could not lock")
		}
		return nil, fmt.Errorf("local provider: lock %s: %w", fl.Path(), err)
	}
	return func() { _ = fl.Unlock(); _ = fl.Close() }, nil
}

func (p *Provider) groupDir(rg string) string { return filepath.Join(p.dir, groupsDirName, rg) }
