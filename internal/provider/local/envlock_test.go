package local

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func holder(cmd string) provider.LockHolder {
	return provider.LockHolder{Command: cmd, PID: os.Getpid(), User: "tester", Host: "here", Since: time.Now().UTC()}
}

func TestLockIsExclusiveNamesItsHolderAndLeavesNothing(t *testing.T) {
	state := filepath.Join(t.TempDir(), ".aura", "state")
	p, err := New(Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unlock, err := p.Lock(ctx, "environment-es-dev", holder("aura deploy_system"), false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Lock(ctx, "environment-es-dev", holder("aura delete_system"), false)
	var locked *provider.LockedError
	if !errors.As(err, &locked) || locked.Holder.Command != "aura deploy_system" || !strings.Contains(err.Error(), "aura deploy_system") {
		t.Fatalf("second lock: %v, want a LockedError naming `aura deploy_system`", err)
	}
	other, err := p.Lock(ctx, "environment-es-dev-t1", holder("aura deploy_core"), false)
	if err != nil {
		t.Fatalf("another environment's lock: %v", err)
	}
	other()

	got := make(chan error, 1)
	go func() {
		u, err := p.Lock(ctx, "environment-es-dev", holder("aura delete_system"), true)
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a queued lock returned (%v) while the lock is held", err)
	case <-time.After(500 * time.Millisecond):
	}
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("queued lock after unlock: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a queued lock did not get the lock after it was released")
	}
	if _, err := os.Stat(filepath.Dir(state)); !os.IsNotExist(err) {
		t.Fatalf("locking left %s behind: %v", filepath.Dir(state), err)
	}
}

// TestHelperHoldLock is not a test: TestLockOfAKilledRunIsFree runs the test
// binary as a process that takes a lock and waits to be killed.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("AURA_TEST_HOLD_LOCK")
	if dir == "" {
		t.Skip("helper process only")
	}
	p, err := New(Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Lock(context.Background(), "environment-es-dev", holder("aura deploy_core"), false); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("held\n")
	time.Sleep(time.Minute)
}

func TestLockOfAKilledRunIsFree(t *testing.T) {
	state := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "AURA_TEST_HOLD_LOCK="+state)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "held\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("helper process: %q", line)
	}
	p, err := New(Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = p.Lock(ctx, "environment-es-dev", holder("aura deploy_core"), false)
	if err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
		t.Fatalf("lock held by the helper: %v, want its pid named", err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to unlock
		t.Fatal(err)
	}
	_ = cmd.Wait()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	unlock, err := p.Lock(ctx, "environment-es-dev", holder("aura deploy_core"), true)
	if err != nil {
		t.Fatalf("the lock of a killed run is still taken: %v", err)
	}
	unlock()
}

// TestRunLockLeavesTheProviderLocksFree: the cluster lock a command holds
// must not be the lock file the provider takes around a cluster operation
// (they once shared a name, and deploy_infra waited for itself forever).
func TestRunLockLeavesTheProviderLocksFree(t *testing.T) {
	p, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := p.Lock(ctx, "cluster-auraclusterdevap", holder("aura deploy_infra"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	inner, err := p.lockCluster(ctx, provider.ClusterRef{ResourceGroup: "auraclusterdevap", Name: "auraclusterdevap"})
	if err != nil {
		t.Fatalf("the provider's cluster lock while the run holds its lock: %v", err)
	}
	inner()
}
