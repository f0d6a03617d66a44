package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindCluster = "cluster"

// ClusterBackend runs a local Kubernetes control plane by name; the lead
// satisfies it with internal/localcluster (kwokctl, binary runtime). Methods
// are called with the cluster's lock held, never concurrently for one name.
type ClusterBackend interface {
	Create(ctx context.Context, spec provider.ClusterSpec) error
	Start(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error // keeps the cluster's data
	Delete(ctx context.Context, name string) error
	State(ctx context.Context, name string) (provider.ClusterState, error)
	Kubeconfig(ctx context.Context, name string) ([]byte, error)
}

// externalDetail is said by every cluster change on an existing cluster.
func (p *Provider) externalDetail() string {
	return "existing cluster from local.kubeconfig " + p.kubeconfig + ": not managed by aura, nothing to do"
}

func (p *Provider) clusterPath(ref provider.ClusterRef) string {
	return filepath.Join(p.groupDir(ref.ResourceGroup), "clusters", ref.Name+".json")
}

// lockCluster serialises operations on one cluster without holding the
// state lock during a slow create or start, so blob and DNS writes of
// concurrent actions go on meanwhile.
func (p *Provider) lockCluster(ctx context.Context, ref provider.ClusterRef) (func(), error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "cluster name", ref.Name); err != nil {
		return nil, err
	}
	return p.lockFile(ctx, "cluster-"+ref.Name+lockFileName, true)
}

func (p *Provider) backendOrErr() (ClusterBackend, error) {
	if p.backend == nil {
		return nil, errors.New("local provider: no cluster backend and no local.kubeconfig: set local.kubeconfig to use an existing cluster")
	}
	return p.backend, nil
}

func (p *Provider) checkKubeconfig() error {
	if _, err := os.Stat(p.kubeconfig); err != nil {
		return fmt.Errorf("local provider: local.kubeconfig: %w", err)
	}
	return nil
}

// EnsureCluster implements provider.Provider: create when absent, start when
// stopped. A local cluster cannot change its version in place.
func (p *Provider) EnsureCluster(ctx context.Context, spec provider.ClusterSpec) (provider.Change, error) {
	ref := spec.Ref()
	c := provider.Change{Op: provider.OpNone, Kind: kindCluster, Name: spec.Name}
	unlock, err := p.lockCluster(ctx, ref)
	if err != nil {
		return c, err
	}
	defer unlock()
	if p.kubeconfig != "" {
		c.Detail = p.externalDetail()
		return c, p.checkKubeconfig()
	}
	be, err := p.backendOrErr()
	if err != nil {
		return c, err
	}
	if err := p.requireDir(p.groupDir(ref.ResourceGroup), kindGroup, ref.ResourceGroup); err != nil {
		return c, err
	}
	var rec provider.ClusterSpec
	recorded, err := readJSON(p.clusterPath(ref), &rec)
	if err != nil {
		return c, err
	}
	state, err := be.State(ctx, spec.Name)
	if err != nil {
		return c, fmt.Errorf("local provider: cluster %q: %w", spec.Name, err)
	}
	if state != provider.ClusterAbsent && recorded && rec.KubernetesVersion != spec.KubernetesVersion {
		return c, fmt.Errorf("local provider: cluster %q runs kubernetes_version %q, config wants %q: a local cluster cannot be upgraded in place; run delete_infra, then deploy_infra",
			spec.Name, rec.KubernetesVersion, spec.KubernetesVersion)
	}
	switch state {
	case provider.ClusterAbsent:
		c.Op = provider.OpCreate
		if !p.dry {
			if err := be.Create(ctx, spec); err != nil {
				return c, fmt.Errorf("local provider: create cluster %q: %w", spec.Name, err)
			}
		}
	case provider.ClusterStopped:
		c.Op, c.Detail = provider.OpUpdate, "start (was stopped)"
		if !p.dry {
			if err := be.Start(ctx, spec.Name); err != nil {
				return c, fmt.Errorf("local provider: start cluster %q: %w", spec.Name, err)
			}
		}
	}
	// Compared as recorded: an empty list or map from the config and the
	// absent one read back from the record are the same spec.
	have, _ := encode(rec)
	want, _ := encode(spec)
	if recorded && bytes.Equal(have, want) {
		return c, nil
	}
	if c.Op == provider.OpNone {
		c.Op, c.Detail = provider.OpUpdate, "recorded in state"
		if recorded {
			c.Detail = changedFields(have, want)
		}
	}
	if p.dry {
		return c, nil
	}
	// The record is written after the backend succeeded: a crash before it
	// is repaired by the next run, which finds the cluster and records it.
	return c, p.writeRecord(ctx, p.clusterPath(ref), spec)
}

// writeRecord writes one JSON record under the state lock.
func (p *Provider) writeRecord(ctx context.Context, path string, v any) error {
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	data, err := encode(v)
	if err != nil {
		return err
	}
	return p.writeFile(path, data)
}

// DeleteCluster implements provider.Provider.
func (p *Provider) DeleteCluster(ctx context.Context, ref provider.ClusterRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindCluster, Name: ref.Name}
	unlock, err := p.lockCluster(ctx, ref)
	if err != nil {
		return c, err
	}
	defer unlock()
	if p.kubeconfig != "" {
		c.Detail = p.externalDetail()
		return c, nil
	}
	be, err := p.backendOrErr()
	if err != nil {
		return c, err
	}
	state, err := be.State(ctx, ref.Name)
	if err != nil {
		return c, fmt.Errorf("local provider: cluster %q: %w", ref.Name, err)
	}
	if state != provider.ClusterAbsent {
		c.Op = provider.OpDelete
		if !p.dry {
			if err := be.Delete(ctx, ref.Name); err != nil {
				return c, fmt.Errorf("local provider: delete cluster %q: %w", ref.Name, err)
			}
		}
	}
	if p.dry {
		return c, nil
	}
	ulock, err := p.lock(ctx, true)
	if err != nil {
		return c, err
	}
	defer ulock()
	_, err = p.deletePath(p.clusterPath(ref), false)
	return c, err
}

// StopCluster implements provider.Provider.
func (p *Provider) StopCluster(ctx context.Context, ref provider.ClusterRef) (provider.Change, error) {
	return p.setRunning(ctx, ref, false)
}

// StartCluster implements provider.Provider.
func (p *Provider) StartCluster(ctx context.Context, ref provider.ClusterRef) (provider.Change, error) {
	return p.setRunning(ctx, ref, true)
}

func (p *Provider) setRunning(ctx context.Context, ref provider.ClusterRef, run bool) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindCluster, Name: ref.Name}
	unlock, err := p.lockCluster(ctx, ref)
	if err != nil {
		return c, err
	}
	defer unlock()
	if p.kubeconfig != "" {
		c.Detail = p.externalDetail()
		return c, nil
	}
	be, err := p.backendOrErr()
	if err != nil {
		return c, err
	}
	state, err := be.State(ctx, ref.Name)
	if err != nil {
		return c, fmt.Errorf("local provider: cluster %q: %w", ref.Name, err)
	}
	verb, want, do := "stop", provider.ClusterStopped, be.Stop
	if run {
		verb, want, do = "start", provider.ClusterRunning, be.Start
	}
	switch state {
	case provider.ClusterAbsent:
		return c, notFound(kindCluster, ref.Name)
	case want:
		c.Detail = "already " + string(want)
		return c, nil
	}
	c.Op, c.Detail = provider.OpUpdate, verb
	if p.dry {
		return c, nil
	}
	if err := do(ctx, ref.Name); err != nil {
		return c, fmt.Errorf("local provider: %s cluster %q: %w", verb, ref.Name, err)
	}
	return c, nil
}

// ClusterState implements provider.Provider. An existing cluster given by
// local.kubeconfig is reported running: aura does not manage its life.
func (p *Provider) ClusterState(ctx context.Context, ref provider.ClusterRef) (provider.ClusterState, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "cluster name", ref.Name); err != nil {
		return "", err
	}
	if p.kubeconfig != "" {
		return provider.ClusterRunning, p.checkKubeconfig()
	}
	be, err := p.backendOrErr()
	if err != nil {
		return "", err
	}
	return be.State(ctx, ref.Name)
}

// Kubeconfig implements provider.Provider.
func (p *Provider) Kubeconfig(ctx context.Context, ref provider.ClusterRef) ([]byte, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "cluster name", ref.Name); err != nil {
		return nil, err
	}
	if p.kubeconfig != "" {
		data, err := os.ReadFile(p.kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("local provider: local.kubeconfig: %w", err)
		}
		return data, nil
	}
	be, err := p.backendOrErr()
	if err != nil {
		return nil, err
	}
	return be.Kubeconfig(ctx, ref.Name)
}

// ClusterOutboundIPs implements provider.Provider: a local cluster reaches
// the outside from this machine, which it knows only as loopback.
func (p *Provider) ClusterOutboundIPs(ctx context.Context, ref provider.ClusterRef) ([]string, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "cluster name", ref.Name); err != nil {
		return nil, err
	}
	return []string{"127.0.0.1"}, nil
}
