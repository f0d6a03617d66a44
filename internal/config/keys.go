package config

import (
	"reflect"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// The key inventory: every key of config.yml and what consumes it. A key a
// user sets must change something they can see (objects deploy_core or
// deploy_system apply, calls a phase makes to the cloud, the plan) or be
// refused. internal/phase/keys_test.go walks this list: it changes each key
// and fails when none of the uses named here changes, and TestKeyInventory
// fails when a key of the types is missing here.

// Use is what a key's value reaches.
type Use string

// The uses a key may name.
const (
	// UseCore: the objects deploy_core applies.
	UseCore Use = "deploy_core objects"
	// UseCoreCalls: deploy_core's provider calls (bot channels, AI services).
	UseCoreCalls Use = "deploy_core provider calls"
	// UseSystem: the objects and Helm values deploy_system applies.
	UseSystem Use = "deploy_system objects and Helm values"
	// UseInfra: deploy_infra's provider calls (resource group, storage, cluster).
	UseInfra Use = "deploy_infra provider calls"
	// UseCommon: deploy_common's provider calls.
	UseCommon Use = "deploy_common provider calls"
	// UseWarning: the guide derives the value from other keys; setting it
	// otherwise is reported, never silently ignored.
	UseWarning Use = "a warning (derived from other keys)"
	// UseInstaller: how aura itself runs (which cloud, where state lives);
	// Test names the test that proves it.
	UseInstaller Use = "the installer itself"
)

// Key is one inventory entry.
type Key struct {
	Path string
	Uses []Use
	// Test proves a UseInstaller key (a test function of this repository).
	Test string
	// Refused says why the key is not supported; a config that sets it
	// (other than to its default) fails to load with this reason.
	Refused string
}

// Keys is the inventory, in the order of the guide.
var Keys = []Key{
	{Path: "provider", Uses: []Use{UseInstaller}, Test: "TestAzureProvider"},
	{Path: "azure", Uses: []Use{UseInstaller}, Test: "TestAzureProvider"},
	{Path: "local.kubeconfig", Uses: []Use{UseInstaller}, Test: "TestExistingClusterIsNotManaged"},
	{Path: "local.state_dir", Uses: []Use{UseInstaller}, Test: "TestDryRunLeavesLocalStateUntouched"},
	{Path: "local.blob_endpoint", Uses: []Use{UseCore}},
	{Path: "charts", Uses: []Use{UseInstaller}, Test: "TestChartSources"},
	{Path: "registry.username", Uses: []Use{UseCore, UseSystem}},
	{Path: "registry.password", Uses: []Use{UseCore, UseSystem}},
	{Path: "registry.acr", Uses: []Use{UseInfra, UseCoreCalls}},
	{Path: "tls.certificate", Uses: []Use{UseInstaller}, Test: "TestEndpointsServeTheConfiguredCertificate"},
	{Path: "tls.key", Uses: []Use{UseInstaller}, Test: "TestEndpointsServeTheConfiguredCertificate"},
	// The ACME issuer exists on azure only; the key test runs on local.
	{Path: "tls.acme", Uses: []Use{UseInstaller}, Test: "TestCertManagerIssuesThroughAzureDNS"},
	{Path: "local_modules", Uses: []Use{UseInstaller}, Test: "TestLocalModules"},

	{Path: "environment_type", Uses: []Use{UseCore, UseSystem, UseCommon}},
	{Path: "environment_profile", Uses: []Use{UseCore, UseSystem, UseCommon}},
	{Path: "cluster_name", Uses: []Use{UseInfra}},
	{Path: "tenant_name", Uses: []Use{UseCore, UseCoreCalls, UseCommon}},
	{Path: "resources_tags", Uses: []Use{UseInfra, UseCommon, UseCoreCalls}},
	{Path: "azure_region", Uses: []Use{UseInfra, UseCommon, UseCoreCalls}},
	{Path: "notifications_email", Uses: []Use{UseSystem}},
	{Path: "notifications_webhooks", Uses: []Use{UseSystem}},
	{Path: "notifications_smtp", Uses: []Use{UseSystem}},
	{Path: "fourth_platform", Uses: []Use{UseCore, UseSystem}},
	{Path: "genesys.api_url", Uses: []Use{UseCore}},
	{Path: "genesys.push_provider", Uses: []Use{UseCore}},
	{Path: "genesys.user", Uses: []Use{UseCore}},
	{Path: "genesys.secret", Uses: []Use{UseCore}},
	{Path: "aura_encryption_algorithm", Uses: []Use{UseCore}},
	{Path: "aura_encryption_key", Uses: []Use{UseCore}},
	{Path: "aura_encryption_iv_position", Uses: []Use{UseCore}},
	{Path: "aura_bot_services_api_key", Uses: []Use{UseCore}},
	{Path: "backup_retention_time", Uses: []Use{UseSystem, UseInfra, UseCommon}},
	{Path: "log_retention_time", Uses: []Use{UseSystem}},
	{Path: "force_dns_update", Uses: []Use{UseInstaller}, Test: "TestCoreDNSKeepsForeignTargets"},
	{Path: "next_domains_enabled", Uses: []Use{UseCore}},
	{Path: "next_bot_channel_enabled", Uses: []Use{UseCore, UseCoreCalls}},
	{Path: "context_agents", Uses: []Use{UseCore, UseCoreCalls}},
	{Path: "aura_gateway_api_allowed_origins", Uses: []Use{UseCore}},
	{Path: "aura_manager_allowed_origins", Uses: []Use{UseCore}},
	{Path: "clu_allowed_ranges", Uses: []Use{UseCoreCalls}},
	{Path: "openai_allowed_ranges", Uses: []Use{UseCoreCalls}},
	{Path: "context_expiration_days", Uses: []Use{UseCore}},
	{Path: "legacy_services_domain", Uses: []Use{UseCore}},
	{Path: "ssh_allowed_sources", Uses: []Use{UseInfra}},
	{Path: "kubernetes_api_allowed_sources", Uses: []Use{UseInfra}},
	{Path: "service_whitelist_source_ranges", Uses: []Use{UseSystem}},
	{Path: "backoffice_users", Uses: []Use{UseSystem}},
	{Path: "elastic_admin_password", Uses: []Use{UseSystem}},
	{Path: "eck_azure_snapshot_readonly", Uses: []Use{UseSystem}},
	{Path: "eck_azure_snapshot_expire", Uses: []Use{UseSystem, UseWarning}},
	{Path: "eck_azure_snapshot_schedule", Uses: []Use{UseSystem, UseWarning}},
	{Path: "aks_sku_tier", Uses: []Use{UseInfra}},
	{Path: "aks_multi_az", Uses: []Use{UseInfra}},
	{Path: "infrastructure", Uses: []Use{UseInfra}},
	{Path: "elasticsearch", Uses: []Use{UseSystem}},
	{Path: "prometheus", Uses: []Use{UseSystem}},
	{Path: "external_forwarding", Uses: []Use{UseSystem}},
	{Path: "nginx", Uses: []Use{UseSystem}},
	{Path: "nginx_plus_enabled", Uses: []Use{UseCore, UseSystem}},
	{Path: "nginx_plus_dos_enabled", Uses: []Use{UseSystem}},
	{Path: "nginx_plus", Uses: []Use{UseCore}},
	{Path: "prometheus_es_exporter_enabled", Uses: []Use{UseSystem}},
	{Path: "enable_encryption_in_transit", Uses: []Use{UseInfra}},
	{Path: "enable_customer_key_encryption", Uses: []Use{UseInfra, UseCommon}},
	{Path: "enable_customer_key_atlas_encryption", Uses: []Use{UseSystem, UseCommon}},

	{Path: "nlpaas_enabled", Uses: []Use{UseCore}},
	{Path: "generative_enabled", Uses: []Use{UseCore}},
	{Path: "atria_rag_enabled", Uses: []Use{UseCore}},
	{Path: "openai_enabled", Uses: []Use{UseCore, UseCoreCalls}},
	{Path: "aura_gateway_api_enabled", Uses: []Use{UseWarning}},
	{Path: "aura_manager_enabled", Uses: []Use{UseWarning}},
	{Path: "atria_model_gw_enabled", Uses: []Use{UseWarning}},
	{Path: "whatsapp_enabled", Uses: []Use{UseCore}},
	{Path: "async_callback_enabled", Uses: []Use{UseCore}},
	{Path: "genesys_enabled", Uses: []Use{UseCore}},
	{Path: "rcs_enabled", Uses: []Use{UseCore}},
	{Path: "context_4p_sync_enabled", Uses: []Use{UseCore}},
	{Path: "complex_logic_enabled", Uses: []Use{UseCore}},
	{Path: "atlas_enabled", Uses: []Use{UseSystem}},
	{Path: "aura_operator_enabled", Uses: []Use{UseCore}},
	{Path: "active_listening_enabled", Uses: []Use{UseSystem}},
	{Path: "active_listening_encryption_key", Uses: []Use{UseSystem}},
	{Path: "aura_operator_s3", Uses: []Use{UseCore}},

	{Path: "databricks_enabled", Uses: []Use{UseCommon}},
	{Path: "databricks.cluster", Uses: []Use{UseCoreCalls}},
	{Path: "databricks.job", Uses: []Use{UseCoreCalls}},
	{Path: "databricks.params", Uses: []Use{UseCommon}},
	{Path: "enable_customer_key_databricks_encryption", Uses: []Use{UseCommon}},
	{Path: "databricks_enhanced_security_compliance", Uses: []Use{UseCommon}},
	{Path: "databricks_requireInfrastructureEncryption", Uses: []Use{UseCommon}},

	{Path: "aurapush_feedback_endpoint", Uses: []Use{UseCore}},
	{Path: "aurapush_feedback_subscription_key", Uses: []Use{UseCore}},

	{Path: "atlas_orgId", Uses: []Use{UseSystem}},
	{Path: "atlas_public_apikey", Uses: []Use{UseSystem}},
	{Path: "atlas_private_apikey", Uses: []Use{UseSystem}},
	{Path: "atlas_project_name", Uses: []Use{UseSystem}},
	{Path: "atlas_cluster_name", Uses: []Use{UseSystem}},
	{Path: "atlas_mongo_major_version", Uses: []Use{UseSystem}},
	{Path: "atlas_maintenance_windows", Uses: []Use{UseSystem}},
	{Path: "atlas_termination_protection_enabled", Uses: []Use{UseSystem}},
	{Path: "atlas_cluster_type", Uses: []Use{UseSystem}},
	{Path: "atlas_num_shards", Uses: []Use{UseSystem}},
	{Path: "atlas_instance_size", Uses: []Use{UseSystem}},
	{Path: "atlas_network_allowed", Uses: []Use{UseSystem}},
	{Path: "atlas_autoscaling_compute", Uses: []Use{UseSystem}},
	{Path: "atlas_scaledown_compute", Uses: []Use{UseSystem}},
	{Path: "atlas_max_instance_size", Uses: []Use{UseSystem}},
	{Path: "atlas_min_instance_size", Uses: []Use{UseSystem}},
	{Path: "atlas_autoscaling_disk", Uses: []Use{UseSystem}},
	{Path: "atlas_disk_size", Uses: []Use{UseSystem}},
	{Path: "atlas_backup_enabled", Uses: []Use{UseSystem}},
	{Path: "atlas_prometheus_password", Uses: []Use{UseSystem}},

	{Path: "nlp_packages", Uses: []Use{UseCore}},
	{Path: "resolutions", Uses: []Use{UseCore}},
}

// ruleRefused fails a load that sets a refused key to anything but its
// built-in default: accepting it would promise what aura does not do.
func ruleRefused(v *validator) {
	for _, k := range Keys {
		if k.Refused == "" {
			continue
		}
		for p, o := range v.cfg.origins {
			if o.builtin() || (p != k.Path && !hasPathPrefix(p, k.Path)) {
				continue
			}
			if isDefaultValue(v.cfg, k.Path) {
				break
			}
			v.errf(k.Path, "%s", k.Refused)
			break
		}
	}
}

func hasPathPrefix(p, prefix string) bool {
	return len(p) > len(prefix) && p[:len(prefix)] == prefix && (p[len(prefix)] == '.' || p[len(prefix)] == '[')
}

var (
	defaultsOnce sync.Once
	defaultsVals map[string]any
)

// isDefaultValue: the value at path equals the built-in default, so a
// config that merely spells the default out is not refused.
func isDefaultValue(c *Config, path string) bool {
	defaultsOnce.Do(func() {
		var d Config
		data, err := builtin.ReadFile("defaults/defaults.yml")
		if err == nil {
			err = yaml.Unmarshal(data, &d)
		}
		if err != nil {
			panic(err) // embedded at build time
		}
		defaultsVals = toMap(reflect.ValueOf(&d).Elem(), "", nil).(map[string]any)
	})
	have := toMap(reflect.ValueOf(c).Elem(), "", nil).(map[string]any)
	return reflect.DeepEqual(valueAtPath(have, path), valueAtPath(defaultsVals, path))
}

// valueAtPath walks a dotted path of plain maps; nil when absent.
func valueAtPath(m map[string]any, path string) any {
	var cur any = m
	for _, seg := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[seg]
	}
	return cur
}
