package phase

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// objectsFunc renders the desired objects of an inventory.
type objectsFunc func(ctx context.Context) ([]*unstructured.Unstructured, error)

// kubeChanges turns a Kubernetes plan into the runner's changes.
func kubeChanges(p *kube.Plan) []Change {
	out := make([]Change, 0, len(p.Changes))
	for _, c := range p.Changes {
		op := provider.OpNone
		switch c.Action {
		case kube.ActionCreate:
			op = provider.OpCreate
		case kube.ActionUpdate:
			op = provider.OpUpdate
		case kube.ActionDelete:
			op = provider.OpDelete
		}
		name := c.Ref.Name
		if c.Ref.Namespace != "" {
			name = c.Ref.Namespace + "/" + c.Ref.Name
		}
		detail := strings.Join(c.Fields, ", ")
		if c.Terminating {
			detail = "terminating: waiting until gone"
		}
		out = append(out, Change{Op: op, Kind: c.Ref.Kind, Name: name, Detail: detail})
	}
	if len(p.KeptFor) > 0 {
		out = append(out, Change{Op: provider.OpNone, Kind: "shared objects", Name: p.Inventory.RecordName(),
			Detail: "kept: still used by " + strings.Join(p.KeptFor, ", ")})
	}
	return out
}

// applyAction plans the desired objects of inv against the cluster and, on
// Converge, applies the plan: server-side apply, then pruning of what the
// inventory holds but is no longer desired.
func (e *Env) applyAction(name string, inv kube.Inventory, desired objectsFunc, opts kube.PlanOptions) Action {
	return e.applyActionWith(name, inv, desired, func(context.Context) (kube.PlanOptions, error) { return opts, nil })
}

// applyActionWith is applyAction with plan options that depend on what
// earlier steps render.
func (e *Env) applyActionWith(name string, inv kube.Inventory, desired objectsFunc, options func(context.Context) (kube.PlanOptions, error)) Action {
	plan := func(ctx context.Context) (*kube.Client, *kube.Plan, error) {
		c, err := e.Kube(ctx)
		if err != nil {
			return nil, nil, err
		}
		objs, err := desired(ctx)
		if err != nil {
			return nil, nil, err
		}
		opts, err := options(ctx)
		if err != nil {
			return nil, nil, err
		}
		p, err := c.Plan(ctx, inv, objs, opts)
		return c, p, err
	}
	return Action{
		Name: name,
		Observe: func(ctx context.Context) ([]Change, error) {
			_, p, err := plan(ctx)
			if err != nil {
				return nil, err
			}
			return kubeChanges(p), nil
		},
		Converge: func(ctx context.Context) ([]Change, error) {
			c, p, err := plan(ctx)
			if err != nil {
				return nil, err
			}
			// Waiting for deletes: an object an operator finalizes must be
			// gone before a later step may remove that operator.
			_, err = c.Apply(ctx, p, kube.ApplyOptions{WaitDeleted: deleteTimeout, OnWait: func(r kube.ObjRef) {
				e.notify(fmt.Sprintf("%s: %s is still terminating (an earlier delete); waiting until it is gone to create it again", name, r))
			}})
			return kubeChanges(p), err
		},
	}
}

// deleteTimeout bounds the wait for deleted objects to be gone: operators'
// finalizers (Atlas, aura-operator's Agents) may take minutes on a real
// cluster; a local namespace takes seconds, also right after a restart.
const deleteTimeout = 5 * time.Minute

// workloadKinds are the kinds whose readiness a phase waits for.
var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "Namespace": true, "CustomResourceDefinition": true}

// waitAction waits until every workload of the desired set is Current by
// kstatus: the phase's health check. A dry run has nothing to wait for.
func (e *Env) waitAction(name string, desired objectsFunc, timeout time.Duration) Action {
	return Action{
		Name:    name,
		Observe: func(context.Context) ([]Change, error) { return nil, nil },
		Converge: func(ctx context.Context) ([]Change, error) {
			c, err := e.Kube(ctx)
			if err != nil {
				return nil, err
			}
			objs, err := desired(ctx)
			if err != nil {
				return nil, err
			}
			var refs []kube.ObjRef
			for _, o := range objs {
				if workloadKinds[o.GetKind()] {
					refs = append(refs, kube.RefOf(o))
				}
			}
			_, err = c.WaitReady(ctx, refs, kube.WaitOptions{Timeout: timeout})
			return nil, err
		},
	}
}

// fileAction keeps one output file (output_install/…) at the content
// content() returns; an unchanged file is not rewritten.
func fileAction(name, path string, content func(ctx context.Context) ([]byte, error)) Action {
	diff := func(ctx context.Context) (Change, []byte, error) {
		want, err := content(ctx)
		if err != nil {
			return Change{}, nil, err
		}
		ch := Change{Op: provider.OpNone, Kind: "file", Name: path}
		have, err := os.ReadFile(path)
		switch {
		case os.IsNotExist(err):
			ch.Op = provider.OpCreate
		case err != nil:
			return ch, nil, err
		case !bytes.Equal(have, want):
			ch.Op = provider.OpUpdate
		}
		return ch, want, nil
	}
	return Action{
		Name: name,
		Observe: func(ctx context.Context) ([]Change, error) {
			ch, _, err := diff(ctx)
			return []Change{ch}, err
		},
		Converge: func(ctx context.Context) ([]Change, error) {
			ch, want, err := diff(ctx)
			if err != nil || !ch.Changed() {
				return []Change{ch}, err
			}
			return []Change{ch}, writeFileAtomic(path, want)
		},
	}
}

// removeFileAction deletes an output file that a delete phase makes stale.
func removeFileAction(name, path string) Action {
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return func(context.Context) ([]Change, error) {
			ch := Change{Op: provider.OpNone, Kind: "file", Name: path}
			if _, err := os.Stat(path); err != nil {
				if os.IsNotExist(err) {
					return []Change{ch}, nil
				}
				return nil, err
			}
			ch.Op = provider.OpDelete
			if !dry {
				if err := os.Remove(path); err != nil {
					return nil, err
				}
				_ = os.Remove(filepath.Dir(path)) // only when empty
			}
			return []Change{ch}, nil
		}
	}
	return Action{Name: name, Observe: run(true), Converge: run(false)}
}

// writeFileAtomic writes 0600 (the files hold cluster credentials) via a
// temporary file, so an interrupted run never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
