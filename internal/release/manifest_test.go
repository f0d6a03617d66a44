package release

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// canonical is contracts.md's list of core component names.
var canonical = []string{
	"aura-bot", "nlp", "nginx", "aura-groot", "authentication-api", "user-helper", "aura-configuration-api",
	"aura-gateway-api", "aura-manager", "atria-model-gateway", "atria-rag-server", "aura-bridge", "context",
	"context-4p-sync", "genesys", "whatsapp", "rcs", "complex-logic", "qdrant", "aura-operator",
	"aurapush-sendfeedback-service",
}

func TestEmbeddedManifest(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatalf("embedded release.yaml is invalid: %v", err)
	}
	if m.Version != "7.2.0" {
		t.Errorf("version %q", m.Version)
	}
	if got := m.Names(); !slices.Equal(sortedCopy(got), sortedCopy(canonical)) {
		t.Errorf("components %v\nwant %v", got, canonical)
	}
	for alias, want := range map[string]string{"aura-nlp": "nlp", "aura-context": "context"} {
		if c, ok := m.Component(alias); !ok || c.Name != want {
			t.Errorf("alias %s does not resolve to %s", alias, want)
		}
	}
	var charts []string
	for _, c := range m.Charts {
		charts = append(charts, c.Name)
	}
	for _, want := range []string{"eck-operator", "prometheus", "grafana", "fluent-bit", "nginx-ingress", "mongodb-atlas-operator", "redis", "prometheus-es-exporter"} {
		if !slices.Contains(charts, want) {
			t.Errorf("chart %s missing from the manifest", want)
		}
	}
	nlp, _ := m.Component("nlp")
	if got := nlp.ImageRef(m); got != "auraregistry.azurecr.io/aura/aura-nlp:7.2.1" {
		t.Errorf("nlp image %s", got)
	}
	q, _ := m.Component("qdrant")
	if got := q.ImageRef(m); got != "docker.io/qdrant/qdrant:v1.12.4" {
		t.Errorf("qdrant image %s", got)
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

const validManifest = `
version: 1.0.0
registry: r.example
components:
  - name: a
    image: x/a
    tag: "1"
    replicas: 1
    ports: [{name: http, port: 80}]
    templates: [component]
  - name: b
    aliases: [bee]
    image: x/b
    tag: "1"
    replicas: 1
    templates: [component]
    depends_on: [a]
charts:
  - {name: c, repo: "https://charts.example", chart: c, version: 1.2.3, namespace: sys}
`

func TestParseRejectsBrokenManifests(t *testing.T) {
	if _, err := Parse("ok.yaml", []byte(validManifest)); err != nil {
		t.Fatalf("valid manifest rejected: %v", err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown key", "replicas: 1\n    ports", "replica: 1\n    ports", "field replica not found"},
		{"duplicate name", "- name: b\n", "- name: a\n", `name "a" already used`},
		{"alias clashes", "aliases: [bee]", "aliases: [a]", `name "a" already used`},
		{"unknown dependency", "depends_on: [a]", "depends_on: [zz]", `depends_on: unknown component "zz"`},
		{"cycle", "templates: [component]\n  - name: b", "templates: [component]\n    depends_on: [b]\n  - name: b", "dependency cycle"},
		{"bad port", "port: 80", "port: 80000", "ports[0].port: 80000 out of range"},
		{"tag in image", "image: x/a", "image: x/a:2", `components[0] (a).image`},
		{"unpinned chart", "version: 1.2.3", "version: ^1.2", `charts[0] (c).version: "^1.2" must be an exact semantic version`},
		{"plain http repo", "https://charts.example", "http://charts.example", "must be an https:// or oci:// URL"},
		{"bad version", "version: 1.0.0", "version: latest", `version: "latest" is not a semantic version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			broken := strings.Replace(validManifest, tt.old, tt.new, 1)
			if broken == validManifest {
				t.Fatalf("test case does not change the manifest")
			}
			_, err := Parse("broken.yaml", []byte(broken))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "broken.yaml: ") {
				t.Fatalf("error %v, want one naming broken.yaml and containing %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"nlp", "user-helper"}, []string{"nlp", "user-helper"}},
		{[]string{"nlp user-helper"}, []string{"nlp", "user-helper"}}, // -t "nlp user-helper", as the guide writes it
		{[]string{"user-helper", "aura-nlp", "nlp"}, []string{"nlp", "user-helper"}},
		{[]string{"aura-groot", "authentication-api"}, []string{"aura-groot", "authentication-api"}},
		{[]string{"aura-context,context-4p-sync"}, []string{"context", "context-4p-sync"}},
		{nil, nil},
	}
	for _, tt := range tests {
		got, err := m.Resolve(tt.args)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Resolve(%q) = %v, %v; want %v", tt.args, got, err, tt.want)
		}
	}
	for typo, suggestion := range map[string]string{"nlpp": "nlp", "usr-helper": "user-helper", "grot": "aura-groot", "zzzzzzzzzzzz": ""} {
		_, err := m.Resolve([]string{"nlp", typo})
		var unknown *UnknownComponentError
		if !errors.As(err, &unknown) || unknown.Suggestion != suggestion || unknown.ExitCode() != 2 {
			t.Errorf("Resolve(%q) error %v, want suggestion %q", typo, err, suggestion)
			continue
		}
		if suggestion != "" && !strings.Contains(err.Error(), `did you mean "`+suggestion+`"?`) {
			t.Errorf("message %q lacks the suggestion", err)
		}
	}
}

func TestWavesPutDependenciesFirst(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	waves := m.Waves(m.Names())
	pos := map[string]int{}
	for i, w := range waves {
		for _, n := range w {
			pos[n] = i
		}
	}
	if len(pos) != len(m.Components) {
		t.Fatalf("waves hold %d components, want %d", len(pos), len(m.Components))
	}
	for _, c := range m.Components {
		for _, d := range c.DependsOn {
			if pos[d] >= pos[c.Name] {
				t.Errorf("%s (wave %d) does not come after its dependency %s (wave %d)", c.Name, pos[c.Name], d, pos[d])
			}
		}
	}
	// Only the given components count: without its dependencies aura-bot is in wave 0.
	if got := m.Waves([]string{"aura-bot", "genesys"}); !reflect.DeepEqual(got, [][]string{{"aura-bot", "genesys"}}) {
		t.Errorf("waves %v", got)
	}
}
