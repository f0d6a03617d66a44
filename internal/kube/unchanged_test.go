package kube

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Only aura's single Apply entry, in the desired version, vouches for an
// object; any other shape sends the object to the dry run.
func TestAppliedUnchangedTrustsOnlyOneApplyEntry(t *testing.T) {
	desired := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cm", "namespace": "ns"},
		"data":     map[string]any{"a": "1", "n": 2},
	}}
	fields := metav1.NewFieldsV1(`{"f:data":{"f:a":{},"f:n":{}}}`)
	entry := func(mod func(*metav1.ManagedFieldsEntry)) metav1.ManagedFieldsEntry {
		e := metav1.ManagedFieldsEntry{Manager: FieldManager, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "v1", FieldsType: "FieldsV1", FieldsV1: fields}
		if mod != nil {
			mod(&e)
		}
		return e
	}
	for _, tc := range []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		data    map[string]any
		want    bool
	}{
		{"one apply entry, same values", []metav1.ManagedFieldsEntry{entry(nil)}, map[string]any{"a": "1", "n": int64(2)}, true},
		{"a value differs", []metav1.ManagedFieldsEntry{entry(nil)}, map[string]any{"a": "1", "n": int64(3)}, false},
		{"no entry of ours", nil, map[string]any{"a": "1", "n": int64(2)}, false},
		{"another version", []metav1.ManagedFieldsEntry{entry(func(e *metav1.ManagedFieldsEntry) { e.APIVersion = "v2" })}, map[string]any{"a": "1", "n": int64(2)}, false},
		{"an update entry of ours too", []metav1.ManagedFieldsEntry{entry(nil), entry(func(e *metav1.ManagedFieldsEntry) { e.Operation = metav1.ManagedFieldsOperationUpdate })}, map[string]any{"a": "1", "n": int64(2)}, false},
		{"a subresource entry", []metav1.ManagedFieldsEntry{entry(func(e *metav1.ManagedFieldsEntry) { e.Subresource = "status" })}, map[string]any{"a": "1", "n": int64(2)}, false},
		{"fields not parseable", []metav1.ManagedFieldsEntry{entry(func(e *metav1.ManagedFieldsEntry) { e.FieldsV1 = metav1.NewFieldsV1("{") })}, map[string]any{"a": "1", "n": int64(2)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "cm", "namespace": "ns", "resourceVersion": "7"},
				"data":     tc.data,
			}}
			live.SetManagedFields(tc.entries)
			if got := appliedUnchanged(desired, live); got != tc.want {
				t.Errorf("appliedUnchanged = %v, want %v", got, tc.want)
			}
		})
	}
}
