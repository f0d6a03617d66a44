package kube

import (
	"encoding/json"
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// appliedUnchanged reports whether a forced server-side apply of desired by
// FieldManager would leave live as it is, judged from live alone so that
// the plan can skip the object's dry run. It holds when
//
//   - the fields FieldManager owns in live (its Apply entry of managedFields,
//     in desired's apiVersion) are exactly the fields desired sets, so the
//     apply neither takes a field from another manager nor removes one it
//     owns; and
//   - live holds desired's value in every one of them: scalars equal, a
//     subtree the server owns as a whole (atomic map or list) equal as a
//     whole, items of keyed lists found by their keys, in desired's order.
//
// Then the apply sets every field to the value it has and changes no
// ownership, which the API server does not even write. The walk reads the
// server's own field set, so it needs no schema: where that set is not
// shaped as expected, or anything is in doubt (a value the server
// normalized, a key field it defaulted, a manager entry it split), the
// answer is false and the dry run decides.
func appliedUnchanged(desired, live *unstructured.Unstructured) bool {
	owned, ok := appliedFields(live, desired.GetAPIVersion())
	if !ok {
		return false
	}
	d, ok := jsonValue(desired.Object).(map[string]any)
	if !ok {
		return false
	}
	// Identity, not fields anyone owns.
	delete(d, "apiVersion")
	delete(d, "kind")
	if md, ok := d["metadata"].(map[string]any); ok {
		delete(md, "name")
		delete(md, "namespace")
		if len(md) == 0 {
			delete(d, "metadata")
		}
	}
	return sameMap(d, owned, live.Object)
}

// appliedFields is the field set of FieldManager's only Apply entry in
// live's managedFields, if it is in apiVersion.
func appliedFields(live *unstructured.Unstructured, apiVersion string) (map[string]any, bool) {
	var entry *metav1.ManagedFieldsEntry
	for _, mf := range live.GetManagedFields() {
		if mf.Manager != FieldManager {
			continue
		}
		if entry != nil || mf.Operation != metav1.ManagedFieldsOperationApply || mf.Subresource != "" ||
			mf.APIVersion != apiVersion || mf.FieldsV1 == nil {
			return nil, false
		}
		entry = &mf
	}
	if entry == nil {
		return nil, false
	}
	var set map[string]any
	if err := json.Unmarshal(entry.FieldsV1.GetRawBytes(), &set); err != nil {
		return nil, false
	}
	return set, true
}

// jsonValue is v as the API's JSON decoder returns it (whole numbers as
// int64), so that desired values compare with live ones.
func jsonValue(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := utiljson.Unmarshal(raw, &out); err != nil {
		return nil
	}
	return out
}

// children drops the "." marker (the element itself is owned).
func children(set map[string]any) map[string]any {
	out := make(map[string]any, len(set))
	for k, v := range set {
		if k != "." {
			out[k] = v
		}
	}
	return out
}

func same(d any, set map[string]any, live any) bool {
	switch d := d.(type) {
	case map[string]any:
		return sameMap(d, set, live)
	case []any:
		return sameList(d, set, live)
	default:
		return len(children(set)) == 0 && reflect.DeepEqual(d, live)
	}
}

func sameMap(d map[string]any, set map[string]any, live any) bool {
	l, ok := live.(map[string]any)
	if !ok {
		return false
	}
	set = children(set)
	if len(set) == 0 { // owned as a whole (or empty)
		return reflect.DeepEqual(d, l)
	}
	for k := range set {
		name, ok := strings.CutPrefix(k, "f:")
		if !ok {
			return false
		}
		if _, ok := d[name]; !ok {
			return false // owned, not desired: the apply would remove it
		}
	}
	for k, v := range d {
		sub, ok := set["f:"+k].(map[string]any)
		if !ok {
			return false // desired, not owned: the apply would take or set it
		}
		lv, ok := l[k]
		if !ok || !same(v, sub, lv) {
			return false
		}
	}
	return true
}

func sameList(d []any, set map[string]any, live any) bool {
	l, ok := live.([]any)
	if !ok {
		return false
	}
	set = children(set)
	if len(set) == 0 { // atomic list, owned as a whole
		return reflect.DeepEqual(d, l)
	}
	if len(set) != len(d) {
		return false
	}
	used := map[string]bool{}
	last := -1
	for _, item := range d {
		key, li := listEntry(item, set, l)
		if key == "" || used[key] || li <= last {
			return false // not found, ambiguous, or in another order
		}
		used[key], last = true, li
		sub, _ := set[key].(map[string]any)
		if strings.HasPrefix(key, "v:") {
			if len(children(sub)) != 0 {
				return false
			}
			continue
		}
		if !sameMap(item.(map[string]any), sub, l[li]) {
			return false
		}
	}
	return true
}

// listEntry finds the entry of set that names item, and item's index in
// live: "k:{…}" entries by key fields (a key field item leaves out may be a
// server default, so the live item must have it), "v:…" entries by value.
// It returns "" when there is no such entry or more than one.
func listEntry(item any, set map[string]any, live []any) (string, int) {
	found, index := "", -1
	for key := range set {
		var li int
		switch {
		case strings.HasPrefix(key, "k:"):
			m, ok := item.(map[string]any)
			var kf map[string]any
			if !ok || utiljson.Unmarshal([]byte(key[2:]), &kf) != nil {
				return "", -1
			}
			if !keyMatches(m, kf) {
				continue
			}
			if li = liveIndex(live, func(v any) bool {
				lm, ok := v.(map[string]any)
				return ok && keyEquals(lm, kf)
			}); li < 0 {
				return "", -1
			}
		case strings.HasPrefix(key, "v:"):
			var v any
			if utiljson.Unmarshal([]byte(key[2:]), &v) != nil || !reflect.DeepEqual(v, item) {
				continue
			}
			if li = liveIndex(live, func(v any) bool { return reflect.DeepEqual(v, item) }); li < 0 {
				return "", -1
			}
		default:
			return "", -1 // positional entries: not a shape this walk judges
		}
		if found != "" {
			return "", -1
		}
		found, index = key, li
	}
	return found, index
}

// keyMatches: every key field item sets has the key's value.
func keyMatches(item, key map[string]any) bool {
	for k, v := range key {
		if iv, ok := item[k]; ok && !reflect.DeepEqual(iv, v) {
			return false
		}
	}
	return true
}

// keyEquals: the live item has every key field at the key's value.
func keyEquals(item, key map[string]any) bool {
	for k, v := range key {
		if iv, ok := item[k]; !ok || !reflect.DeepEqual(iv, v) {
			return false
		}
	}
	return true
}

// liveIndex is the index of the only live item that match accepts, or -1.
func liveIndex(live []any, match func(any) bool) int {
	index := -1
	for i, v := range live {
		if match(v) {
			if index >= 0 {
				return -1
			}
			index = i
		}
	}
	return index
}
