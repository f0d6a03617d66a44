package azure

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }

func i32(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// is404 reports an SDK error for a resource (or its parent) that does not exist.
func is404(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// tagsCover reports whether have holds every tag of want with its value.
// aura owns the tags it sets, not all of them: tags added by Azure Policy
// or by hand stay, and do not make every run write.
func tagsCover(have map[string]*string, want map[string]string) bool {
	for k, v := range want {
		h, ok := have[k]
		if !ok || h == nil || *h != v {
			return false
		}
	}
	return true
}

// withTags is have with want's tags set.
func withTags(have map[string]*string, want map[string]string) map[string]*string {
	out := maps.Clone(have)
	if out == nil {
		out = map[string]*string{}
	}
	for k, v := range want {
		out[k] = &v
	}
	return out
}

func tagPtrs(want map[string]string) map[string]*string { return withTags(nil, want) }

// sameSet compares lists whose order Azure does not keep.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func strs(ps []*string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

func ptrs(ss []string) []*string {
	out := make([]*string, len(ss))
	for i := range ss {
		out[i] = &ss[i]
	}
	return out
}

// changed joins the names of the fields that differ, for a Change's detail.
func changed(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	return "changed: " + strings.Join(fields, ", ")
}

// settings joins what a create sends, for its Change's detail (the plan):
// empty parts are left out.
func settings(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

// tagList renders tags for a detail, sorted: "tags a=1, b=2" ("" without).
func tagList(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	kv := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		kv = append(kv, k+"="+tags[k])
	}
	return "tags " + strings.Join(kv, ", ")
}
