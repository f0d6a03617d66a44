package kube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Action is what applying a plan does to one object.
type Action string

// Actions of a plan.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionDelete    Action = "delete"
)

// Change is the plan for one object.
type Change struct {
	Ref    ObjRef
	Action Action
	// Fields lists the changed field paths of an update (values are never
	// shown: they may be secret).
	Fields []string
	// Object is the desired object with inventory labels (live for deletes).
	Object *unstructured.Unstructured
	// Validated is false when the server could not dry-run the object yet
	// (its namespace or CRD is created by the same plan).
	Validated bool
	// Terminating says the live object is already being deleted (an earlier
	// run was interrupted, or someone else deleted it): Apply waits until it
	// is gone, and then creates it again when it is desired.
	Terminating bool
}

// Plan is the difference between desired objects and the cluster.
type Plan struct {
	Inventory Inventory
	Changes   []Change

	desired []ObjRef
	record  record
	// owners of a shared inventory after Apply (Inventory.Owner).
	owners []string
	// KeptFor lists the other owners of a shared inventory for which its
	// objects are kept instead of pruned.
	KeptFor []string
}

// Count returns how many changes have the action.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// HasChanges reports whether applying the plan would change the cluster.
func (p *Plan) HasChanges() bool {
	return p.Count(ActionCreate)+p.Count(ActionUpdate)+p.Count(ActionDelete) > 0
}

// PlanOptions tune Plan.
type PlanOptions struct {
	// NoPrune leaves objects that are not desired in place; use it when the
	// desired set is partial (deploy_core -t).
	NoPrune bool
	// PendingKinds ("group/Kind") are kinds whose CRDs do not exist yet but
	// will before Apply runs (a Helm chart of an earlier step installs
	// them): their objects are planned as creates instead of failing.
	PendingKinds map[string]bool
	// PendingNamespaces are namespaces an earlier step creates: when one
	// does not exist yet, its objects are planned as creates.
	PendingNamespaces []string
}

// Plan computes, without changing anything, what Apply would do: each
// desired object is server-side applied in dry-run mode and compared with the
// live one; objects of this inventory that are live but not desired are
// deletes.
func (c *Client) Plan(ctx context.Context, inv Inventory, desired []*unstructured.Unstructured, opts PlanOptions) (*Plan, error) {
	if err := inv.validate(); err != nil {
		return nil, err
	}
	plan := &Plan{Inventory: inv}
	seen := map[string]bool{}
	creatingNS := map[string]bool{}
	crdKinds := map[string]bool{} // group/kind defined by a desired CRD
	objs := make([]*unstructured.Unstructured, 0, len(desired))
	for _, d := range desired {
		o := d.DeepCopy()
		l := o.GetLabels()
		if l == nil {
			l = map[string]string{}
		}
		maps.Copy(l, inv.Labels())
		o.SetLabels(l)
		ref := RefOf(o)
		if seen[ref.key()] {
			return nil, fmt.Errorf("%s is desired twice", ref)
		}
		seen[ref.key()] = true
		if o.GetKind() == "CustomResourceDefinition" {
			g, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			k, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			crdKinds[g+"/"+k] = true
		}
		objs = append(objs, o)
		plan.desired = append(plan.desired, ref)
	}

	for _, ns := range opts.PendingNamespaces {
		_, err := c.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Get(ctx, ns, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			creatingNS[ns] = true
		case err != nil:
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
	}

	rec, err := c.readRecord(ctx, inv)
	if err != nil {
		return nil, err
	}
	plan.record = rec
	listed := plan.desired
	if !opts.NoPrune {
		listed = append(append([]ObjRef{}, listed...), rec.refs...)
	}
	live, err := c.listInventory(ctx, inv, listed)
	if err != nil {
		return nil, err
	}

	changes := make([]Change, len(objs))
	// Namespaces first, so that objects in a namespace being created are
	// known not to be server-validatable.
	for i, o := range objs {
		if o.GetKind() == "Namespace" && o.GroupVersionKind().Group == "" {
			ch, err := c.planOne(ctx, o, false, live.byKey[RefOf(o).key()])
			if err != nil {
				return nil, err
			}
			changes[i] = ch
			if ch.Action == ActionCreate {
				creatingNS[o.GetName()] = true
			}
		}
	}
	var mu sync.Mutex
	var errs []error
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Concurrency)
	for i, o := range objs {
		if changes[i].Object != nil {
			continue
		}
		g.Go(func() error {
			gvk := o.GroupVersionKind()
			pending := creatingNS[o.GetNamespace()]
			gk := gvk.Group + "/" + gvk.Kind
			if _, err := c.mapping(gvk); err != nil && meta.IsNoMatchError(err) && (crdKinds[gk] || opts.PendingKinds[gk]) {
				pending = true
			}
			ch, err := c.planOne(gctx, o, pending, live.byKey[RefOf(o).key()])
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			changes[i] = ch
			return nil
		})
	}
	_ = g.Wait()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	plan.Changes = changes
	if inv.Owner != "" {
		plan.owners, plan.KeptFor = sharedOwners(rec.owners, inv.Owner, len(objs) > 0)
		if opts.NoPrune || len(plan.KeptFor) > 0 {
			// Other owners still use what the record holds: keep all of it.
			plan.desired = dedupe(append(plan.desired, rec.refs...))
			return plan, nil
		}
	}
	if !opts.NoPrune {
		for _, o := range live.all {
			ref := RefOf(o)
			if seen[ref.key()] {
				continue
			}
			// One already terminating is still a delete to wait for: a
			// run interrupted during its wait must not end before it.
			plan.Changes = append(plan.Changes, Change{Ref: ref, Action: ActionDelete, Object: o, Validated: true,
				Terminating: o.GetDeletionTimestamp() != nil})
		}
	}
	return plan, nil
}

// planOne compares one desired object with the cluster. pending means the
// object cannot be dry-run yet (namespace or CRD created by this plan);
// listed is the live object as the inventory's list saw it, if it did.
func (c *Client) planOne(ctx context.Context, o *unstructured.Unstructured, pending bool, listed *unstructured.Unstructured) (Change, error) {
	ref := RefOf(o)
	ch := Change{Ref: ref, Object: o}
	if pending {
		ch.Action = ActionCreate
		return ch, nil
	}
	res, m, err := c.resource(o)
	if err != nil {
		return ch, fmt.Errorf("%s: %w", ref, err)
	}
	// A namespace on a cluster-scoped object would make its reference differ
	// from the live object's, and prune would then delete what it just applied.
	if m.Scope.Name() == meta.RESTScopeNameRoot && o.GetNamespace() != "" {
		return ch, fmt.Errorf("%s: %s is cluster-scoped; remove metadata.namespace", ref, o.GetKind())
	}
	// The dry run answers against the object as it is then; a controller
	// (e.g. the Deployment controller's revision annotation) may have written
	// it since it was read, and the diff would show that write as ours. A dry
	// run keeps the resourceVersion it was based on, so read again until they
	// match. The first read is the list's, when it saw the object in the
	// version desired (the dry run answers in that version).
	live := listed
	if live != nil && live.GetAPIVersion() != o.GetAPIVersion() {
		live = nil
	}
	// The live object may show by itself that applying o changes nothing:
	// it is then the server's own result of applying o, so no dry run.
	if live != nil && live.GetDeletionTimestamp() == nil && appliedUnchanged(o, live) {
		ch.Action, ch.Validated = ActionUnchanged, true
		return ch, nil
	}
	read := live != nil
	var dry *unstructured.Unstructured
	for attempt := 0; ; attempt++ {
		if !read {
			live, err = res.Get(ctx, o.GetName(), metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				live = nil
			case err != nil:
				return ch, fmt.Errorf("%s: %w", ref, err)
			}
		}
		if live != nil && live.GetDeletionTimestamp() != nil {
			// Nothing can be applied to it (nor created in it, for a
			// namespace): it is waited for and created anew.
			ch.Action, ch.Terminating = ActionCreate, true
			return ch, nil
		}
		read = false
		dry, err = res.Apply(ctx, o.GetName(), o, metav1.ApplyOptions{FieldManager: FieldManager, Force: true, DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return ch, fmt.Errorf("%s: %w", ref, err)
		}
		if live == nil || live.GetResourceVersion() == dry.GetResourceVersion() || attempt == 4 {
			break
		}
	}
	ch.Validated = true
	if live == nil {
		ch.Action = ActionCreate
		return ch, nil
	}
	a, b := normalize(live), normalize(dry)
	if equality.Semantic.DeepEqual(a, b) {
		ch.Action = ActionUnchanged
		return ch, nil
	}
	ch.Action = ActionUpdate
	ch.Fields = diffPaths("", a, b)
	return ch, nil
}

// liveObjects are the live objects of an inventory.
type liveObjects struct {
	byKey map[string]*unstructured.Unstructured // by ObjRef.key
	all   []*unstructured.Unstructured          // by kind, then namespace, then name
}

// listInventory lists, by the inventory's labels, every kind of refs in
// every namespace of refs: one request per kind and namespace that both
// finds what to prune and serves as the first read of every object the plan
// compares (instead of one GET per object).
func (c *Client) listInventory(ctx context.Context, inv Inventory, refs []ObjRef) (*liveObjects, error) {
	kinds := map[string]ObjRef{} // group/kind -> a ref carrying its GVK
	namespaces := map[string]bool{}
	for _, r := range refs {
		if _, ok := kinds[r.Group+"/"+r.Kind]; !ok {
			kinds[r.Group+"/"+r.Kind] = r
		}
		if r.Namespace != "" {
			namespaces[r.Namespace] = true
		}
	}
	nss := make([]string, 0, len(namespaces))
	for ns := range namespaces {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	type list struct {
		kind      string
		namespace string // "" for a cluster-scoped kind
		res       schema.GroupVersionResource
		items     []unstructured.Unstructured
	}
	var lists []*list
	for _, k := range keys {
		r := kinds[k]
		m, err := c.mapping(r.GVK())
		if err != nil {
			if meta.IsNoMatchError(err) {
				continue // kind not (or no longer) served: nothing of it is live
			}
			return nil, err
		}
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			lists = append(lists, &list{kind: r.Kind, res: m.Resource})
			continue
		}
		for _, ns := range nss {
			lists = append(lists, &list{kind: r.Kind, namespace: ns, res: m.Resource})
		}
	}
	sel := inv.Selector().String()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Concurrency)
	for _, l := range lists {
		g.Go(func() error {
			var res dynamic.ResourceInterface = c.Dynamic.Resource(l.res)
			where := ""
			if l.namespace != "" {
				res, where = c.Dynamic.Resource(l.res).Namespace(l.namespace), " in "+l.namespace
			}
			got, err := res.List(gctx, metav1.ListOptions{LabelSelector: sel})
			if err != nil {
				return fmt.Errorf("list %s%s: %w", l.kind, where, err)
			}
			l.items = got.Items
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := &liveObjects{byKey: map[string]*unstructured.Unstructured{}}
	for _, l := range lists {
		sort.Slice(l.items, func(i, j int) bool { return l.items[i].GetName() < l.items[j].GetName() })
		for i := range l.items {
			o := &l.items[i]
			out.byKey[RefOf(o).key()] = o
			out.all = append(out.all, o)
		}
	}
	return out, nil
}

// normalize drops what the server changes on every write or owns.
func normalize(o *unstructured.Unstructured) map[string]any {
	c := o.DeepCopy().Object
	delete(c, "status")
	if md, ok := c["metadata"].(map[string]any); ok {
		for _, k := range []string{"managedFields", "resourceVersion", "generation", "creationTimestamp", "uid", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"} {
			delete(md, k)
		}
	}
	return c
}

// diffPaths lists the paths where a and b differ, stopping at depth 4.
func diffPaths(prefix string, a, b any) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok || (prefix != "" && strings.Count(prefix, ".") >= 3) {
		if equality.Semantic.DeepEqual(a, b) {
			return nil
		}
		return []string{prefix}
	}
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []string
	for _, k := range sorted {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, diffPaths(p, am[k], bm[k])...)
	}
	return out
}

// Desired returns the references of every desired object, e.g. to wait for
// their readiness after Apply.
func (p *Plan) Desired() []ObjRef { return append([]ObjRef(nil), p.desired...) }
