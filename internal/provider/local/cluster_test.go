package local

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func TestClusterLifeCycle(t *testing.T) {
	ctx := context.Background()
	p, be := newProvider(t)
	if _, err := ensureOps()[0].run(ctx, p); err != nil {
		t.Fatal(err)
	}
	ref := cluster.Ref()
	steps := []struct {
		name    string
		run     func() (provider.Change, error)
		op      provider.Op
		detail  string
		state   provider.ClusterState
		backend []string // backend calls this step makes
	}{
		{"create", func() (provider.Change, error) { return p.EnsureCluster(ctx, cluster) }, provider.OpCreate, "", provider.ClusterRunning, []string{"create aura-es-dev-1"}},
		{"ensure again", func() (provider.Change, error) { return p.EnsureCluster(ctx, cluster) }, provider.OpNone, "", provider.ClusterRunning, nil},
		{"start a running cluster", func() (provider.Change, error) { return p.StartCluster(ctx, ref) }, provider.OpNone, "already running", provider.ClusterRunning, nil},
		{"stop", func() (provider.Change, error) { return p.StopCluster(ctx, ref) }, provider.OpUpdate, "stop", provider.ClusterStopped, []string{"stop aura-es-dev-1"}},
		{"stop again", func() (provider.Change, error) { return p.StopCluster(ctx, ref) }, provider.OpNone, "already stopped", provider.ClusterStopped, nil},
		{"ensure starts it", func() (provider.Change, error) { return p.EnsureCluster(ctx, cluster) }, provider.OpUpdate, "start (was stopped)", provider.ClusterRunning, []string{"start aura-es-dev-1"}},
		{"stop", func() (provider.Change, error) { return p.StopCluster(ctx, ref) }, provider.OpUpdate, "stop", provider.ClusterStopped, []string{"stop aura-es-dev-1"}},
		{"start", func() (provider.Change, error) { return p.StartCluster(ctx, ref) }, provider.OpUpdate, "start", provider.ClusterRunning, []string{"start aura-es-dev-1"}},
		{"delete", func() (provider.Change, error) { return p.DeleteCluster(ctx, ref) }, provider.OpDelete, "", provider.ClusterAbsent, []string{"delete aura-es-dev-1"}},
		{"delete again", func() (provider.Change, error) { return p.DeleteCluster(ctx, ref) }, provider.OpNone, "", provider.ClusterAbsent, nil},
	}
	for _, s := range steps {
		n := len(be.Calls())
		c, err := s.run()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if c.Op != s.op || c.Detail != s.detail {
			t.Errorf("%s: got %q, want op %s detail %q", s.name, c, s.op, s.detail)
		}
		if st, _ := p.ClusterState(ctx, ref); st != s.state {
			t.Errorf("%s: state %s, want %s", s.name, st, s.state)
		}
		if got := be.Calls()[n:]; !reflect.DeepEqual(got, s.backend) && (len(got) != 0 || s.backend != nil) {
			t.Errorf("%s: backend calls %v, want %v", s.name, got, s.backend)
		}
	}
	if _, err := p.StopCluster(ctx, ref); !provider.IsNotFound(err) {
		t.Errorf("stop a deleted cluster: %v, want not found", err)
	}
}

func TestClusterCannotChangeVersionInPlace(t *testing.T) {
	ctx := context.Background()
	p, be := newProvider(t)
	if _, err := ensureOps()[0].run(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureCluster(ctx, cluster); err != nil {
		t.Fatal(err)
	}
	newer := cluster
	newer.KubernetesVersion = "1.37.0"
	_, err := p.EnsureCluster(ctx, newer)
	if err == nil || !strings.Contains(err.Error(), `runs kubernetes_version "1.36.5", config wants "1.37.0"`) {
		t.Errorf("error %v", err)
	}
	if calls := be.Calls(); len(calls) != 1 {
		t.Errorf("backend calls %v, want only the create", calls)
	}
}

// With local.kubeconfig the cluster is someone else's: aura reads its
// kubeconfig and never creates, stops, starts or deletes it.
func TestExistingClusterIsNotManaged(t *testing.T) {
	ctx := context.Background()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{StateDir: t.TempDir(), Kubeconfig: kc})
	if err != nil {
		t.Fatal(err)
	}
	ref := cluster.Ref()
	for name, run := range map[string]func() (provider.Change, error){
		"ensure": func() (provider.Change, error) { return p.EnsureCluster(ctx, cluster) },
		"stop":   func() (provider.Change, error) { return p.StopCluster(ctx, ref) },
		"start":  func() (provider.Change, error) { return p.StartCluster(ctx, ref) },
		"delete": func() (provider.Change, error) { return p.DeleteCluster(ctx, ref) },
	} {
		c, err := run()
		if err != nil || c.Changed() || !strings.Contains(c.Detail, "local.kubeconfig "+kc+": not managed by aura") {
			t.Errorf("%s: %q, %v", name, c, err)
		}
	}
	if got, err := p.Kubeconfig(ctx, ref); err != nil || !strings.Contains(string(got), "kind: Config") {
		t.Errorf("kubeconfig %q, %v", got, err)
	}
	if st, err := p.ClusterState(ctx, ref); err != nil || st != provider.ClusterRunning {
		t.Errorf("state %s, %v", st, err)
	}

	gone, _ := New(Options{StateDir: t.TempDir(), Kubeconfig: filepath.Join(t.TempDir(), "missing")})
	if _, err := gone.EnsureCluster(ctx, cluster); err == nil || !strings.Contains(err.Error(), "local.kubeconfig") {
		t.Errorf("missing kubeconfig: %v", err)
	}
	none, _ := New(Options{StateDir: t.TempDir()})
	if _, err := none.Kubeconfig(ctx, ref); err == nil || !strings.Contains(err.Error(), "no cluster backend and no local.kubeconfig") {
		t.Errorf("no backend: %v", err)
	}
}

// TestClusterSpecWithEmptyListsIsUnchanged: the config gives empty (not
// absent) lists and maps; read back from the record they are absent, and
// a second deploy_infra must still change nothing.
func TestClusterSpecWithEmptyListsIsUnchanged(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	if _, err := ensureOps()[0].run(ctx, p); err != nil {
		t.Fatal(err)
	}
	spec := cluster
	spec.SSHAllowedSources, spec.APIServerAuthorizedRanges, spec.Tags = []string{}, []string{}, map[string]string{}
	if _, err := p.EnsureCluster(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if c, err := p.EnsureCluster(ctx, spec); err != nil || c.Changed() {
		t.Fatalf("second ensure: %v %v, want no change", c, err)
	}
}
