package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// Readiness is the last observed kstatus of one object.
type Readiness struct {
	Ref     ObjRef
	Status  status.Status // Current when ready
	Message string
	// Duration from the start of the wait until the object became Current
	// (or until the wait ended).
	Duration time.Duration
}

// WaitOptions tune WaitReady.
type WaitOptions struct {
	Timeout time.Duration // default 5 minutes
	// Interval is how often a kind the cluster does not serve yet (a CRD
	// applied a moment ago) is looked up again; default 1s. Objects are
	// watched, not polled: a change is seen as it happens.
	Interval time.Duration
	// OnReady is called once per object when it becomes Current.
	OnReady func(Readiness)
}

// NotReadyError lists the objects that were not Current when the wait ended.
type NotReadyError struct {
	Timeout  time.Duration
	NotReady []Readiness
}

func (e *NotReadyError) Error() string {
	parts := make([]string, 0, len(e.NotReady))
	for _, r := range e.NotReady {
		msg := fmt.Sprintf("%s: %s", r.Ref, r.Status)
		if r.Message != "" {
			msg += " (" + r.Message + ")"
		}
		parts = append(parts, msg)
	}
	return fmt.Sprintf("%d object(s) not ready after %s: %s", len(e.NotReady), e.Timeout, strings.Join(parts, "; "))
}

// WaitReady watches the objects until kstatus says every one is Current, or
// the timeout (or ctx) ends the wait; then the error is a *NotReadyError.
// The result has one entry per object, in the order given.
func (c *Client) WaitReady(ctx context.Context, refs []ObjRef, opts WaitOptions) ([]Readiness, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.Interval == 0 {
		opts.Interval = time.Second
	}
	start := time.Now()
	out := make([]Readiness, len(refs))
	done := make([]bool, len(refs))
	for i, r := range refs {
		out[i] = Readiness{Ref: r, Status: status.UnknownStatus}
	}
	if len(refs) == 0 {
		return out, nil
	}
	deadline := time.NewTimer(opts.Timeout)
	defer deadline.Stop()
	objs := c.watchObjects(ctx, refs, opts.Interval)
	defer objs.stop()
	for {
		pending := 0
		for i, r := range refs {
			if done[i] {
				continue
			}
			st, msg := observe(objs, r)
			out[i].Status, out[i].Message, out[i].Duration = st, msg, time.Since(start)
			if st == status.CurrentStatus {
				done[i] = true
				if opts.OnReady != nil {
					opts.OnReady(out[i])
				}
				continue
			}
			pending++
		}
		if pending == 0 {
			return out, nil
		}
		select {
		case <-objs.changed:
		case <-deadline.C:
			return out, notReady(out, done, opts.Timeout)
		case <-ctx.Done():
			return out, errors.Join(ctx.Err(), notReady(out, done, time.Since(start).Round(time.Second)))
		}
	}
}

func notReady(out []Readiness, done []bool, timeout time.Duration) error {
	e := &NotReadyError{Timeout: timeout}
	for i, r := range out {
		if !done[i] {
			e.NotReady = append(e.NotReady, r)
		}
	}
	sort.SliceStable(e.NotReady, func(i, j int) bool { return e.NotReady[i].Ref.String() < e.NotReady[j].Ref.String() })
	return e
}

// observe is the kstatus of one watched object.
func observe(objs *objectCache, r ObjRef) (status.Status, string) {
	live, p, err := objs.get(r)
	switch {
	case p == absent:
		return status.NotFoundStatus, "not found"
	case p == pending && err != nil:
		return status.UnknownStatus, err.Error()
	case p == pending:
		return status.UnknownStatus, "not listed yet"
	}
	st, err := status.Compute(live)
	if err != nil {
		return status.UnknownStatus, err.Error()
	}
	return st.Status, st.Message
}
