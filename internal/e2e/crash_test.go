package e2e

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashConsistency SIGKILLs deploy_system, deploy_core, delete_core and
// delete_system at random points, then re-runs each: the re-run must
// succeed, a third run must report zero changes, and the namespaces must be
// really there (after a deploy) or really gone (after a delete), never
// terminating. AURA_CRASH_SEED replays a run; AURA_CRASH_TRIALS sets how
// many cycles run (default 2).
func TestCrashConsistency(t *testing.T) {
	requireBinaries(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AURA_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("AURA_CRASH_SEED: %v", err)
		}
	}
	trials := 2
	if s := os.Getenv("AURA_CRASH_TRIALS"); s != "" {
		trials, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with AURA_CRASH_SEED=%d), %d trials", seed, seed, trials)
	rnd := rand.New(rand.NewPCG(seed, seed))

	w := newWorkspace(t, "")
	t.Cleanup(func() {
		w.aura("delete_infra")
		w.aura("delete_common", "--yes")
	})
	w.ok("deploy_common")
	w.ok("deploy_infra")

	// A kill lands anywhere from the start to the end of what a full run of
	// the phase took last time.
	took := map[string]time.Duration{}
	steps := []struct {
		args      []string
		namespace string
		present   bool
	}{
		{[]string{"deploy_system"}, "aura-system", true},
		{[]string{"deploy_core"}, "aura-ap-dev", true},
		{[]string{"delete_core", "--full"}, "aura-ap-dev", false},
		{[]string{"delete_system"}, "aura-system", false},
	}
	for trial := 1; trial <= trials; trial++ {
		for _, s := range steps {
			phase := strings.Join(s.args, " ")
			limit := took[phase]
			if limit == 0 {
				limit = 6 * time.Second
			}
			delay := time.Duration(rnd.Int64N(int64(limit)))
			killed := w.killAfter(delay, s.args...)
			t.Logf("trial %d: %s killed after %s: %v", trial, phase, delay.Round(time.Millisecond), killed)

			start := time.Now()
			w.ok(s.args...)
			took[phase] = time.Since(start)
			if ch := w.ok(s.args...).changed(); len(ch) != 0 {
				t.Fatalf("trial %d (seed %d): %s after a kill at %s and a re-run still reports changes: %v", trial, seed, phase, delay, ch)
			}
			got := w.namespacePhase(s.namespace)
			if s.present && got != "Active" || !s.present && got != "" {
				t.Fatalf("trial %d (seed %d): after %s namespace %s is %q", trial, seed, phase, s.namespace, got)
			}
		}
	}
	if left := w.snapshot(); len(left) != 0 {
		t.Fatalf("objects left after the last delete: %v", keys(left))
	}
}

// namespacePhase is Active, Terminating or "" when the namespace is gone.
func (w *workspace) namespacePhase(ns string) string {
	w.t.Helper()
	out := w.kubectl("get", "namespace", "--ignore-not-found", ns, "-o", "jsonpath={.status.phase}")
	return strings.TrimSpace(out)
}
