package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestAzureRules: the azure block and the Azure names derived from the
// environment, each problem named by key, file and line.
func TestAzureRules(t *testing.T) {
	base := readFile(t, fullPath)
	azure := edit{"provider", "azure"}
	custom := []edit{azure, {"azure.cloud", "Custom"}, {"azure.authority_host", "https://login.test/"},
		{"azure.resource_manager_endpoint", "https://management.test/"}, {"azure.storage_endpoint_suffix", "core.test"},
		{"azure.graph_endpoint", "https://graph.test"}}
	with := func(edits ...edit) []edit { return append(append([]edit(nil), custom...), edits...) }
	tests := []struct {
		name  string
		edits []edit
		path  string
		msg   string
		line  string // "" = path's own line; "-" = no line (missing key)
	}{
		{"unknown cloud", []edit{azure, {"azure.cloud", "AzureGermany"}}, "azure.cloud", "must be one of AzurePublic, AzureChina, AzureUSGovernment, Custom", ""},
		{"endpoint without Custom", []edit{azure, {"azure.cloud", "AzureChina"}, {"azure.authority_host", "https://login.test/"}}, "azure.authority_host", "only used with azure.cloud: Custom", ""},
		{"custom without authority", with(edit{"azure.authority_host", "<delete>"}), "azure.authority_host", "is required when azure.cloud is Custom", "azure"},
		{"custom plain http", with(edit{"azure.resource_manager_endpoint", "http://management.test/"}), "azure.resource_manager_endpoint", "https:// URL", ""},
		{"custom without graph", with(edit{"azure.graph_endpoint", "<delete>"}), "azure.graph_endpoint", "is required when azure.cloud is Custom", "azure"},
		{"graph without Custom", []edit{azure, {"azure.graph_endpoint", "https://graph.test"}}, "azure.graph_endpoint", "only used with azure.cloud: Custom", ""},
		{"custom storage suffix", with(edit{"azure.storage_endpoint_suffix", "core test"}), "azure.storage_endpoint_suffix", "domain name", ""},
		{"cluster storage account too long", []edit{azure, {"cluster_name", "aura-cluster-development-ap-1"}}, "cluster_name", `"auraclusterdevelopmentap1sa" (27 characters)`, ""},
		{"databricks compliance not in build", []edit{azure, {"databricks_enabled", "true"}, {"databricks_enhanced_security_compliance", "true"}}, "databricks_enhanced_security_compliance", "not available in this build", ""},
		{"ssh ranges not applied on azure", []edit{azure, {"ssh_allowed_sources", `["198.51.100.0/24"]`}}, "ssh_allowed_sources", "not applied on azure", ""},
		{"common storage account too long", []edit{azure, {"environment_type", "preproduction"}}, "environment_type", `"auracommonappreproduction" (25 characters)`, ""},
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
			if line == "-" {
				where = file + ": " + tc.path + ": "
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

func TestAzureValid(t *testing.T) {
	base := readFile(t, fullPath)
	for name, edits := range map[string][]edit{
		"public by default": {{"provider", "azure"}},
		"china":             {{"provider", "azure"}, {"azure.cloud", "AzureChina"}},
		"custom": {{"provider", "azure"}, {"azure.cloud", "Custom"}, {"azure.authority_host", "https://login.test/"},
			{"azure.resource_manager_endpoint", "https://management.test/"}, {"azure.storage_endpoint_suffix", "core.test"},
			{"azure.graph_endpoint", "https://graph.test"}},
		// Local clusters take any length: the names only matter on Azure.
		"long names on local": {{"cluster_name", "aura-cluster-development-ap-1"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, errs, _ := loadErrors(t, mutate(t, base, edits...))
			if errs != nil {
				t.Fatal(errs)
			}
			if name == "public by default" && (cfg.ClusterStorageAccount() != "auraclusterdevapsa" || cfg.KeyVaultName() != "aura-kv-ap-dev") {
				t.Errorf("names %q %q", cfg.ClusterStorageAccount(), cfg.KeyVaultName())
			}
		})
	}
}
