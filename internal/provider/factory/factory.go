// Package factory builds the provider a configuration names, so commands and
// tests pick providers in one place and the phases stay cloud-agnostic.
package factory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/localcluster"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/local"
)

// UnsupportedError is returned for a provider this build cannot run: bad
// input, so aura exits 2 before changing anything.
type UnsupportedError struct{ Provider string }

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("provider: %q is not available in this build of aura (local or azure)", e.Provider)
}

// ExitCode makes aura exit 2.
func (e *UnsupportedError) ExitCode() int { return 2 }

// Option adds to what New knows beyond the configuration.
type Option func(*options)

type options struct {
	creds  *credentials.Credentials
	tokens provider.TokenStore
}

// WithCredentials gives the Azure provider the service principal the
// command loaded (-c FILE and the environment); without it New reads the
// AZURE_* variables.
func WithCredentials(c *credentials.Credentials) Option { return func(o *options) { o.creds = c } }

// WithTokens keeps the Azure provider's resume tokens in ts instead of
// files under local.state_dir.
func WithTokens(ts provider.TokenStore) Option { return func(o *options) { o.tokens = ts } }

// New returns the provider of cfg. log receives the local cluster's tool
// output (nil discards it).
func New(cfg *config.Config, log io.Writer, opts ...Option) (provider.Provider, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	switch cfg.Provider {
	case "local", "":
		dir := cfg.Local.StateDir
		return local.New(local.Options{
			StateDir:   dir,
			Kubeconfig: cfg.Local.Kubeconfig,
			Backend:    &KwokBackend{Dir: filepath.Join(dir, "kwok"), Log: log},
		})
	case "azure":
		return newAzure(cfg, o)
	default:
		return nil, &UnsupportedError{Provider: cfg.Provider}
	}
}

// tokenDir keeps a local copy of the Azure provider's resume tokens; their
// shared copy is in the common storage account (DESIGN.md §6a), which does
// not exist before the first deploy_common.
const tokenDir = "azure-operations"

func newAzure(cfg *config.Config, o options) (provider.Provider, error) {
	creds := o.creds
	if creds == nil {
		c, _, err := credentials.Load("", os.Getenv)
		if err != nil {
			return nil, err
		}
		creds = c
	}
	cloud := AzureCloud(cfg)
	cred, err := azure.Credential(creds, cloud, nil)
	if err != nil {
		return nil, err
	}
	tokens := o.tokens
	if tokens == nil {
		tokens = provider.DirTokenStore{Dir: filepath.Join(cfg.Local.StateDir, tokenDir)}
	}
	return azure.New(azure.Options{SubscriptionID: creds.SubscriptionID, TenantID: creds.TenantID, ClientID: creds.ClientID, Credential: cred, Cloud: cloud, Tokens: tokens,
		LockAccount: provider.ResourceRef{ResourceGroup: cfg.Derived.CommonResourceGroup, Name: cfg.Derived.CommonStorageAccount}})
}

// KwokBackend runs the local provider's clusters with internal/localcluster:
// one kwokctl cluster per name, each in its own directory under Dir.
type KwokBackend struct {
	Dir    string
	BinDir string // DefaultBinDir() when empty
	Log    io.Writer
}

var _ local.ClusterBackend = (*KwokBackend)(nil)

func (b *KwokBackend) cluster(name string, pools []localcluster.Pool) (*localcluster.Cluster, error) {
	return localcluster.New(localcluster.Options{
		Dir: filepath.Join(b.Dir, name), Name: "aura", BinDir: b.BinDir, Pools: pools, Log: b.Log,
	})
}

// Create creates and starts the cluster with the spec's agent pools at their min_size.
func (b *KwokBackend) Create(ctx context.Context, spec provider.ClusterSpec) error {
	var pools []localcluster.Pool
	for _, p := range spec.Pools {
		pools = append(pools, localcluster.Pool{Name: p.Name, Mode: p.Mode, Count: p.MinSize, VMSize: p.VMSize})
	}
	c, err := b.cluster(spec.Name, pools)
	if err != nil {
		return err
	}
	_, err = c.Create(ctx)
	return err
}

// Start starts a stopped cluster, its data kept.
func (b *KwokBackend) Start(ctx context.Context, name string) error {
	return b.do(name, func(c *localcluster.Cluster) error { _, err := c.Start(ctx); return err })
}

// Stop stops the control plane, keeping its data.
func (b *KwokBackend) Stop(ctx context.Context, name string) error {
	return b.do(name, func(c *localcluster.Cluster) error { _, err := c.Stop(ctx); return err })
}

// Delete removes the cluster's processes and every file of it.
func (b *KwokBackend) Delete(ctx context.Context, name string) error {
	if err := b.do(name, func(c *localcluster.Cluster) error { _, err := c.Delete(ctx); return err }); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(b.Dir, name)); err != nil {
		return err
	}
	// The parent was created for this cluster only; leave no empty directory behind.
	_ = os.Remove(b.Dir)
	return nil
}

// State maps the local cluster's status to the provider's.
func (b *KwokBackend) State(ctx context.Context, name string) (provider.ClusterState, error) {
	c, err := b.cluster(name, nil)
	if err != nil {
		return "", err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return "", err
	}
	switch st {
	case localcluster.StatusRunning:
		return provider.ClusterRunning, nil
	case localcluster.StatusStopped:
		return provider.ClusterStopped, nil
	default:
		return provider.ClusterAbsent, nil
	}
}

// Kubeconfig returns the cluster's admin kubeconfig.
func (b *KwokBackend) Kubeconfig(_ context.Context, name string) ([]byte, error) {
	c, err := b.cluster(name, nil)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(c.Kubeconfig())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("local cluster %s: kubeconfig: %w", name, provider.ErrNotFound)
	}
	return data, err
}

func (b *KwokBackend) do(name string, f func(*localcluster.Cluster) error) error {
	c, err := b.cluster(name, nil)
	if err != nil {
		return err
	}
	return f(c)
}

// AzureCloud is the config's azure block as the azure provider (and
// create_sp) reach the cloud with it.
func AzureCloud(cfg *config.Config) azure.Cloud {
	a := cfg.Azure
	return azure.Cloud{Name: a.Cloud, AuthorityHost: a.AuthorityHost, ResourceManagerEndpoint: a.ResourceManagerEndpoint,
		ResourceManagerAudience: a.ResourceManagerAudience, StorageEndpointSuffix: a.StorageEndpointSuffix}
}
