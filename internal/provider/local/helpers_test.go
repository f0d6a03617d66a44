package local

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/auracognitive/aurak8s/internal/dirtree"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// fakeBackend stands in for internal/localcluster: these tests are about the
// state kept by the local provider; the real cluster is tested there.
type fakeBackend struct {
	mu     sync.Mutex
	states map[string]provider.ClusterState
	calls  []string
}

func newFakeBackend() *fakeBackend { return &fakeBackend{states: map[string]provider.ClusterState{}} }

func (f *fakeBackend) record(call, name string) {
	f.calls = append(f.calls, call+" "+name)
}

func (f *fakeBackend) Create(_ context.Context, spec provider.ClusterSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("create", spec.Name)
	f.states[spec.Name] = provider.ClusterRunning
	return nil
}

func (f *fakeBackend) Start(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("start", name)
	f.states[name] = provider.ClusterRunning
	return nil
}

func (f *fakeBackend) Stop(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("stop", name)
	f.states[name] = provider.ClusterStopped
	return nil
}

func (f *fakeBackend) Delete(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("delete", name)
	delete(f.states, name)
	return nil
}

func (f *fakeBackend) State(_ context.Context, name string) (provider.ClusterState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.states[name]; ok {
		return s, nil
	}
	return provider.ClusterAbsent, nil
}

func (f *fakeBackend) Kubeconfig(_ context.Context, name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.states[name]; !ok {
		return nil, fmt.Errorf("cluster %s: %w", name, provider.ErrNotFound)
	}
	return []byte("kubeconfig of " + name), nil
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func newProvider(t *testing.T) (*Provider, *fakeBackend) {
	t.Helper()
	be := newFakeBackend()
	p, err := New(Options{StateDir: t.TempDir(), Backend: be})
	if err != nil {
		t.Fatal(err)
	}
	return p, be
}

// tree fingerprints a state directory (internal/dirtree).
func tree(t *testing.T, dir string) string {
	t.Helper()
	s, err := dirtree.Fingerprint(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
