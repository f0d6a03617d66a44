package localcluster

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNewRejectsBadPools(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pools []Pool
		want  string
	}{
		{"bad name", []Pool{{Name: "Common", Mode: "User", Count: 1}}, `pools[0].name "Common"`},
		{"duplicate", []Pool{{Name: "a", Mode: "User"}, {Name: "a", Mode: "User"}}, `pools[1].name "a": duplicate`},
		{"bad mode", []Pool{{Name: "a", Mode: "system"}}, `pools[0].mode "system": want System or User`},
		{"negative count", []Pool{{Name: "a", Mode: "User", Count: -1}}, `pools[0].count -1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{Dir: t.TempDir(), Pools: tc.pools})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New() error = %v, want it to mention %s", err, tc.want)
			}
		})
	}
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "state directory") {
		t.Errorf("New without Dir: error = %v, want one about the state directory", err)
	}
}

func TestDefaultPoolsFollowTheGuide(t *testing.T) {
	got := map[string]Pool{}
	for _, p := range DefaultPools() {
		got[p.Name] = p
	}
	for name, want := range map[string]Pool{
		"common":     {Name: "common", Mode: "User", Count: 2, VMSize: "Standard_D4as_v4"},
		"management": {Name: "management", Mode: "User", Count: 3, VMSize: "Standard_D4as_v4"},
		"system":     {Name: "system", Mode: "System", Count: 2, VMSize: "Standard_D2as_v4"},
	} {
		if got[name] != want {
			t.Errorf("pool %s = %+v, want %+v", name, got[name], want)
		}
	}
}

func TestFindBinariesNamesWhatIsMissingAndHowToBuildIt(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"etcd", "kubectl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Present but not executable counts as missing.
	if err := os.WriteFile(filepath.Join(dir, "kwok"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := FindBinaries(dir)
	var missing *MissingBinariesError
	if !errors.As(err, &missing) || !IsMissingBinaries(err) {
		t.Fatalf("FindBinaries error = %v, want a *MissingBinariesError", err)
	}
	want := "kube-apiserver, kube-controller-manager, kube-scheduler, kwok, kwokctl"
	if got := strings.Join(missing.Missing, ", "); got != want {
		t.Errorf("missing = %s, want %s", got, want)
	}
	if !strings.Contains(err.Error(), "hack/tools/build.sh") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q should name the directory and hack/tools/build.sh", err)
	}
}

func TestStatusOfAFreshDirectoryIsAbsent(t *testing.T) {
	cl, err := New(Options{Dir: filepath.Join(t.TempDir(), "none")})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := cl.Status(t.Context()); err != nil || st != StatusAbsent {
		t.Fatalf("Status = %q, %v; want absent", st, err)
	}
	if _, err := cl.Stop(t.Context()); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Stop on an absent cluster: error = %v, want 'does not exist'", err)
	}
	if _, err := cl.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "create it first") {
		t.Errorf("Start on an absent cluster: error = %v, want 'create it first'", err)
	}
	if deleted, err := cl.Delete(t.Context()); err != nil || deleted {
		t.Errorf("Delete on an absent cluster = %v, %v; want false, nil", deleted, err)
	}
}

// The Go side and hack/tools/build.sh must agree on where the binaries live.
func TestDefaultBinDirMatchesBuildScript(t *testing.T) {
	t.Setenv(BinDirEnv, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out, err := exec.Command("bash", "../../hack/tools/build.sh", "--print-dir").Output()
	if err != nil {
		t.Fatalf("build.sh --print-dir: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), DefaultBinDir(); got != want {
		t.Errorf("build.sh puts binaries in %s, the Go code looks in %s", got, want)
	}
}

// A lease a stopped kwok renewed before the start is released; one without a
// holder, or renewed by the kwok of this start, is left alone; only the
// latter counts as kwok managing the node.
func TestNodeLeaseStaleAndHeld(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	lease := func(holder string, renewed time.Time) *coordinationv1.Lease {
		l := &coordinationv1.Lease{}
		if holder != "" {
			l.Spec.HolderIdentity = &holder
		}
		if !renewed.IsZero() {
			l.Spec.RenewTime = &metav1.MicroTime{Time: renewed}
		}
		return l
	}
	for _, tc := range []struct {
		name        string
		lease       *coordinationv1.Lease
		since       time.Time
		stale, held bool
	}{
		{"held by the stopped kwok", lease("old", start.Add(-time.Second)), start, true, false},
		{"renewed by this start's kwok", lease("new", start.Add(time.Second)), start, false, true},
		{"released", lease("", start.Add(-time.Hour)), start, false, false},
		{"on stop, every held lease", lease("running", start), time.Time{}, true, true},
		{"held but never renewed", lease("odd", time.Time{}), start, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := stale(tc.lease, tc.since); got != tc.stale {
				t.Errorf("stale = %v, want %v", got, tc.stale)
			}
			if got := leaseHeld(tc.lease, tc.since); got != tc.held {
				t.Errorf("leaseHeld = %v, want %v", got, tc.held)
			}
		})
	}
}
