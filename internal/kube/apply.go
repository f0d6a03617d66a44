package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Result is what happened to one object.
type Result struct {
	Ref      ObjRef
	Action   Action
	Duration time.Duration
	Err      error
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// OnResult is called once per object as soon as it is done (from
	// several goroutines, never concurrently).
	OnResult func(Result)
	// CRDTimeout bounds the wait for applied CRDs to be established
	// before their custom resources are applied; default 60s.
	CRDTimeout time.Duration
	// WaitDeleted, when set, bounds a wait after the deletes until the
	// deleted objects are gone (WaitGone): a delete phase is done when its
	// namespaces and finalized objects no longer exist, not when they start
	// terminating. The inventory record keeps them until then, so a run
	// interrupted during the wait is followed by one that waits again.
	// It also bounds the wait for a desired object that is still
	// terminating (default 5 minutes).
	WaitDeleted time.Duration
	// OnWait is called before Apply waits for a terminating object that it
	// must create again (e.g. a namespace an earlier delete left behind).
	OnWait func(ObjRef)
}

// Apply executes a plan: namespaces and CRDs first (waiting for the CRDs to
// be established), then every other create/update with bounded concurrency,
// then deletes (namespaces last). Unchanged objects are not touched, so a
// re-run with nothing to do changes no resourceVersion. The inventory record
// is written at the end. The returned error joins every object's error.
func (c *Client) Apply(ctx context.Context, plan *Plan, opts ApplyOptions) ([]Result, error) {
	if opts.CRDTimeout == 0 {
		opts.CRDTimeout = 60 * time.Second
	}
	var (
		mu      sync.Mutex
		results []Result
		errs    []error
	)
	report := func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.Action, r.Ref, r.Err))
		}
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}

	var first, rest, deletes, deleteNS []Change
	for _, ch := range plan.Changes {
		switch {
		case ch.Action == ActionUnchanged:
			report(Result{Ref: ch.Ref, Action: ActionUnchanged})
		case ch.Action == ActionDelete && isNamespace(ch.Ref):
			deleteNS = append(deleteNS, ch)
		case ch.Action == ActionDelete:
			deletes = append(deletes, ch)
		case isNamespace(ch.Ref) || isCRD(ch.Ref):
			first = append(first, ch)
		default:
			rest = append(rest, ch)
		}
	}

	waitTerminating := opts.WaitDeleted
	if waitTerminating == 0 {
		waitTerminating = 5 * time.Minute
	}
	applyOne := func(ctx context.Context, ch Change) error {
		if ch.Terminating {
			if opts.OnWait != nil {
				opts.OnWait(ch.Ref)
			}
			if err := c.WaitGone(ctx, []ObjRef{ch.Ref}, waitTerminating); err != nil {
				return err
			}
		}
		return c.applyOne(ctx, ch)
	}
	c.run(ctx, first, applyOne, report)
	var crds []ObjRef
	for _, ch := range first {
		if isCRD(ch.Ref) {
			crds = append(crds, ch.Ref)
		}
	}
	if len(crds) > 0 {
		if _, err := c.WaitReady(ctx, crds, WaitOptions{Timeout: opts.CRDTimeout}); err != nil {
			mu.Lock()
			errs = append(errs, fmt.Errorf("CRDs not established: %w", err))
			mu.Unlock()
		}
		c.mapper.Reset()
	}
	c.run(ctx, rest, applyOne, report)
	c.run(ctx, deletes, c.deleteOne, report)
	c.run(ctx, deleteNS, c.deleteOne, report)

	if opts.WaitDeleted > 0 && len(errs) == 0 {
		var gone []ObjRef
		for _, ch := range append(deletes, deleteNS...) {
			gone = append(gone, ch.Ref)
		}
		if err := c.WaitGone(ctx, gone, opts.WaitDeleted); err != nil {
			errs = append(errs, err)
		}
	}
	// After a failure keep every previously recorded object too, so that a
	// later run still knows what to prune (or wait for).
	refs := plan.desired
	if len(errs) > 0 {
		refs = dedupe(append(append([]ObjRef{}, plan.desired...), plan.record.refs...))
	}
	if err := c.writeRecord(ctx, plan.Inventory, record{refs: refs, owners: plan.owners}, plan.record); err != nil {
		errs = append(errs, err)
	}
	return results, errors.Join(errs...)
}

func (c *Client) run(ctx context.Context, changes []Change, do func(context.Context, Change) error, report func(Result)) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Concurrency)
	for _, ch := range changes {
		g.Go(func() error {
			start := time.Now()
			err := do(gctx, ch)
			report(Result{Ref: ch.Ref, Action: ch.Action, Duration: time.Since(start), Err: err})
			return nil // one object's failure must not cancel the others
		})
	}
	_ = g.Wait()
}

func (c *Client) applyOne(ctx context.Context, ch Change) error {
	res, _, err := c.resource(ch.Object)
	if err != nil {
		return err
	}
	_, err = res.Apply(ctx, ch.Object.GetName(), ch.Object, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	return err
}

func (c *Client) deleteOne(ctx context.Context, ch Change) error {
	if ch.Terminating {
		return nil // already being deleted: only waited for
	}
	res, _, err := c.resource(ch.Object)
	if err != nil {
		return err
	}
	policy := metav1.DeletePropagationBackground
	// Preconditions: never delete an object that was replaced since the plan.
	uid := ch.Object.GetUID()
	err = res.Delete(ctx, ch.Object.GetName(), metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func isNamespace(r ObjRef) bool { return r.Group == "" && r.Kind == "Namespace" }

func isCRD(r ObjRef) bool {
	return r.Group == "apiextensions.k8s.io" && r.Kind == "CustomResourceDefinition"
}

func dedupe(refs []ObjRef) []ObjRef {
	seen := map[string]bool{}
	var out []ObjRef
	for _, r := range refs {
		if !seen[r.key()] {
			seen[r.key()] = true
			out = append(out, r)
		}
	}
	return out
}
