package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Inventory labels on every object the installer applies.
const (
	LabelEnvironment = "aurak8s.auracognitive.com/environment"
	LabelPhase       = "aurak8s.auracognitive.com/phase"
	LabelRelease     = "aurak8s.auracognitive.com/release"
	LabelInventory   = "aurak8s.auracognitive.com/inventory"
	LabelManagedBy   = "app.kubernetes.io/managed-by"
	ManagedByValue   = "aura"
)

// Inventory identifies one set of objects that is applied and pruned as a
// whole: one phase of one environment (and, for core with --ns, of one
// release namespace). The release label is informational: an upgrade in place
// keeps the inventory and prunes what the new release no longer renders.
type Inventory struct {
	Environment string // environment_name, e.g. "es-dev"
	Phase       string // "common", "system", "core", ...
	Release     string // installer release version, e.g. "7.2.0"
	// Name tells apart several inventories of one environment and phase
	// (core in a release namespace); defaults to Phase.
	Name string
	// Namespace holds the inventory record (a ConfigMap). It must outlive
	// the objects, so not a namespace the phase itself deletes.
	Namespace string
	// Owner makes the inventory shared: its objects (cluster-wide ones,
	// such as CRDs) serve every owner that applied them. The record keeps
	// the set of owners; applying with nothing desired removes this owner,
	// and the objects are pruned only when no other owner is left.
	Owner string
}

func (inv Inventory) name() string {
	if inv.Name != "" {
		return inv.Name
	}
	return inv.Phase
}

// RecordName is the name of the ConfigMap that records the inventory.
func (inv Inventory) RecordName() string {
	return "aura-inventory-" + inv.Environment + "-" + inv.name()
}

func (inv Inventory) validate() error {
	for field, v := range map[string]string{"Environment": inv.Environment, "Phase": inv.Phase, "Namespace": inv.Namespace} {
		if v == "" {
			return fmt.Errorf("inventory: %s must be set", field)
		}
	}
	// They become label values; a bad one would fail every apply later on.
	for field, v := range map[string]string{"Environment": inv.Environment, "Phase": inv.Phase, "Name": inv.name(), "Release": inv.Release} {
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("inventory: %s %q: %s", field, v, strings.Join(errs, "; "))
		}
	}
	return nil
}

// Labels are put on every applied object.
func (inv Inventory) Labels() map[string]string {
	l := map[string]string{
		LabelEnvironment: inv.Environment,
		LabelPhase:       inv.Phase,
		LabelInventory:   inv.name(),
		LabelManagedBy:   ManagedByValue,
	}
	if inv.Release != "" {
		l[LabelRelease] = inv.Release
	}
	return l
}

// Selector matches the objects of this inventory, whatever their release.
func (inv Inventory) Selector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{
		LabelEnvironment: inv.Environment,
		LabelPhase:       inv.Phase,
		LabelInventory:   inv.name(),
		LabelManagedBy:   ManagedByValue,
	})
}

// ObjRef names one object.
type ObjRef struct {
	Group     string `json:"group"`
	Version   string `json:"version"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf returns the reference of an object.
func RefOf(o *unstructured.Unstructured) ObjRef {
	gvk := o.GroupVersionKind()
	return ObjRef{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: o.GetNamespace(), Name: o.GetName()}
}

// GVK of the reference.
func (r ObjRef) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// key identifies an object independent of its API version.
func (r ObjRef) key() string { return r.Group + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name }

func (r ObjRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

const (
	recordKey = "objects"
	ownersKey = "owners"
)

// record is what an inventory's ConfigMap holds.
type record struct {
	refs   []ObjRef
	owners []string // sorted; only for shared inventories
	exists bool
}

var configMapGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// readRecord returns the recorded objects and owners; exists is false when
// there is no record.
func (c *Client) readRecord(ctx context.Context, inv Inventory) (record, error) {
	cm, err := c.Dynamic.Resource(configMapGVR).Namespace(inv.Namespace).Get(ctx, inv.RecordName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return record{}, nil
	}
	if err != nil {
		return record{}, fmt.Errorf("read inventory %s/%s: %w", inv.Namespace, inv.RecordName(), err)
	}
	rec := record{exists: true}
	for key, into := range map[string]any{recordKey: &rec.refs, ownersKey: &rec.owners} {
		raw, ok, _ := unstructured.NestedString(cm.Object, "data", key)
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(raw), into); err != nil {
			return record{}, fmt.Errorf("inventory %s/%s: data.%s is not a JSON list: %w", inv.Namespace, inv.RecordName(), key, err)
		}
	}
	return rec, nil
}

// writeRecord stores rec; an unchanged record is not written, so a no-op
// run leaves every resourceVersion alone.
func (c *Client) writeRecord(ctx context.Context, inv Inventory, rec record, previous record) error {
	rec.refs = sortedRefs(rec.refs)
	if previous.exists && equalRefs(rec.refs, sortedRefs(previous.refs)) && slices.Equal(rec.owners, previous.owners) {
		return nil
	}
	if len(rec.refs) == 0 {
		// Everything was deleted: so is the record, leaving nothing behind.
		err := c.Dynamic.Resource(configMapGVR).Namespace(inv.Namespace).Delete(ctx, inv.RecordName(), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete inventory %s/%s: %w", inv.Namespace, inv.RecordName(), err)
		}
		return nil
	}
	data := map[string]any{}
	raw, err := json.Marshal(rec.refs)
	if err != nil {
		return err
	}
	data[recordKey] = string(raw)
	if inv.Owner != "" {
		raw, err := json.Marshal(rec.owners)
		if err != nil {
			return err
		}
		data[ownersKey] = string(raw)
	}
	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata": map[string]any{
			"name":      inv.RecordName(),
			"namespace": inv.Namespace,
			"labels": map[string]any{
				LabelEnvironment: inv.Environment,
				LabelPhase:       inv.Phase,
				LabelManagedBy:   ManagedByValue,
			},
		},
		"data": data,
	}}
	_, err = c.Dynamic.Resource(configMapGVR).Namespace(inv.Namespace).Apply(ctx, inv.RecordName(), cm,
		metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return fmt.Errorf("write inventory %s/%s: %w", inv.Namespace, inv.RecordName(), err)
	}
	return nil
}

// sharedOwners is the owner set of a shared inventory after owner applies
// (using: it desires objects) or leaves; others are the owners besides it.
func sharedOwners(recorded []string, owner string, using bool) (after, others []string) {
	for _, o := range recorded {
		if o != owner {
			others = append(others, o)
		}
	}
	after = append([]string(nil), others...)
	if using {
		after = append(after, owner)
	}
	sort.Strings(after)
	return after, others
}

func sortedRefs(in []ObjRef) []ObjRef {
	out := append([]ObjRef(nil), in...)
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func equalRefs(a, b []ObjRef) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
