package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The operator's S3 access and the local blob endpoint: each problem names
// the key, the file and the line, and never shows the secret.
func TestAuraOperatorRules(t *testing.T) {
	base := readFile(t, fullPath)
	const secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY"
	tests := []struct {
		name  string
		edits []edit
		path  string
		msg   string
		line  string // key whose line is named; "" = path
	}{
		{"secret without id", []edit{{"aura_operator_s3.access_key_id", `""`}, {"aura_operator_s3.secret_access_key", secret}}, "aura_operator_s3.access_key_id", "is required with aura_operator_s3.secret_access_key", ""},
		{"id without secret", []edit{{"aura_operator_s3.secret_access_key", `""`}}, "aura_operator_s3.secret_access_key", "is required with aura_operator_s3.access_key_id", ""},
		{"secret with space", []edit{{"aura_operator_s3.secret_access_key", `"` + secret + ` x"`}}, "aura_operator_s3.secret_access_key", "white space", ""},
		{"endpoint not a URL", []edit{{"aura_operator_s3.endpoint", "minio:9000"}}, "aura_operator_s3.endpoint", "http:// or https://", ""},
		{"region empty", []edit{{"aura_operator_s3.region", `""`}}, "aura_operator_s3.region", "is required when aura_operator_enabled is true", ""},
		{"blob endpoint not a URL", []edit{{"local.blob_endpoint", "azurite"}}, "local.blob_endpoint", "http:// or https://", ""},
		{"unknown key", []edit{{"aura_operator_s3.bucket", "mine"}}, "aura_operator_s3.bucket", "unknown key", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := mutate(t, base, tc.edits...)
			_, errs, file := loadErrors(t, data)
			if errs == nil {
				t.Fatalf("config loaded, want a problem at %s", tc.path)
			}
			line := tc.line
			if line == "" {
				line = tc.path
			}
			where := fmt.Sprintf("%s:%d: %s: ", file, lineOf(t, data, line), tc.path)
			if strings.Contains(errs.Error(), secret) {
				t.Errorf("problems show the secret: %v", errs)
			}
			for _, p := range errs.Problems {
				if strings.HasPrefix(p.String(), where) && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Fatalf("want a problem starting %q containing %q; got:\n%v", where, tc.msg, errs)
		})
	}
}

func TestAuraOperatorS3(t *testing.T) {
	base := readFile(t, fullPath)
	const secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY"
	cfg := loadOK(t, mutate(t, base, edit{"aura_operator_s3.secret_access_key", secret}))
	if !slices.Contains(cfg.SecretValues(), secret) {
		t.Error("secret_access_key is not among the secret values")
	}
	if s := fmt.Sprint(Redacted(cfg)); strings.Contains(s, secret) {
		t.Error("the redacted config shows secret_access_key")
	}
	if cfg.AuraOperatorS3.Region != "eu-west-1" || cfg.Local.BlobEndpoint != "http://127.0.0.1:10000" {
		t.Errorf("defaults: region %q, local.blob_endpoint %q", cfg.AuraOperatorS3.Region, cfg.Local.BlobEndpoint)
	}

	anon := loadOK(t, mutate(t, base, edit{"aura_operator_s3.access_key_id", `""`}, edit{"aura_operator_s3.secret_access_key", `""`}))
	if !slices.ContainsFunc(anon.Warnings, func(w string) bool { return strings.HasPrefix(w, "aura_operator_s3.access_key_id: is not set") }) {
		t.Errorf("no warning about anonymous S3 access: %q", anon.Warnings)
	}
	off := loadOK(t, mutate(t, base, edit{"aura_operator_enabled", "false"}, edit{"aura_operator_s3.access_key_id", `""`}, edit{"aura_operator_s3.secret_access_key", `""`}))
	if len(off.Warnings) != 0 {
		t.Errorf("warnings with the operator off: %q", off.Warnings)
	}
}
