package config

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func loadOK(t *testing.T, data []byte) *Config {
	t.Helper()
	cfg, errs, _ := loadErrors(t, data)
	if errs != nil {
		t.Fatalf("want a valid config, got:\n%v", errs)
	}
	return cfg
}

func TestExampleIsValid(t *testing.T) {
	cfg := loadOK(t, readFile(t, examplePath))
	if len(cfg.Warnings) != 0 {
		t.Errorf("the example config has warnings: %q", cfg.Warnings)
	}
	if cfg.Provider != "local" {
		t.Errorf("example provider = %q, want local", cfg.Provider)
	}
	if !strings.HasPrefix(string(readFile(t, examplePath)), "# yaml-language-server: $schema=") {
		t.Error("example lacks the yaml-language-server schema line")
	}
}

func TestDerivedNames(t *testing.T) {
	tests := []struct {
		edits                                  []edit
		env, core, agents, release, atlasClust string
	}{
		{nil, "ap-dev", "aura-ap-dev", "aura-agents-ap-dev", "aura-ap-dev-7-2-0", "ap-dev80"},
		{[]edit{{"environment_profile", "es"}, {"environment_type", "pro"}, {"active_listening_enabled", "false"}}, "es-pro", "aura-es-pro", "aura-agents-es-pro", "aura-es-pro-7-2-0", "es-pro80"},
		{[]edit{{"tenant_name", "brand1"}, {"environment_type", "pre"}}, "ap-pre-brand1", "aura-ap-pre-brand1", "aura-agents-ap-pre-brand1", "aura-ap-pre-brand1-7-2-0", "ap-pre-brand180"},
		{[]edit{{"atlas_mongo_major_version", `"7.0"`}}, "ap-dev", "aura-ap-dev", "aura-agents-ap-dev", "aura-ap-dev-7-2-0", "ap-dev70"},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			cfg := loadOK(t, mutate(t, readFile(t, "testdata/minimal.yml"), tc.edits...))
			d := cfg.Derived
			got := []string{d.EnvironmentName, d.CoreNamespace, d.AgentsNamespace, cfg.ReleaseNamespace("7.2.0"), cfg.AtlasClusterName}
			want := []string{tc.env, tc.core, tc.agents, tc.release, tc.atlasClust}
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
			if d.SystemNamespace != "aura-system" {
				t.Errorf("system namespace %q", d.SystemNamespace)
			}
			if cfg.AtlasProjectName != "aura-project-"+tc.env {
				t.Errorf("atlas_project_name %q", cfg.AtlasProjectName)
			}
		})
	}
	cfg := loadOK(t, readFile(t, "testdata/minimal.yml"))
	for in, want := range map[string]string{"7.2.0-rc.1+Build": "aura-ap-dev-7-2-0-rc-1-build", "": "aura-ap-dev", strings.Repeat("9", 80): "aura-ap-dev-" + strings.Repeat("9", 51)} {
		if got := cfg.ReleaseNamespace(in); got != want || len(got) > 63 {
			t.Errorf("ReleaseNamespace(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cfg.NextDNSName("bot"); got != "bot-ap-dev-next.auracognitive.com" {
		t.Errorf("NextDNSName = %q", got)
	}
	if n := cfg.Derived.CommonStorageAccount; len(n) > 24 || !lowerAlnumRE.MatchString(n) {
		t.Errorf("storage account name %q is not valid for Azure", n)
	}
}

func TestComponents(t *testing.T) {
	off := func(keys ...string) []edit {
		var e []edit
		for _, k := range keys {
			e = append(e, edit{k, "false"})
		}
		return e
	}
	tests := []struct {
		name     string
		edits    []edit
		on, offs []string
	}{
		{"defaults", nil,
			[]string{"aura-bot", "nlp", "nginx", "aura-groot", "authentication-api", "user-helper", "aura-configuration-api", "context", "aura-gateway-api", "aura-manager", "atria-model-gateway", "atria-rag-server", "context-4p-sync", "aura-operator"},
			[]string{"aura-bridge", "whatsapp", "rcs", "genesys", "complex-logic", "qdrant", "aurapush-sendfeedback-service"}},
		{"nlpaas only keeps the gateway", off("generative_enabled", "atria_rag_enabled"),
			[]string{"aura-gateway-api"}, []string{"aura-manager", "atria-model-gateway", "atria-rag-server"}},
		{"all ATRIA flags off", off("nlpaas_enabled", "generative_enabled", "atria_rag_enabled"),
			nil, []string{"aura-gateway-api", "aura-manager", "atria-model-gateway", "atria-rag-server"}},
		{"explicit false loses to the ATRIA flags", off("aura_gateway_api_enabled", "aura_manager_enabled", "atria_model_gw_enabled"),
			[]string{"aura-gateway-api", "aura-manager", "atria-model-gateway"}, nil},
		{"whatsapp brings the bridge", []edit{{"whatsapp_enabled", "true"}}, []string{"whatsapp", "aura-bridge"}, nil},
		{"async callback brings the bridge", []edit{{"async_callback_enabled", "true"}}, []string{"aura-bridge"}, []string{"whatsapp"}},
		{"rcs", []edit{{"rcs_enabled", "true"}}, []string{"rcs", "aura-bridge"}, nil},
		{"openai brings qdrant", []edit{{"openai_enabled", "true"}}, []string{"qdrant"}, nil},
		{"operator off", off("aura_operator_enabled", "context_4p_sync_enabled"), nil, []string{"aura-operator", "context-4p-sync"}},
		{"complex logic", []edit{{"complex_logic_enabled", "true"}}, []string{"complex-logic"}, nil},
		{"br brings aurapush", []edit{{"environment_profile", "br"}, {"aurapush_feedback_subscription_key", "sub-key-1"}}, []string{"aurapush-sendfeedback-service"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadOK(t, mutate(t, readFile(t, "testdata/minimal.yml"), tc.edits...))
			comps := cfg.Derived.Components
			if got := slices.Sorted(maps.Keys(comps)); !slices.Equal(got, slices.Sorted(slices.Values(ComponentNames))) {
				t.Fatalf("components %q, want every canonical name", got)
			}
			for _, c := range tc.on {
				if !comps[c] {
					t.Errorf("%s should be enabled", c)
				}
			}
			for _, c := range tc.offs {
				if comps[c] {
					t.Errorf("%s should be disabled", c)
				}
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	base := readFile(t, "testdata/minimal.yml")
	es := loadOK(t, mutate(t, base, edit{"environment_profile", "es"}, edit{"active_listening_encryption_key", "al-key-1"}))
	if !es.ActiveListeningEnabled {
		t.Error("es: active_listening_enabled should default to true")
	}
	uk := mutate(t, base, edit{"environment_profile", "uk"})
	if _, errs, _ := loadErrors(t, uk); errs == nil || !strings.Contains(errs.Error(), "active_listening_encryption_key: is required when active_listening_enabled is true") {
		t.Errorf("uk: want active listening on by default, got %v", errs)
	}
	de := loadOK(t, mutate(t, base, edit{"environment_profile", "de"}))
	if !de.NginxPlusEnabled || !de.NginxPlusDosEnabled || !de.EnableCustomerKeyEncryption || !de.EnableCustomerKeyAtlasEncrypt ||
		de.Infrastructure.Compute.AgentPools["system"].Type != "Standard_DC2ds_v3" {
		t.Errorf("de profile defaults not applied: %+v", de.Infrastructure.Compute.AgentPools["system"])
	}
	ap := loadOK(t, base)
	if ap.NginxPlusEnabled || ap.ActiveListeningEnabled || ap.Derived.Components["aurapush-sendfeedback-service"] {
		t.Error("ap should be the global defaults")
	}
	other := loadOK(t, mutate(t, base, edit{"environment_profile", "mx"}))
	// minimal.yml names no mail server, hence the second warning.
	if len(other.Warnings) != 2 || !strings.Contains(other.Warnings[0], `"mx" has no built-in profile defaults`) ||
		!strings.Contains(other.Warnings[1], "notifications_smtp.smarthost: is not set: alerts are not emailed") {
		t.Errorf("unknown profile: warnings %q", other.Warnings)
	}
	// The user's value beats the profile's.
	de2 := loadOK(t, mutate(t, base, edit{"environment_profile", "de"}, edit{"nginx_plus_dos_enabled", "false"}))
	if de2.NginxPlusDosEnabled {
		t.Error("--cfg should override the profile default")
	}
}

func TestWarnings(t *testing.T) {
	base := readFile(t, "testdata/minimal.yml")
	tests := []struct {
		edits []edit
		want  string
	}{
		{[]edit{{"environment_type", "qa"}}, "environment_type: \"qa\" is not one of pre, pro, int"},
		{[]edit{{"context_agents", "{ag1: {azure_account: acct1}}"}}, "context_agents.ag1: external account needs azure_account, azure_sas_token and azure_container together; azure_sas_token, azure_container missing"},
		{[]edit{{"aura_gateway_api_enabled", "false"}}, "aura_gateway_api_enabled: false has no effect"},
		{[]edit{{"nlpaas_enabled", "false"}, {"generative_enabled", "false"}, {"atria_rag_enabled", "false"}, {"aura_manager_enabled", "true"}}, "aura_manager_enabled: true has no effect"},
		{[]edit{{"atlas_scaledown_compute", "true"}}, "atlas_scaledown_compute: has no effect"},
		{[]edit{{"atlas_disk_size", "256"}}, "atlas_disk_size: is ignored while atlas_autoscaling_disk is true"},
		{[]edit{{"log_retention_time", "30"}}, "log_retention_time: 30 days is more than the default 7"},
		{[]edit{{"eck_azure_snapshot_schedule", `"0 0 3 * * ?"`}}, "eck_azure_snapshot_schedule: has no effect while eck_azure_snapshot_readonly is true"},
		{[]edit{{"legacy_services_domain", "ai-services.example.org"}}, "legacy_services_domain: ai-services.example.org is not in the zone auracognitive.com"},
		{[]edit{{"nginx_plus_enabled", "true"}}, "NGINX Plus alerts need prometheus_es_exporter_enabled"},
		{[]edit{{"databricks_requireInfrastructureEncryption", "true"}}, "databricks_requireInfrastructureEncryption: has no effect while databricks_enabled is false"},
		{[]edit{{"environment_profile", "mx"}, {"databricks_enabled", "true"}}, `environment_profile: "mx" has no OB time zone known to aura: the Databricks job's schedule (databricks.job.schedule) runs in UTC`},
		{[]edit{{"aurapush_feedback_subscription_key", "k-1234"}}, "aurapush_feedback_subscription_key: is only used by environment_profile br"},
		{[]edit{{"active_listening_enabled", "true"}, {"active_listening_encryption_key", "al-key-123"}}, "fourth_platform.conversations.platform: is empty, but Active Listening"},
		{[]edit{{"atlas_enabled", "false"}}, "atlas_enabled: is false"},
		{[]edit{{"aura_bot_services_api_key", "<delete>"}}, "aura_bot_services_api_key: is not set; deploy_core needs it"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			cfg := loadOK(t, mutate(t, base, tc.edits...))
			for _, w := range cfg.Warnings {
				if strings.Contains(w, tc.want) {
					return
				}
			}
			t.Errorf("want warning %q, got %q", tc.want, cfg.Warnings)
		})
	}
}

func TestTemplateContextAndRedaction(t *testing.T) {
	cfgFile, dir := mergeFixture(t)
	cfg, err := Load(LoadOptions{CfgFile: cfgFile, ExtraDir: dir, VaultPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.TemplateContext()
	for key, want := range map[string]any{
		"environment_name":            "de-dev",
		"kubernetes_core_namespace":   "aura-de-dev",
		"kubernetes_system_namespace": "aura-system",
		"kubernetes_agents_namespace": "aura-agents-de-dev",
		"aura_encryption_iv_position": 35,
		"cluster_name":                "auraclusterdevap",
		"elastic_admin_password":      "vaulted-elastic-pass",
	} {
		if ctx[key] != want {
			t.Errorf("TemplateContext[%q] = %#v, want %#v", key, ctx[key], want)
		}
	}
	if c, ok := ctx["components"].(map[string]any); !ok || c["aura-bot"] != true || c["qdrant"] != false {
		t.Errorf("TemplateContext components = %#v", ctx["components"])
	}
	pools := ctx["infrastructure"].(map[string]any)["compute"].(map[string]any)["agentpools"].(map[string]any)
	if pools["common"].(map[string]any)["max_size"] != 20 {
		t.Errorf("nested values missing: %#v", pools)
	}
	red := Redacted(cfg)
	for _, key := range []string{"elastic_admin_password", "aura_encryption_key", "aura_bot_services_api_key", "atlas_private_apikey", "backup_retention_time"} {
		if red[key] != Redaction {
			t.Errorf("Redacted[%q] = %#v, want %q", key, red[key], Redaction)
		}
	}
	if red["active_listening_encryption_key"] != "" {
		t.Error("an unset secret should stay visibly empty")
	}
	logs := red["backoffice_users"].(map[string]any)["logs"].([]any)[0].(map[string]any)
	if logs["password"] != Redaction || logs["name"] != "admin" {
		t.Errorf("backoffice user redaction: %#v", logs)
	}
	if red["cluster_name"] != "auraclusterdevap" {
		t.Error("non-secret values must stay")
	}
}

func TestNullPoolRemovesDefault(t *testing.T) {
	cfg := loadOK(t, mutate(t, readFile(t, "testdata/minimal.yml"), edit{"infrastructure", "{compute: {agentpools: {management: null}}}"}))
	if _, ok := cfg.Infrastructure.Compute.AgentPools["management"]; ok || len(cfg.Infrastructure.Compute.AgentPools) != 2 {
		t.Errorf("pools %v", cfg.Infrastructure.Compute.AgentPools)
	}
}

// The --show-config YAML is the redacted config, loadable again as a config.
func TestRedactedYAMLRoundTrip(t *testing.T) {
	cfg := loadOK(t, readFile(t, examplePath))
	out, err := RedactedYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "ROOT_PASSWD") || !strings.HasPrefix(string(out), "provider: local\nlocal:\n  kubeconfig:") {
		t.Fatalf("unexpected output:\n%s", out[:200])
	}
	// Redacted secrets still satisfy "required"; the length rules of some
	// do not, which proves nothing leaked back.
	_, errs, _ := loadErrors(t, out)
	if errs == nil {
		t.Fatal("a redacted config should not be valid (keys are redacted)")
	}
	for _, p := range errs.Problems {
		// atlas_num_shards: the resolved config shows its default (2), and
		// the guide forbids writing it with REPLICASET. A webhook URL is a
		// secret too (it carries a token), and <redacted> is no URL.
		switch p.Path {
		case "aura_encryption_key", "aura_bot_services_api_key", "atlas_num_shards", "notifications_webhooks[0].url":
		default:
			t.Errorf("unexpected problem in the redacted output: %v", p)
		}
	}
}

// TestTenantGroups: a tenant has its own resource group and storage account
// but its DNS records go in the environment's zone, in the default tenant's
// group (guide: "Multitenant configuration").
func TestTenantGroups(t *testing.T) {
	tests := []struct {
		tenant                     string
		isTenant                   bool
		common, zoneGroup, account string
	}{
		{"default", false, "aura-common-ap-pre", "aura-common-ap-pre", "auracommonappre"},
		{"brand1", true, "aura-common-ap-pre-brand1", "aura-common-ap-pre", "auracommonapprebrand1"},
		{"t1", true, "aura-common-ap-pre-t1", "aura-common-ap-pre", "auracommonappret1"},
	}
	for _, tc := range tests {
		t.Run(tc.tenant, func(t *testing.T) {
			cfg := loadOK(t, mutate(t, readFile(t, "testdata/minimal.yml"), edit{"tenant_name", tc.tenant}, edit{"environment_type", "pre"}))
			d := cfg.Derived
			got := []string{d.CommonResourceGroup, d.DNSZoneResourceGroup, d.CommonStorageAccount}
			if want := []string{tc.common, tc.zoneGroup, tc.account}; !slices.Equal(got, want) || cfg.IsTenant() != tc.isTenant {
				t.Errorf("common group, zone group, account = %q (tenant %v), want %q (tenant %v)", got, cfg.IsTenant(), want, tc.isTenant)
			}
			if zg := cfg.TemplateContext()["dns_zone_resource_group"]; zg != tc.zoneGroup {
				t.Errorf("template context dns_zone_resource_group = %v, want %s", zg, tc.zoneGroup)
			}
		})
	}
}
