package phase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// recorder keeps the events a phase reports.
type recorder struct {
	mu     sync.Mutex
	events []ui.Event
}

func (r *recorder) Event(e ui.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// final returns "action=state" of every finished action, in report order.
func (r *recorder) final() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Action != "" && e.State != ui.StateRunning {
			out = append(out, e.Action+"="+e.State)
		}
	}
	return out
}

func change(op provider.Op, name string) Change {
	return Change{Op: op, Kind: "thing", Name: name}
}

// act returns an action whose Converge reports conv and Observe reports
// obs, counting calls.
func act(name string, obs, conv []Change, err error, calls *atomic.Int32) Action {
	return Action{
		Name:    name,
		Observe: func(context.Context) ([]Change, error) { return obs, nil },
		Converge: func(context.Context) ([]Change, error) {
			if calls != nil {
				calls.Add(1)
			}
			return conv, err
		},
	}
}

func states(res *Result) []string {
	var out []string
	for _, a := range res.Actions {
		out = append(out, a.Name+"="+a.State)
	}
	return out
}

func TestRunStates(t *testing.T) {
	boom := errors.New("boom")
	created := []Change{change(provider.OpCreate, "x")}
	same := []Change{change(provider.OpNone, "x")}
	for _, tc := range []struct {
		name    string
		dryRun  bool
		limit   int
		steps   []Step
		want    []string
		wantErr string
		exit    int
	}{
		{
			name:  "ok and changed",
			steps: Sequence(act("a", nil, same, nil, nil), act("b", nil, created, nil, nil), act("c", nil, nil, nil, nil)),
			want:  []string{"a=ok", "b=changed", "c=ok"},
		},
		{
			name:    "a failure stops the phase; later steps are skipped",
			steps:   Sequence(act("a", nil, created, nil, nil), act("b", nil, nil, boom, nil), act("c", nil, created, nil, nil), act("d", nil, nil, nil, nil)),
			want:    []string{"a=changed", "b=failed", "c=skipped", "d=skipped"},
			wantErr: `deploy: action "b" failed: boom`,
			exit:    1,
		},
		{
			name:    "in a step, actions not yet started are skipped",
			limit:   1,
			steps:   []Step{{act("a", nil, nil, boom, nil), act("b", nil, created, nil, nil)}, {act("c", nil, nil, nil, nil)}},
			want:    []string{"a=failed", "b=skipped", "c=skipped"},
			wantErr: `action "a" failed`,
			exit:    1,
		},
		{
			name:   "dry run reports the plan",
			dryRun: true,
			steps:  Sequence(act("a", created, nil, boom, nil), act("b", same, nil, boom, nil)),
			want:   []string{"a=planned", "b=ok"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			r := &Runner{DryRun: tc.dryRun, Concurrency: tc.limit, Reporter: rec}
			res, err := r.Run(context.Background(), Phase{Name: "deploy", Steps: tc.steps})
			if got := states(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("states %v, want %v", got, tc.want)
			}
			if got := rec.final(); len(got) != len(tc.want) {
				t.Errorf("reported %v, want one final event per action", got)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			var pe *PhaseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.wantErr) || pe.ExitCode() != tc.exit || !errors.Is(err, boom) {
				t.Errorf("error %v, want a PhaseError containing %q", err, tc.wantErr)
			}
			last := rec.events[len(rec.events)-1]
			if last.Action != "" || last.State != ui.StateFailed || !strings.Contains(last.Message, "1 failed") {
				t.Errorf("summary event %+v", last)
			}
		})
	}
}

// A dry run calls Observe only, and its summary lists the whole plan.
func TestDryRunNeverConverges(t *testing.T) {
	var calls atomic.Int32
	rec := &recorder{}
	ph := Phase{Name: "deploy_common", Steps: []Step{
		{act("rg", []Change{change(provider.OpCreate, "rg")}, nil, nil, &calls), act("kv", []Change{change(provider.OpUpdate, "kv")}, nil, nil, &calls)},
		{act("dns", []Change{change(provider.OpNone, "zone")}, nil, nil, &calls)},
	}}
	res, err := (&Runner{DryRun: true, Reporter: rec}).Run(context.Background(), ph)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Errorf("Converge called %d times in a dry run", calls.Load())
	}
	last := rec.events[len(rec.events)-1]
	if want := []string{"create thing rg", "update thing kv"}; last.State != ui.StatePlanned || !reflect.DeepEqual(last.Changes, want) {
		t.Errorf("summary %+v, want state planned and changes %v", last, want)
	}
	if last.Message != "2 would change, 1 ok" {
		t.Errorf("summary message %q", last.Message)
	}
	if len(res.Changes()) != 2 {
		t.Errorf("result changes %v", res.Changes())
	}
}

// No more than Concurrency actions of a step run at once, and the limit is
// reached.
func TestConcurrencyLimit(t *testing.T) {
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var running, peak atomic.Int32
			release := make(chan struct{})
			var step Step
			for i := range 10 {
				step = append(step, Action{
					Name:    fmt.Sprint("a", i),
					Observe: func(context.Context) ([]Change, error) { return nil, nil },
					Converge: func(context.Context) ([]Change, error) {
						n := running.Add(1)
						for {
							p := peak.Load()
							if n <= p || peak.CompareAndSwap(p, n) {
								break
							}
						}
						<-release
						running.Add(-1)
						return nil, nil
					},
				})
			}
			done := make(chan error)
			go func() {
				_, err := (&Runner{Concurrency: limit}).Run(context.Background(), Phase{Name: "p", Steps: []Step{step}})
				done <- err
			}()
			// Wait until the limit is reached, give extra goroutines a
			// chance to (wrongly) start, then let everything finish.
			deadline := time.Now().Add(10 * time.Second)
			for running.Load() < int32(limit) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := peak.Load(); got != int32(limit) {
				t.Errorf("peak concurrency %d, want %d", got, limit)
			}
		})
	}
}

// Ctrl-C: the running action sees a cancelled context, the rest is skipped,
// and the error asks to re-run, with exit code 130.
func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var laterCalls atomic.Int32
	ph := Phase{Name: "deploy_core", Steps: Sequence(
		act("first", nil, []Change{change(provider.OpCreate, "a")}, nil, nil),
		Action{
			Name:    "long wait",
			Observe: func(context.Context) ([]Change, error) { return nil, nil },
			Converge: func(ctx context.Context) ([]Change, error) {
				cancel() // the user presses Ctrl-C while this runs
				<-ctx.Done()
				return nil, fmt.Errorf("waiting for rollout: %w", ctx.Err())
			},
		},
		act("later", nil, nil, nil, &laterCalls),
	)}
	rec := &recorder{}
	res, err := (&Runner{Reporter: rec}).Run(ctx, ph)
	if want := []string{"first=changed", "long wait=interrupted", "later=skipped"}; !reflect.DeepEqual(states(res), want) {
		t.Errorf("states %v, want %v", states(res), want)
	}
	var ie *InterruptedError
	if !errors.As(err, &ie) || ie.ExitCode() != 130 || !strings.Contains(err.Error(), "re-run the same command to continue") {
		t.Errorf("error %v, want an InterruptedError", err)
	}
	if laterCalls.Load() != 0 || !res.Interrupted {
		t.Error("an action ran after the interrupt")
	}
	if last := rec.events[len(rec.events)-1]; last.State != ui.StateInterrupted {
		t.Errorf("summary %+v", last)
	}
}

func TestPanicIsAFailure(t *testing.T) {
	ph := Phase{Name: "p", Steps: Sequence(Action{
		Name:     "bad",
		Observe:  func(context.Context) ([]Change, error) { return nil, nil },
		Converge: func(context.Context) ([]Change, error) { panic("nil map") },
	}, act("next", nil, nil, nil, nil))}
	res, err := (&Runner{}).Run(context.Background(), ph)
	if err == nil || !strings.Contains(err.Error(), "panic: nil map") {
		t.Errorf("error %v", err)
	}
	if want := []string{"bad=failed", "next=skipped"}; !reflect.DeepEqual(states(res), want) {
		t.Errorf("states %v", states(res))
	}
}

func TestValidate(t *testing.T) {
	ok := act("a", nil, nil, nil, nil)
	for _, tc := range []struct {
		ph   Phase
		want string
	}{
		{Phase{Name: "p", Steps: Sequence(ok, ok)}, `action "a" is declared twice`},
		{Phase{Name: "p", Steps: Sequence(Action{Name: "x", Converge: ok.Converge})}, `action "x" needs both Observe and Converge`},
		{Phase{Name: "p", Steps: Sequence(Action{Observe: ok.Observe, Converge: ok.Converge})}, "an action has no name"},
		{Phase{Steps: Sequence(ok)}, "the phase has no name"},
	} {
		var calls atomic.Int32
		if _, err := (&Runner{}).Run(context.Background(), tc.ph); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
		if calls.Load() != 0 {
			t.Error("an invalid phase ran actions")
		}
	}
}

// A secret in an action's error never reaches the text output, the JSON
// output, or the error the command prints.
func TestSecretsNeverReachOutput(t *testing.T) {
	const secret = "mongo-Adm1n-Pa55"
	red := ui.NewRedactor([]string{secret})
	for _, jsonOut := range []bool{false, true} {
		var buf bytes.Buffer
		printer := ui.New(&buf, ui.Options{JSON: jsonOut, Debug: true, Redactor: red})
		ph := Phase{Name: "deploy_system", Steps: Sequence(
			act("mongodb secret", nil, nil, fmt.Errorf("create secret: password %q rejected by policy", secret), nil),
			act("later", nil, nil, nil, nil),
		)}
		_, err := (&Runner{Reporter: printer, Redact: red.Redact}).Run(context.Background(), ph)
		printer.Close()
		if err == nil {
			t.Fatal("no error")
		}
		if strings.Contains(buf.String(), secret) || strings.Contains(err.Error(), secret) {
			t.Errorf("json=%v: secret leaked:\n%s\nerror: %v", jsonOut, buf.String(), err)
		}
		if !strings.Contains(buf.String(), "<redacted>") || !strings.Contains(err.Error(), "<redacted>") {
			t.Errorf("json=%v: the failure is not shown redacted:\n%s\nerror: %v", jsonOut, buf.String(), err)
		}
	}
}
