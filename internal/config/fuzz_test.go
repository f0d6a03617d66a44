package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files to the loader: it must never panic, and it
// must either load or return *Errors whose every line names the file.
func FuzzLoad(f *testing.F) {
	f.Add(readFile(f, examplePath))
	f.Add(readFile(f, "testdata/minimal.yml"))
	f.Add([]byte("environment_type: [\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("infrastructure: {compute: {agentpools: {common: null, x: [1]}}}\n"))
	f.Add([]byte("aura_encryption_key: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n"))
	f.Add([]byte("genesys: {push_provider: '{{ undefined_var }}'}\natlas_cluster_name: '{% for %}'\n"))
	f.Add([]byte("<<: {a: 1}\nnotifications_webhooks: [{name: 1, url: 2, severity: 3}]\n"))
	f.Add([]byte("--- 1\n--- 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "config.yml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(LoadOptions{CfgFile: p, VaultPassword: "pw"})
		if err == nil {
			if cfg == nil || cfg.Derived.Components == nil {
				t.Fatal("nil config without error")
			}
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) || len(errs.Problems) == 0 {
			t.Fatalf("error %T without problems: %v", err, err)
		}
		for _, pr := range errs.Problems {
			if pr.File == "" && pr.From == "" {
				t.Fatalf("problem names no file: %v", pr)
			}
			if strings.Contains(pr.Msg, "cannot decode configuration") {
				t.Fatalf("the checker let an undecodable value through: %v", pr)
			}
		}
	})
}
