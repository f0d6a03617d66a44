package helm

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
)

// offlineSchemas makes the values schemas of ch and its subcharts checkable
// without a network: a $ref to an http(s) document the schema does not hold
// itself is removed, so that subschema accepts anything. Helm would fetch
// such a document on every install and upgrade and fail without internet
// (nginx-ingress 1.4.0 refers to Kubernetes type definitions on GitHub for
// its pod and service fields). Everything else in the schema is still
// enforced by Helm, and the objects rendered from those values are checked by
// the API server anyway. It returns the documents no longer fetched.
//
// The chart Helm stores in the release history carries the edited schema.
func offlineSchemas(ch *chart.Chart) []string {
	seen := map[string]bool{}
	var walkChart func(*chart.Chart)
	walkChart = func(c *chart.Chart) {
		if out, dropped := offlineSchema(c.Schema); len(dropped) > 0 {
			c.Schema = out
			for _, d := range dropped {
				seen[d] = true
			}
		}
		for _, d := range c.Dependencies() {
			walkChart(d)
		}
	}
	walkChart(ch)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// offlineSchema returns schema without its remote $refs and the documents
// they named; a schema without any (or that is not JSON, which Helm reports
// itself) comes back as it was.
func offlineSchema(schema []byte) ([]byte, []string) {
	if len(schema) == 0 {
		return schema, nil
	}
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber() // keep numbers exactly as written
	var root any
	if err := dec.Decode(&root); err != nil {
		return schema, nil
	}
	// Relative references resolve against the root's $id, when it has one.
	var base *url.URL
	if m, ok := root.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok {
			base, _ = url.Parse(id)
		}
	}
	resolve := func(ref string) *url.URL {
		u, err := url.Parse(ref)
		if err != nil {
			return nil
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		u.Fragment, u.RawFragment = "", ""
		return u
	}
	ids := map[string]bool{} // documents the schema holds itself
	eachSchema(root, func(s map[string]any) {
		if id, ok := s["$id"].(string); ok {
			if u := resolve(id); u != nil {
				ids[u.String()] = true
			}
		}
	})
	var dropped []string
	eachSchema(root, func(s map[string]any) {
		for _, kw := range []string{"$ref", "$dynamicRef"} {
			ref, ok := s[kw].(string)
			if !ok || strings.HasPrefix(ref, "#") {
				continue
			}
			u := resolve(ref)
			if u == nil || (u.Scheme != "http" && u.Scheme != "https") || ids[u.String()] {
				continue
			}
			delete(s, kw)
			dropped = append(dropped, u.String())
		}
	})
	if len(dropped) == 0 {
		return schema, nil
	}
	out, err := json.Marshal(root)
	if err != nil {
		return schema, nil
	}
	return out, dropped
}

// Keywords whose values are subschemas, by shape (JSON Schema drafts 4 to
// 2020-12). Other keywords hold data (default, enum, const, examples) and
// are not walked: a "$ref" key there is a value, not a reference.
var (
	schemaKeywords    = []string{"additionalProperties", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema", "items"}
	schemaListKeyword = []string{"allOf", "anyOf", "oneOf", "prefixItems", "items"}
	schemaMapKeywords = []string{"properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies"}
)

// eachSchema calls fn for every schema object in s, s included.
func eachSchema(s any, fn func(map[string]any)) {
	m, ok := s.(map[string]any)
	if !ok {
		return
	}
	fn(m)
	for _, k := range schemaKeywords {
		eachSchema(m[k], fn)
	}
	for _, k := range schemaListKeyword {
		if l, ok := m[k].([]any); ok {
			for _, x := range l {
				eachSchema(x, fn)
			}
		}
	}
	for _, k := range schemaMapKeywords {
		if sub, ok := m[k].(map[string]any); ok {
			for _, x := range sub {
				eachSchema(x, fn) // dependencies may also hold lists of names: skipped
			}
		}
	}
}
