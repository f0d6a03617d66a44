package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/vault"
)

const exampleConfig = "../../examples/config.yml"

// secretsOfExample are values of the example config that must never be printed.
var secretsOfExample = []string{"5eb23be8ba10455e78455c84b4512af3", "change-me-logs", "ROOT_PASSWD", "00000000-0000-0000-0000-000000000000", "f3fe52203f56"}

func TestValidateExample(t *testing.T) {
	code, out, errs := run(t, "validate", "--cfg", exampleConfig)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for _, want := range []string{"configuration is valid", "environment:          ap-dev", "core namespace:       aura-ap-dev",
		"system namespace:     aura-system", "agents namespace:     aura-agents-ap-dev", "enabled components:   aura-bot, nlp,", "warnings:             0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "validate", "--cfg", exampleConfig, "--output", "json")
	var doc struct {
		Valid      bool              `json:"valid"`
		Env        string            `json:"environment_name"`
		Namespaces map[string]string `json:"namespaces"`
		Components map[string]bool   `json:"components"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != ExitOK || err != nil || !doc.Valid || doc.Env != "ap-dev" ||
		doc.Namespaces["agents"] != "aura-agents-ap-dev" || !doc.Components["aura-bot"] {
		t.Errorf("--output json: exit %d, %v, %q", code, err, out)
	}
	code, out, errs = run(t, "validate", "--cfg", exampleConfig, "--show-config")
	if code != ExitOK || !strings.Contains(out, "aura_encryption_key: <redacted>") || !strings.Contains(out, "cluster_name: auraclusterdevap # --cfg "+exampleConfig+":") ||
		!strings.Contains(out, "provider: local # built-in default\n") {
		t.Fatalf("--show-config: exit %d\n%s%s", code, out, errs)
	}
	for _, s := range secretsOfExample {
		if strings.Contains(out+errs, s) {
			t.Errorf("secret %q printed by --show-config", s)
		}
	}
}

func TestValidateInvalid(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	// The example leaves aks_sku_tier commented out at its default.
	bad := strings.Replace(string(data), `# aks_sku_tier: "Paid"`, `aks_sku_tier: "Gold"`, 1)
	bad = strings.Replace(bad, "environment_type: dev", "enviroment_type: dev", 1)
	cfg := filepath.Join(dir, "config.yml")
	if err := writeFile(cfg, bad); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "validate", "--cfg", cfg)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	for _, want := range []string{
		fmt.Sprintf("%s:%d: enviroment_type: unknown key (did you mean \"environment_type\"?)", cfg, lineContaining(bad, "enviroment_type:")),
		cfg + ": environment_type: is required",
		fmt.Sprintf(`%s:%d: aks_sku_tier: must be one of Paid, Free, not "Gold"`, cfg, lineContaining(bad, "aks_sku_tier:")),
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if out != "" {
		t.Errorf("nothing should go to stdout on error: %q", out)
	}
	if code, _, errs := run(t, "validate"); code != ExitUsage || !strings.Contains(errs, "--cfg is required") {
		t.Errorf("no --cfg: exit %d %q", code, errs)
	}
}

// The password reaches inline !vault values through --vault-password-file,
// and warnings go to stderr.
func TestValidateVaultAndWarnings(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := vault.EncryptString("vaulted-elastic-pass", "pw-1", "")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), `elastic_admin_password: "ROOT_PASSWD"`, "elastic_admin_password: "+enc, 1)
	text = strings.Replace(text, "environment_type: dev", "environment_type: qa", 1)
	cfg := filepath.Join(dir, "config.yml")
	pwFile := filepath.Join(dir, "pw")
	if err := writeFile(cfg, text); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(pwFile, "pw-1\n"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "validate", "--cfg", cfg, "--vault-password-file", pwFile, "--show-config")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	if strings.Contains(out+errs, "vaulted-elastic-pass") || !strings.Contains(out, "elastic_admin_password: <redacted>") {
		t.Errorf("vaulted value not redacted:\n%s", out)
	}
	if !strings.Contains(errs, `warning: environment_type: "qa" is not one of pre, pro, int`) {
		t.Errorf("warning not on stderr: %q", errs)
	}
	code, _, errs = run(t, "validate", "--cfg", cfg, "-v", "wrong")
	if code != ExitUsage || !strings.Contains(errs, cfg+":") || !strings.Contains(errs, "elastic_admin_password: vault password is wrong") {
		t.Errorf("wrong password: exit %d %q", code, errs)
	}
}

func lineContaining(text, s string) int {
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, s) {
			return i + 1
		}
	}
	return 0
}

// TestValidateHidesWebhookURLs: webhook URLs carry their tokens, so they are
// secrets: --show-config redacts them and an invalid one is not quoted.
func TestValidateHidesWebhookURLs(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	const hook = "https://hooks.example.com/services/T0/B0/s3cr3t-hook-t0ken"
	// The example shows its webhook commented out.
	text := strings.Replace(string(data), "# notifications_webhooks:\n#   - name: mywebhook\n#     url: \"http://myurl\"\n#     severity: critical",
		"notifications_webhooks:\n  - name: mywebhook\n    url: \""+hook+"\"\n    severity: critical", 1)
	cfg := filepath.Join(dir, "config.yml")
	if err := writeFile(cfg, text); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "validate", "--cfg", cfg, "--show-config")
	if code != ExitOK || !strings.Contains(out, "name: mywebhook") || !strings.Contains(out, "url: <redacted>") {
		t.Fatalf("--show-config: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, "s3cr3t-hook-t0ken") {
		t.Error("--show-config printed the webhook URL")
	}
	bad := strings.Replace(text, hook, "ftp://hooks.example.com/x?token=s3cr3t-hook-t0ken", 1)
	if err := writeFile(cfg, bad); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "validate", "--cfg", cfg)
	want := fmt.Sprintf("%s:%d: notifications_webhooks[0].url: must be an http:// or https:// URL", cfg, lineContaining(bad, "    url:"))
	if code != ExitUsage || !strings.Contains(errs, want) {
		t.Fatalf("invalid URL: exit %d, stderr lacks %q:\n%s", code, want, errs)
	}
	if strings.Contains(out+errs, "s3cr3t-hook-t0ken") {
		t.Errorf("the error quotes the webhook URL: %s", errs)
	}
}
