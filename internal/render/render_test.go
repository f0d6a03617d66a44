package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestFilters(t *testing.T) {
	ctx := map[string]any{
		"s":      "héllo world",
		"pkgs":   map[string]any{"resources_b": "0.10.0", "resources_a": "1.2.3"},
		"flag":   "yes",
		"secret": "p@ss'word",
		"list":   []any{"a", "b"},
	}
	tests := []struct{ tpl, want string }{
		{`{{ s | b64encode }}`, "aMOpbGxvIHdvcmxk"},
		{`{{ s | b64encode | b64decode }}`, "héllo world"},
		{`{{ pkgs | to_json }}`, `{"resources_a":"1.2.3","resources_b":"0.10.0"}`},
		{`{{ pkgs | to_nice_json(indent=2) }}`, "{\n  \"resources_a\": \"1.2.3\",\n  \"resources_b\": \"0.10.0\"\n}"},
		{`{{ '{"a": [1, 2]}' | from_json | to_json }}`, `{"a":[1,2]}`},
		{`{{ pkgs | to_yaml }}`, "resources_a: 1.2.3\nresources_b: 0.10.0"},
		{`{{ {'a': {'b': 1}} | to_nice_yaml }}`, "a:\n    b: 1"},
		{`{{ 'a: [1]' | from_yaml | to_json }}`, `{"a":[1]}`},
		{`{{ 'aura-es-dev' | regex_replace('^aura-(\\w+)-(\\w+)$', '\\2.\\1') }}`, "dev.es"},
		{`{{ 'ABC' | regex_replace('b', 'x', ignorecase=True) }}`, "AxC"},
		{`{{ 'cost $5' | regex_replace('cost', 'price') }}`, "price $5"},
		{`{{ 'v1.2.3' | regex_search('[0-9.]+') }}`, "1.2.3"},
		{`{{ flag | bool }} {{ 'off' | bool }} {{ 'True' | bool }}`, "True False True"},
		{`{{ secret | quote }} {{ 'plain' | quote }}`, `'p@ss'"'"'word' plain`},
		{`{{ 'abc' | hash('sha256') }}`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{`{{ 'abc' | hash }}`, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{`{{ {'a': 1, 'n': {'x': 1}} | combine({'b': 2, 'n': {'y': 2}}, recursive=True) | to_json }}`, `{"a":1,"b":2,"n":{"x":1,"y":2}}`},
		{`{{ (1 == 1) | ternary('on', 'off') }}`, "on"},
		{`{% for i in pkgs | dict2items %}{{ i.key }}={{ i.value }};{% endfor %}`, "resources_a=1.2.3;resources_b=0.10.0;"},
		{`{{ missing | default('d') }}`, "d"},
	}
	for _, tt := range tests {
		t.Run(tt.tpl, func(t *testing.T) {
			r := New(fstest.MapFS{"t.yaml": {Data: []byte(tt.tpl)}})
			got, err := r.RenderFile("t.yaml", ctx)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	fsys := fstest.MapFS{
		"core/undef.yaml":   {Data: []byte("a: 1\nb: {{ nope }}\n")},
		"core/attr.yaml":    {Data: []byte("a: 1\n\n\nb: {{ cfg.nope }}\n")},
		"core/syntax.yaml":  {Data: []byte("a: {{ x(\n")},
		"core/hash.yaml":    {Data: []byte("a: {{ x | hash('crc') }}\n")},
		"core/badb64.yaml":  {Data: []byte("a: {{ password | b64decode }}\n")},
		"core/secrets.yaml": {Data: []byte("a: {{ nope | default(None) | mandatory('no value for ' ~ password) }}\n")},
	}
	ctx := map[string]any{"cfg": map[string]any{}, "x": "v", "password": "S3cr3t!value"}
	tests := []struct{ file, want string }{
		{"core/undef.yaml", `core/undef.yaml:2: `},
		{"core/attr.yaml", `core/attr.yaml:4: `},
		{"core/syntax.yaml", `core/syntax.yaml`},
		{"core/hash.yaml", `unsupported hash type "crc"`},
		{"core/badb64.yaml", `b64decode: input is not valid base64`},
		{"core/secrets.yaml", `no value for <redacted>`},
		{"core/absent.yaml", `core/absent.yaml: template not found`},
	}
	r := New(fsys, "S3cr3t!value")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := r.RenderFile(tt.file, ctx)
			if err == nil {
				t.Fatal("no error")
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not *render.Error: %v", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "S3cr3t!value") || strings.Contains(err.Error(), "a: {{") {
				t.Errorf("error leaks secret or template source: %q", err)
			}
		})
	}
}

func TestSplitYAML(t *testing.T) {
	good := "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\n---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n"
	objs, err := SplitYAML("x.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetName() != "a" || objs[1].GetKind() != "Secret" {
		t.Fatalf("got %d objects: %v", len(objs), objs)
	}
	bad := []struct{ name, doc, want string }{
		{"bad yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: [oops\n", "x.yaml: document 2: invalid YAML"},
		{"no kind", "apiVersion: v1\nmetadata:\n  name: a\n", "x.yaml: document 1: not a Kubernetes object"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "document 1: ConfigMap has no metadata.name"},
		{"secret not base64", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: not*base64*TopSecret\n", "data.password is not valid base64"},
		{"secret value outside data", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nspec:\n  password: TopSecret\n", `unexpected top-level field "spec"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SplitYAML("x.yaml", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "TopSecret") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestOverlayUserTemplates(t *testing.T) {
	base := fstest.MapFS{
		"core/nginx-plus/a-policy.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: embedded-a\n")},
		"core/nginx-plus/b-policy.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: embedded-b\n")},
		"core/nginx-plus/_partial.yaml": {Data: []byte("# partial, not rendered alone\n")},
	}
	user := t.TempDir()
	dir := filepath.Join(user, "core", "nginx-plus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b-policy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: user-b\n")
	write("c-waf.yaml", "{% include '_partial.yaml' ignore missing %}apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: waf-policy\n  namespace: {{ kubernetes_core_namespace }}\n")
	write("notes.txt", "ignored")

	r := New(OverlayDir(base, user))
	objs, err := r.Dir("core/nginx-plus", map[string]any{"kubernetes_core_namespace": "aura-es-dev"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.GetName())
	}
	if got := strings.Join(names, ","); got != "embedded-a,user-b,waf-policy" {
		t.Fatalf("objects %s, want embedded-a,user-b,waf-policy", got)
	}
	if objs[2].GetNamespace() != "aura-es-dev" {
		t.Errorf("user template not rendered with the context: namespace %q", objs[2].GetNamespace())
	}
	if objs, err := r.Dir("core/absent", nil); err != nil || objs != nil {
		t.Errorf("absent dir: %v %v", objs, err)
	}
	if got := OverlayDir(base, filepath.Join(user, "missing")); got == nil {
		t.Error("OverlayDir with a missing dir must fall back to the base")
	}
}

func TestIncludeRelativeToTemplate(t *testing.T) {
	fsys := fstest.MapFS{
		"core/_labels.yaml": {Data: []byte("app: {{ name }}")},
		"core/main.yaml":    {Data: []byte("labels:\n  {% include '_labels.yaml' %}\n")},
	}
	got, err := New(fsys).RenderFile("core/main.yaml", map[string]any{"name": "nlp"})
	if err != nil {
		t.Fatal(err)
	}
	// trim_blocks eats the newline after the include tag, as in Jinja.
	if string(got) != "labels:\n  app: nlp" {
		t.Errorf("got %q", got)
	}
}
