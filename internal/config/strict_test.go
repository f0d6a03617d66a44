package config

import (
	"fmt"
	"strings"
	"testing"
)

// Typos of key names are caught at every depth, with a suggestion taken from
// the keys valid at that path.
func TestUnknownKeys(t *testing.T) {
	base := readFile(t, fullPath)
	tests := []struct {
		path, suggestion string
	}{
		{"enviroment_type", "environment_type"},
		{"cluster_nmae", "cluster_name"},
		{"aura_encription_key", "aura_encryption_key"},
		{"fourth_platform.client_secrt", "client_secret"},
		{"fourth_platform.conversations.day_to_find", "days_to_find"},
		{"infrastructure.compute.agentpols", "agentpools"},
		{"infrastructure.compute.agentpools.common.minsize", "min_size"},
		{"atlas_maintenance_windows.day_of_wek", "day_of_week"},
		{"service_whitelist_source_ranges.rawlogs", "raw_logs"},
		{"nginx_plus.log_config", "log_conf"},
		{"databricks.job.schedulle", "schedule"},
		{"local.kube_config", "kubeconfig"},
		{"Provider", "provider"},
		{"atlas_orgid", "atlas_orgId"},
		{"totally_unrelated_key", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			data := mutate(t, base, edit{tc.path, "1"})
			_, errs, file := loadErrors(t, data)
			if errs == nil {
				t.Fatal("config loaded, want an unknown key error")
			}
			want := fmt.Sprintf("%s:%d: %s: unknown key", file, lineOf(t, data, tc.path), tc.path)
			if tc.suggestion != "" {
				want += fmt.Sprintf(" (did you mean %q?)", tc.suggestion)
			}
			for _, p := range errs.Problems {
				if p.String() == want {
					return
				}
			}
			t.Fatalf("want %q; got:\n%v", want, errs)
		})
	}
}

func TestTypeErrors(t *testing.T) {
	base := readFile(t, fullPath)
	tests := []struct {
		path, value, msg string
	}{
		{"aura_encryption_iv_position", `"35"`, "must be an integer, not a string (remove the quotes)"},
		{"backup_retention_time", "seven", "must be an integer, not a string"},
		{"log_retention_time", "7.5", "must be an integer, not a number"},
		{"aks_multi_az", `"yes"`, "must be true or false, not a string"},
		{"atlas_enabled", "1", "must be true or false, not an integer"},
		{"cluster_name", "[a, b]", "must be a string, not a list"},
		{"fourth_platform", "kernel", "must be a mapping, not a string"},
		{"notifications_webhooks", "{name: x}", "must be a list, not a mapping"},
		{"resources_tags", "[a]", "must be a mapping, not a list"},
		{"infrastructure.compute.agentpools.common.min_size", "two", "must be an integer"},
		{"infrastructure.compute.agentpools.common", "small", "must be a mapping, not a string"},
		{"nlp_packages.resources_x", "{v: 1}", "must be a string, not a mapping"},
		{"atlas_network_allowed", "10.0.0.0/8", "must be a list, not a string"},
		{"backoffice_users.logs[0].roles", "admin", "must be a list, not a string"},
		{"external_forwarding.remote_servers", `[{hostname: h, port: "24224"}]`, "must be an integer"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			data := mutate(t, base, edit{tc.path, tc.value})
			_, errs, file := loadErrors(t, data)
			if errs == nil {
				t.Fatal("config loaded, want a type error")
			}
			prefix := fmt.Sprintf("%s:%d: %s", file, lineOf(t, data, tc.path), tc.path)
			for _, p := range errs.Problems {
				if strings.HasPrefix(p.String(), prefix) && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Fatalf("want %q…%q; got:\n%v", prefix, tc.msg, errs)
		})
	}
}

// One load reports every problem, sorted by line, and a rejected value does
// not also produce a "required" complaint.
func TestAllProblemsAtOnce(t *testing.T) {
	base := readFile(t, fullPath)
	data := mutate(t, base,
		edit{"aks_sku_tier", "Gold"},
		edit{"environment_type", "[dev]"},
		edit{"atlas_cluster_typ", "SHARDED"},
		edit{"infrastructure.compute.agentpools.common.min_size", "99"},
	)
	_, errs, _ := loadErrors(t, data)
	if errs == nil || len(errs.Problems) != 4 {
		t.Fatalf("want 4 problems, got %v", errs)
	}
	for i := 1; i < len(errs.Problems); i++ {
		if errs.Problems[i-1].Line > errs.Problems[i].Line {
			t.Fatalf("problems not sorted by line:\n%v", errs)
		}
	}
	if strings.Contains(errs.Error(), "environment_type: is required") {
		t.Fatalf("a rejected value was also reported as missing:\n%v", errs)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, content, msg string
	}{
		{"syntax", "environment_type: dev\n  cluster_name: x\n", ":2: invalid YAML"},
		{"not a mapping", "- a\n- b\n", "must be a mapping of keys to values"},
		{"two documents", "environment_type: dev\n---\ncluster_name: x\n", "only one YAML document"},
		{"duplicate key", "environment_type: dev\nenvironment_type: pro\n", "duplicate key"},
		{"tab", "environment_type:\tdev\n\tcluster_name: x\n", "invalid YAML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, _ := loadErrors(t, []byte(tc.content))
			if errs == nil || !strings.Contains(errs.Error(), tc.msg) {
				t.Fatalf("want %q, got %v", tc.msg, errs)
			}
		})
	}
	if _, err := Load(LoadOptions{CfgFile: "/nonexistent/config.yml"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/config.yml: cannot read config file") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Load(LoadOptions{}); err == nil {
		t.Fatal("no --cfg: want an error")
	}
}

func TestSuggest(t *testing.T) {
	valid := []string{"environment_type", "environment_profile", "cluster_name"}
	for in, want := range map[string]string{
		"environment_typ":  ` (did you mean "environment_type"?)`,
		"ENVIRONMENT_TYPE": ` (did you mean "environment_type"?)`,
		"clustername":      ` (did you mean "cluster_name"?)`,
		"zzz":              "",
	} {
		if got := suggest(in, valid); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
