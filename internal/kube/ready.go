package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
	Timeout  time.Duration // default 5 minutes
	Interval time.Duration // poll interval, default 1s
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

// WaitReady polls the objects until kstatus says every one is Current, or
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
	deadline := time.NewTimer(opts.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	for {
		pending := 0
		for i, r := range refs {
			if done[i] {
				continue
			}
			st, msg := c.observe(ctx, r)
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
		case <-tick.C:
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

func (c *Client) observe(ctx context.Context, r ObjRef) (status.Status, string) {
	probe := &unstructured.Unstructured{}
	probe.SetGroupVersionKind(r.GVK())
	probe.SetNamespace(r.Namespace)
	probe.SetName(r.Name)
	res, _, err := c.resource(probe)
	if err != nil {
		return status.UnknownStatus, err.Error()
	}
	live, err := res.Get(ctx, r.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return status.NotFoundStatus, "not found"
	}
	if err != nil {
		return status.UnknownStatus, err.Error()
	}
	st, err := status.Compute(live)
	if err != nil {
		return status.UnknownStatus, err.Error()
	}
	return st.Status, st.Message
}
