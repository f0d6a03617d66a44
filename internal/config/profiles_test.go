package config

import (
	"fmt"
	"strings"
	"testing"
)

// Germany with the shipped example keeps what its profile turns on: the
// example must not switch Confidential Computing or NGINX Plus off.
func TestProfileDefaultsHoldWithTheExample(t *testing.T) {
	base := readFile(t, examplePath)
	for _, env := range []string{"dev", "pro"} {
		t.Run(env, func(t *testing.T) {
			data := mutate(t, base, edit{"environment_profile", "de"}, edit{"environment_type", env})
			cfg, errs, _ := loadErrors(t, data)
			if errs != nil {
				t.Fatal(errs)
			}
			for what, on := range map[string]bool{
				"enable_encryption_in_transit":         cfg.EnableEncryptionInTransit,
				"enable_customer_key_encryption":       cfg.EnableCustomerKeyEncryption,
				"enable_customer_key_atlas_encryption": cfg.EnableCustomerKeyAtlasEncrypt,
				"nginx_plus_enabled":                   cfg.NginxPlusEnabled,
				"nginx_plus_dos_enabled":               cfg.NginxPlusDosEnabled,
				"prometheus_es_exporter_enabled":       cfg.PrometheusESExporterEnabled,
			} {
				if !on {
					t.Errorf("%s is off", what)
				}
			}
			for name, p := range cfg.Infrastructure.Compute.AgentPools {
				if p.Type != "Standard_DC2ds_v3" {
					t.Errorf("pool %s is %s, want Standard_DC2ds_v3", name, p.Type)
				}
			}
			if len(cfg.Warnings) > 0 {
				t.Errorf("warnings: %q", cfg.Warnings)
			}
		})
	}
	for _, p := range []string{"es", "uk"} {
		cfg, errs, _ := loadErrors(t, mutate(t, base, edit{"environment_profile", p},
			edit{"active_listening_encryption_key", "al-key-0123456789"},
			edit{"fourth_platform.conversations", "{platform: azure, bucket: b, access_key: a, secret_key: conv-secret-1}"}))
		if errs != nil {
			t.Fatal(errs)
		}
		if !cfg.ActiveListeningEnabled {
			t.Errorf("profile %s with the example: Active Listening is off", p)
		}
	}
}

// A config that replaces a profile default outside dev is told so, with the
// file and line; in dev, or spelling the default out, it is not.
func TestProfileOverrideWarning(t *testing.T) {
	base := readFile(t, examplePath)
	for _, tc := range []struct {
		env, key, value string
		warn            bool
	}{
		{"pro", "nginx_plus_dos_enabled", "false", true},
		{"pro", "enable_encryption_in_transit", "false", true},
		{"pro", "infrastructure.compute.agentpools.common.type", "Standard_D4as_v4", true},
		{"dev", "nginx_plus_dos_enabled", "false", false},
		{"pro", "nginx_plus_enabled", "true", false},
		{"pro", "nginx_plus.log_dest", `"syslog:server=other:514"`, false},
	} {
		t.Run(tc.env+" "+tc.key+"="+tc.value, func(t *testing.T) {
			data := mutate(t, base, edit{"environment_profile", "de"}, edit{"environment_type", tc.env}, edit{tc.key, tc.value})
			cfg, errs, file := loadErrors(t, data)
			if errs != nil {
				t.Fatal(errs)
			}
			want := fmt.Sprintf("%s: %s (%s:%d) replaces", tc.key, strings.Trim(tc.value, `"`), file, lineOf(t, data, tc.key))
			found := false
			for _, w := range cfg.Warnings {
				if strings.HasPrefix(w, want) && strings.Contains(w, "the default of profile de") {
					found = true
				}
			}
			if found != tc.warn {
				t.Errorf("warned %v, want %v (%q): %q", found, tc.warn, want, cfg.Warnings)
			}
		})
	}
}
