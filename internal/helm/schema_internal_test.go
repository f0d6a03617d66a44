package helm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
)

func TestOfflineSchema(t *testing.T) {
	const remote = "https://schemas.example.com/_definitions.json"
	tests := []struct {
		name, in    string
		want        string // "" = unchanged
		wantDropped []string
	}{
		{name: "remote $ref removed, its siblings kept",
			in:          `{"properties": {"a": {"type": "object", "$ref": "` + remote + `#/definitions/A"}}}`,
			want:        `{"properties": {"a": {"type": "object"}}}`,
			wantDropped: []string{remote}},
		{name: "local refs kept",
			in: `{"properties": {"a": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"type": "string"}}}`},
		{name: "a document the schema names with $id is local",
			in: `{"$id": "https://example.com/root.json", "properties": {"a": {"$ref": "https://example.com/root.json#/definitions/a"}}, "definitions": {"a": {"type": "string"}}}`},
		{name: "relative ref against a remote base",
			in:          `{"$id": "https://example.com/root.json", "items": {"$ref": "other.json"}}`,
			want:        `{"$id": "https://example.com/root.json", "items": {}}`,
			wantDropped: []string{"https://example.com/other.json"}},
		{name: "in every subschema keyword",
			in:          `{"allOf": [{"$ref": "` + remote + `"}], "additionalProperties": {"$ref": "http://x.example/a"}, "patternProperties": {"^a": {"$ref": "` + remote + `#/b"}}}`,
			want:        `{"allOf": [{}], "additionalProperties": {}, "patternProperties": {"^a": {}}}`,
			wantDropped: []string{remote, "http://x.example/a"}},
		{name: "data that looks like a ref is data",
			in: `{"default": {"$ref": "` + remote + `"}, "enum": [{"$ref": "` + remote + `"}]}`},
		{name: "a property named like a keyword is a schema",
			in:          `{"properties": {"default": {"$ref": "` + remote + `"}, "n": {"maximum": 0.10000000000000000001}}}`,
			want:        `{"properties": {"default": {}, "n": {"maximum": 0.10000000000000000001}}}`,
			wantDropped: []string{remote}},
		{name: "not JSON: left for Helm to report", in: `{"properties": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, dropped := offlineSchema([]byte(tt.in))
			if tt.want == "" {
				if string(out) != tt.in || len(dropped) != 0 {
					t.Fatalf("changed to %s (dropped %v), want it unchanged", out, dropped)
				}
				return
			}
			if !jsonEqual(t, string(out), tt.want) {
				t.Errorf("got %s, want %s", out, tt.want)
			}
			if n := "0.10000000000000000001"; strings.Contains(tt.in, n) && !strings.Contains(string(out), n) {
				t.Errorf("the number %s was not kept exactly: %s", n, out)
			}
			got := map[string]bool{}
			for _, d := range dropped {
				got[d] = true
			}
			want := map[string]bool{}
			for _, d := range tt.wantDropped {
				want[d] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("dropped %v, want %v", dropped, tt.wantDropped)
			}
		})
	}
}

// TestOfflineSchemasSubcharts: subcharts' schemas are made local too (Helm
// validates each subchart's values against its own schema).
func TestOfflineSchemasSubcharts(t *testing.T) {
	sub := &chart.Chart{Metadata: &chart.Metadata{Name: "sub"}, Schema: []byte(`{"items": {"$ref": "https://a.example/s.json"}}`)}
	top := &chart.Chart{Metadata: &chart.Metadata{Name: "top"}, Schema: []byte(`{"type": "object"}`)}
	top.AddDependency(sub)
	if got := offlineSchemas(top); !reflect.DeepEqual(got, []string{"https://a.example/s.json"}) {
		t.Fatalf("offlineSchemas = %v", got)
	}
	if string(top.Schema) != `{"type": "object"}` || !jsonEqual(t, string(sub.Schema), `{"items": {}}`) {
		t.Fatalf("schemas now %s and %s", top.Schema, sub.Schema)
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}
