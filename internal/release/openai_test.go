package release

import (
	"strings"
	"testing"
)

func TestEmbeddedManifestHasOpenAIDeployments(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.OpenAIDeployments) == 0 {
		t.Fatal("the embedded manifest has no openai_deployments: openai_enabled would make an account without models")
	}
	for _, d := range m.OpenAIDeployments {
		if d.Model == "" || d.Capacity < 1 {
			t.Errorf("deployment %+v", d)
		}
	}
}

func TestParseRejectsBrokenOpenAIDeployments(t *testing.T) {
	ok := validManifest + "openai_deployments:\n  - {name: embeddings, model: text-embedding-3-small, version: \"1\", capacity: 120}\n"
	m, err := Parse("ok.yaml", []byte(ok))
	if err != nil {
		t.Fatalf("valid manifest rejected: %v", err)
	}
	if d := m.OpenAIDeployments; len(d) != 1 || d[0] != (OpenAIDeployment{Name: "embeddings", Model: "text-embedding-3-small", Version: "1", Capacity: 120}) {
		t.Errorf("parsed %+v", d)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"no model", "model: text-embedding-3-small, ", "", "openai_deployments[0] (embeddings).model: must be set"},
		{"no capacity", ", capacity: 120", "", "openai_deployments[0] (embeddings).capacity: 0 must be at least 1"},
		{"bad name", "name: embeddings", "name: Embeddings_1", `openai_deployments[0] (Embeddings_1).name: "Embeddings_1" is not a DNS-1123 label`},
		{"twice", "capacity: 120}\n", "capacity: 120}\n  - {name: embeddings, model: m, capacity: 1}\n", `openai_deployments[1] (embeddings).name: "embeddings" is used twice`},
		{"unknown key", "capacity: 120", "capacity: 120, tpm: 5", "field tpm not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := strings.Replace(ok, tc.old, tc.new, 1)
			if broken == ok {
				t.Fatal("test case does not change the manifest")
			}
			if _, err := Parse("broken.yaml", []byte(broken)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
