package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// --show-config says where every value came from, like git config
// --show-origin, and prints no secret.
func TestShowConfigOrigins(t *testing.T) {
	cfgFile, dir := mergeFixture(t)
	cfg, err := Load(LoadOptions{CfgFile: cfgFile, ExtraDir: dir, VaultPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	out, err := ShowConfigYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	cfgData := readFile(t, cfgFile)
	for _, want := range []string{
		"provider: local # built-in default",
		"tenant_name: default # built-in default",
		fmt.Sprintf("environment_type: dev # --cfg %s:%d", cfgFile, lineOf(t, cfgData, "environment_type")),
		"nginx_plus_enabled: true # default of profile de",
		"        type: Standard_DC2ds_v3 # default of profile de",
		fmt.Sprintf("        min_size: 4 # --cfg %s:%d", cfgFile, lineOf(t, cfgData, "infrastructure.compute.agentpools.common.min_size")),
		fmt.Sprintf("        max_size: 20 # --ecfg %s:7", filepath.Join(dir, "20-second.yml")),
		fmt.Sprintf("context_expiration_days: 12 # --ecfg %s:1", filepath.Join(dir, "20-second.yml")),
		fmt.Sprintf("atlas_network_allowed: # --ecfg %s:2", filepath.Join(dir, "20-second.yml")),
		fmt.Sprintf("elastic_admin_password: <redacted> # --ecfg %s:1 (vault)", filepath.Join(dir, "05-secrets.yml")),
		// Every value of a vaulted file is redacted, whatever its key.
		fmt.Sprintf("backup_retention_time: <redacted> # --ecfg %s:2 (vault)", filepath.Join(dir, "05-secrets.yml")),
		fmt.Sprintf("aura_bot_services_api_key: <redacted> # --cfg %s:%d (vault)", cfgFile, lineOf(t, cfgData, "aura_bot_services_api_key")),
		fmt.Sprintf("aura_encryption_key: <redacted> # --cfg %s:%d", cfgFile, lineOf(t, cfgData, "aura_encryption_key")),
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("--show-config lacks %q", want)
		}
	}
	for _, s := range cfg.SecretValues() {
		for _, shown := range []string{": " + s + " #", "- " + s + " #", s + "\n"} {
			if strings.Contains(text, shown) {
				t.Errorf("--show-config prints a secret (%d chars)", len(s))
			}
		}
	}
	// Still YAML: the origins are comments.
	var doc map[string]any
	if err := yaml.Unmarshal(out, &doc); err != nil || doc["environment_type"] != "dev" {
		t.Errorf("--show-config output is not the YAML config: %v", err)
	}
}
