// Package phase holds the deployment phases (common, infra, system, core,
// their deletes, dns, stop/start, local modules) and the runner they share.
// A phase is a short ordered list of steps; a step is a set of independent
// actions that run concurrently (bounded). Each action can Observe (what
// would change, for --dry-run) and Converge (make it so, reporting what
// changed), following kind's pkg/cluster/internal/create/actions pattern.
package phase

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// Change is what an action did or would do; providers and Kubernetes
// appliers report the same type.
type Change = provider.Change

// Action is one idempotent unit of a phase. Both functions must honour ctx
// between writes and never stop in the middle of one.
type Action struct {
	Name string
	// Observe computes the difference to the desired state without
	// changing anything (--dry-run).
	Observe func(ctx context.Context) ([]Change, error)
	// Converge makes the desired state real and returns what changed;
	// a second run returns only unchanged (or no) changes.
	Converge func(ctx context.Context) ([]Change, error)
}

// Step is a set of independent actions; they run concurrently.
type Step []Action

// Phase is a named, ordered list of steps.
type Phase struct {
	Name  string
	Steps []Step
}

// Sequence makes one step per action: they run one after the other.
func Sequence(actions ...Action) []Step {
	steps := make([]Step, len(actions))
	for i, a := range actions {
		steps[i] = Step{a}
	}
	return steps
}

// ActionResult is the outcome of one action.
type ActionResult struct {
	Name     string
	State    string // ui.StateOK, StateChanged, StatePlanned, StateFailed, StateSkipped, StateInterrupted
	Duration time.Duration
	Changes  []Change // everything the action reported, unchanged ones included
	Err      error
}

// Result is the outcome of a phase: one ActionResult per action, in the
// order the phase declares them.
type Result struct {
	Phase       string
	DryRun      bool
	Duration    time.Duration
	Actions     []ActionResult
	Interrupted bool
}

// Count returns how many actions ended in state.
func (r *Result) Count(state string) int {
	n := 0
	for _, a := range r.Actions {
		if a.State == state {
			n++
		}
	}
	return n
}

// Changes returns every change that did (or, in a dry run, would) modify
// something, in action order.
func (r *Result) Changes() []Change {
	var out []Change
	for _, a := range r.Actions {
		for _, c := range a.Changes {
			if c.Changed() {
				out = append(out, c)
			}
		}
	}
	return out
}

// Reporter receives progress; *ui.Printer is one.
type Reporter interface{ Event(ui.Event) }

// Runner runs phases.
type Runner struct {
	DryRun      bool                // Observe only, then print the plan
	Concurrency int                 // actions running at once within a step; <= 0 means 4
	Reporter    Reporter            // nil reports nothing
	Redact      func(string) string // applied to error texts the runner returns; nil keeps them
	now         func() time.Time
}

// PhaseError says which action failed; its text is redacted. Exit code 1.
type PhaseError struct {
	Phase, Action string
	Err           error
	msg           string
}

func (e *PhaseError) Error() string { return e.msg }
func (e *PhaseError) Unwrap() error { return e.Err }

// ExitCode makes aura exit 1.
func (e *PhaseError) ExitCode() int { return 1 }

// InterruptedError is returned when ctx was cancelled (Ctrl-C): finished
// actions are kept, and re-running the command continues. Exit code 130.
type InterruptedError struct{ Phase string }

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("%s interrupted: what finished is kept; re-run the same command to continue", e.Phase)
}

// ExitCode is 128+SIGINT, as shells report an interrupted command.
func (e *InterruptedError) ExitCode() int { return 130 }

// Validate reports a phase that cannot run (a programming error), before
// anything is done.
func Validate(ph Phase) error {
	var problems []string
	seen := map[string]bool{}
	for _, st := range ph.Steps {
		for _, a := range st {
			switch {
			case a.Name == "":
				problems = append(problems, "an action has no name")
			case seen[a.Name]:
				problems = append(problems, fmt.Sprintf("action %q is declared twice", a.Name))
			}
			seen[a.Name] = true
			if a.Observe == nil || a.Converge == nil {
				problems = append(problems, fmt.Sprintf("action %q needs both Observe and Converge", a.Name))
			}
		}
	}
	if ph.Name == "" {
		problems = append(problems, "the phase has no name")
	}
	if len(problems) > 0 {
		return fmt.Errorf("phase %q: %s", ph.Name, strings.Join(problems, "; "))
	}
	return nil
}

// Run runs the phase: steps in order, the actions of a step concurrently.
// The first failed action stops the phase: actions already running finish,
// the rest are reported skipped. A cancelled ctx (Ctrl-C) stops the same
// way and returns *InterruptedError.
func (r *Runner) Run(ctx context.Context, ph Phase) (*Result, error) {
	if err := Validate(ph); err != nil {
		return nil, err
	}
	now := r.now
	if now == nil {
		now = time.Now
	}
	start := now()
	res := &Result{Phase: ph.Name, DryRun: r.DryRun}
	started := ui.Event{Phase: ph.Name, State: ui.StateStarted}
	if r.DryRun {
		started.Message = "dry run: observing only, nothing will be changed"
	}
	r.report(started)

	var failed *ActionResult
	for _, st := range ph.Steps {
		results := make([]ActionResult, len(st))
		if failed == nil && ctx.Err() == nil {
			r.runStep(ctx, ph.Name, st, results, now)
		} else {
			for i, a := range st {
				results[i] = r.skip(ph.Name, a.Name, failed)
			}
		}
		res.Actions = append(res.Actions, results...)
		for i := range results {
			if failed == nil && results[i].State == ui.StateFailed {
				failed = &results[i]
			}
		}
	}
	res.Duration = now().Sub(start)
	// A Ctrl-C after the last action finished interrupted nothing.
	res.Interrupted = ctx.Err() != nil && (res.Count(ui.StateInterrupted) > 0 || (failed == nil && res.Count(ui.StateSkipped) > 0))

	var err error
	switch {
	case res.Interrupted:
		err = &InterruptedError{Phase: ph.Name}
	case failed != nil:
		err = &PhaseError{Phase: ph.Name, Action: failed.Name, Err: failed.Err,
			msg: r.redact(fmt.Sprintf("%s: action %q failed: %v", ph.Name, failed.Name, failed.Err))}
	}
	r.report(r.summary(res, err))
	return res, err
}

func (r *Runner) runStep(ctx context.Context, phase string, st Step, out []ActionResult, now func() time.Time) {
	limit := r.Concurrency
	if limit <= 0 {
		limit = 4
	}
	var (
		g        errgroup.Group
		stop     atomic.Bool
		mu       sync.Mutex
		firstBad *ActionResult
	)
	g.SetLimit(limit)
	for i, a := range st {
		g.Go(func() error {
			if stop.Load() || ctx.Err() != nil {
				mu.Lock() // firstBad is set before stop
				bad := firstBad
				mu.Unlock()
				out[i] = r.skip(phase, a.Name, bad)
				return nil
			}
			out[i] = r.runAction(ctx, phase, a, now)
			if out[i].State == ui.StateFailed {
				mu.Lock()
				if firstBad == nil {
					firstBad = &out[i]
				}
				mu.Unlock()
				stop.Store(true)
			}
			return nil
		})
	}
	_ = g.Wait() // actions never return errors to the group; results carry them
}

func (r *Runner) runAction(ctx context.Context, phase string, a Action, now func() time.Time) ActionResult {
	r.report(ui.Event{Phase: phase, Action: a.Name, State: ui.StateRunning})
	start := now()
	fn := a.Converge
	if r.DryRun {
		fn = a.Observe
	}
	changes, err := call(ctx, fn)
	res := ActionResult{Name: a.Name, Duration: now().Sub(start), Changes: changes, Err: err}
	var descr []string
	for _, c := range changes {
		if c.Changed() {
			descr = append(descr, c.String())
		}
	}
	ev := ui.Event{Phase: phase, Action: a.Name, Duration: res.Duration, Changes: descr}
	switch {
	case err != nil && ctx.Err() != nil:
		res.State, ev.Message = ui.StateInterrupted, "interrupted"
	case err != nil:
		res.State, ev.Message = ui.StateFailed, err.Error()
	case len(descr) == 0:
		res.State = ui.StateOK
	case r.DryRun:
		res.State = ui.StatePlanned
	default:
		res.State = ui.StateChanged
	}
	ev.State = res.State
	r.report(ev)
	return res
}

// call runs fn, turning a panic into an error so that the phase still
// reports every action and returns.
func call(ctx context.Context, fn func(context.Context) ([]Change, error)) (ch []Change, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx)
}

func (r *Runner) skip(phase, name string, failed *ActionResult) ActionResult {
	msg := "not run: interrupted"
	if failed != nil {
		msg = fmt.Sprintf("not run: %q failed", failed.Name)
	}
	r.report(ui.Event{Phase: phase, Action: name, State: ui.StateSkipped, Message: msg})
	return ActionResult{Name: name, State: ui.StateSkipped}
}

// summary is the phase's last event: counts by state and, in a dry run,
// the whole plan.
func (r *Runner) summary(res *Result, err error) ui.Event {
	ev := ui.Event{Phase: res.Phase, Duration: res.Duration, State: ui.StateDone}
	var parts []string
	for _, s := range []string{ui.StateChanged, ui.StatePlanned, ui.StateOK, ui.StateFailed, ui.StateInterrupted, ui.StateSkipped} {
		if n := res.Count(s); n > 0 {
			label := s
			if s == ui.StatePlanned {
				label = "would change"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no actions")
	}
	ev.Message = strings.Join(parts, ", ")
	var ie *InterruptedError
	switch {
	case errors.As(err, &ie):
		ev.State = ui.StateInterrupted
		ev.Message += "; re-run the same command to continue"
	case err != nil:
		ev.State = ui.StateFailed
		ev.Message += "; fix the cause and re-run: finished actions are kept"
	case res.DryRun:
		ev.State = ui.StatePlanned
		for _, c := range res.Changes() {
			ev.Changes = append(ev.Changes, c.String())
		}
	}
	return ev
}

func (r *Runner) report(e ui.Event) {
	if r.Reporter != nil {
		r.Reporter.Event(e)
	}
}

func (r *Runner) redact(s string) string {
	if r.Redact == nil {
		return s
	}
	return r.Redact(s)
}
