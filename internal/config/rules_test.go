package config

import (
	"fmt"
	"strings"
	"testing"
)

// Each case breaks one rule of the guide in the (valid) example config and
// expects exactly the problem to name the key, the file and the line.
func TestRules(t *testing.T) {
	base := readFile(t, fullPath)
	tests := []struct {
		name  string
		edits []edit
		path  string // key path the problem must name
		msg   string // part of the message
		line  string // key whose line must be named; "" = path; "-" = no line (missing key)
	}{
		// environment
		{"provider unknown", []edit{{"provider", "gcp"}}, "provider", "must be one of local, azure", ""},
		{"kubeconfig missing", []edit{{"local.kubeconfig", "/nonexistent/kubeconfig"}}, "local.kubeconfig", "cannot read", ""},
		{"charts source absent dir", []edit{{"charts.source", "/nonexistent/charts"}}, "charts.source", "cannot read directory", ""},
		{"charts source url", []edit{{"charts.source", "https://charts.example.com"}}, "charts.source", `must be "repositories", a directory or an oci://`, ""},
		{"charts source empty oci", []edit{{"charts.source", "oci://"}}, "charts.source", "needs a registry host", ""},
		{"state_dir empty", []edit{{"local.state_dir", `""`}}, "local.state_dir", "is required when provider is local", ""},
		{"state_dir is a file", []edit{{"local.state_dir", "testdata/minimal.yml"}}, "local.state_dir", `"testdata/minimal.yml" is a file, not a directory`, ""},
		{"state_dir under a file", []edit{{"local.state_dir", "testdata/minimal.yml/state"}}, "local.state_dir", `"testdata/minimal.yml/state" cannot be created: testdata/minimal.yml is a file`, ""},
		{"environment_type missing", []edit{{"environment_type", "<delete>"}}, "environment_type", "is required", "-"},
		{"environment_type empty", []edit{{"environment_type", `""`}}, "environment_type", "is required", ""},
		{"environment_type upper", []edit{{"environment_type", "PRO"}}, "environment_type", "lowercase", ""},
		{"environment_profile missing", []edit{{"environment_profile", "<delete>"}}, "environment_profile", "is required", "-"},
		{"environment_profile bad", []edit{{"environment_profile", "e_s"}}, "environment_profile", "lowercase", ""},
		{"cluster_name missing", []edit{{"cluster_name", "<delete>"}}, "cluster_name", "is required", "-"},
		{"cluster_name bad", []edit{{"cluster_name", "Aura Cluster!"}}, "cluster_name", "lowercase letters", ""},
		{"cluster_name too long", []edit{{"cluster_name", strings.Repeat("a", 64)}}, "cluster_name", "1 to 63", ""},
		{"tenant too long", []edit{{"tenant_name", "tenant1"}}, "tenant_name", "at most 6 characters", ""},
		{"tenant sum too long", []edit{{"environment_type", "pre"}, {"environment_profile", "esp"}, {"tenant_name", "brand1"}}, "tenant_name", "at most 11 characters", ""},
		{"tenant next", []edit{{"tenant_name", "next"}}, "tenant_name", "default tenant's -next names", ""},
		{"tenant underscore", []edit{{"tenant_name", "t_one"}}, "tenant_name", "lowercase letters and digits", ""},
		{"azure_region", []edit{{"azure_region", "uksouth"}}, "azure_region", "must be one of westeurope", ""},
		{"resource tag name", []edit{{"resources_tags", `{"a/b": x}`}}, "resources_tags.a/b", "Azure tag name", "resources_tags"},
		// notifications
		{"email missing", []edit{{"notifications_email", "<delete>"}}, "notifications_email", "is required", "-"},
		{"email bad", []edit{{"notifications_email", "not-an-email"}}, "notifications_email", "email address", ""},
		{"email display name", []edit{{"notifications_email", `"Ops <ops@example.com>"`}}, "notifications_email", "email address", ""},
		{"smtp smarthost no port", []edit{{"notifications_smtp.smarthost", "smtp.example.com"}}, "notifications_smtp.smarthost", "must be HOST:PORT", ""},
		{"smtp from missing", []edit{{"notifications_smtp.from", `""`}}, "notifications_smtp.from", "is required when notifications_smtp.smarthost is set", ""},
		{"smtp from bad", []edit{{"notifications_smtp.from", "alerts"}}, "notifications_smtp.from", "email address", ""},
		{"smtp user without password", []edit{{"notifications_smtp.username", "aura"}}, "notifications_smtp.password", "go together", ""},
		{"webhook severity", []edit{{"notifications_webhooks[0].severity", "fatal"}}, "notifications_webhooks[0].severity", "warning, critical, info", ""},
		{"webhook url", []edit{{"notifications_webhooks[0].url", "myurl"}}, "notifications_webhooks[0].url", "http:// or https://", ""},
		{"webhook url spaces", []edit{{"notifications_webhooks[0].url", "http://my url"}}, "notifications_webhooks[0].url", "http:// or https://", ""},
		{"webhook name", []edit{{"notifications_webhooks[0].name", `""`}}, "notifications_webhooks[0].name", "is required", ""},
		{"webhook duplicate", []edit{{"notifications_webhooks", `[{name: a, url: "http://x", severity: info}, {name: a, url: "http://y", severity: info}]`}}, "notifications_webhooks[1].name", "duplicate", ""},
		// Kernel
		{"kernel client_id", []edit{{"fourth_platform.client_id", "<delete>"}}, "fourth_platform.client_id", "is required", "fourth_platform"},
		{"kernel client_secret", []edit{{"fourth_platform.client_secret", `""`}}, "fourth_platform.client_secret", "is required", ""},
		{"kernel client_id_context", []edit{{"fourth_platform.client_id_context", `""`}}, "fourth_platform.client_id_context", "is required", ""},
		{"kernel client_secret_context", []edit{{"fourth_platform.client_secret_context", "<delete>"}}, "fourth_platform.client_secret_context", "is required", "fourth_platform"},
		{"kernel apigw_url", []edit{{"fourth_platform.apigw_url", "api.es-pro.baikalplatform.com"}}, "fourth_platform.apigw_url", "https://", ""},
		{"kernel apigw_url_context", []edit{{"fourth_platform.apigw_url_context", "https://es-pro.baikalplatform.com"}}, "fourth_platform.apigw_url_context", "host name", ""},
		{"kernel authserver slash", []edit{{"fourth_platform.authserver_url", "https://auth.es-pro.baikalplatform.com"}}, "fourth_platform.authserver_url", "must end with '/'", ""},
		{"kernel sdk repos", []edit{{"fourth_platform.synchronizer_sdk_repos", "ftp://x"}}, "fourth_platform.synchronizer_sdk_repos", "https://", ""},
		{"conversations days", []edit{{"fourth_platform.conversations.days_to_find", "0"}}, "fourth_platform.conversations.days_to_find", "at least 1", ""},
		{"conversations platform", []edit{{"fourth_platform.conversations.platform", "gcp"}}, "fourth_platform.conversations.platform", "must be one of", ""},
		{"conversations bucket", []edit{{"fourth_platform.conversations.platform", "aws"}}, "fourth_platform.conversations.bucket", "is required when fourth_platform.conversations.platform is set", "fourth_platform.conversations.bucket"},
		// Genesys
		{"genesys api_url", []edit{{"genesys_enabled", "true"}, {"genesys.user", "aura"}, {"genesys.secret", "gsecret"}}, "genesys.api_url", "is required when genesys_enabled is true", ""},
		{"genesys user", []edit{{"genesys_enabled", "true"}, {"genesys.api_url", "https://g.example.com"}, {"genesys.secret", "gsecret"}}, "genesys.user", "is required when genesys_enabled", ""},
		{"genesys secret", []edit{{"genesys_enabled", "true"}, {"genesys.api_url", "https://g.example.com"}, {"genesys.user", "aura"}}, "genesys.secret", "is required when genesys_enabled", ""},
		{"genesys push_provider", []edit{{"genesys_enabled", "true"}, {"genesys.api_url", "https://g.example.com"}, {"genesys.user", "aura"}, {"genesys.secret", "gsecret"}, {"genesys.push_provider", `""`}}, "genesys.push_provider", "is required", ""},
		// encryption
		{"algorithm", []edit{{"aura_encryption_algorithm", "aes-256-gcm"}}, "aura_encryption_algorithm", "aes-256-cbc, aes-192-cbc, aes-128-cbc", ""},
		{"key missing", []edit{{"aura_encryption_key", "<delete>"}}, "aura_encryption_key", "is required", "-"},
		{"key short", []edit{{"aura_encryption_key", "5eb23be8ba10455e78455c84b4512af"}}, "aura_encryption_key", "must be 32 characters for aes-256-cbc, it has 31", ""},
		{"key not alnum", []edit{{"aura_encryption_key", "5eb23be8ba10455e78455c84b4512a-3"}}, "aura_encryption_key", "letters and digits", ""},
		{"key second item", []edit{{"aura_encryption_key", "5eb23be8ba10455e78455c84b4512af3,7387dd96cd704d95"}}, "aura_encryption_key", "item 2 must be 32 characters", ""},
		{"key with space", []edit{{"aura_encryption_key", `"5eb23be8ba10455e78455c84b4512af3, 7387dd96cd704d95dd9e4bfa417ab8ff"`}}, "aura_encryption_key", "item 2 must be letters and digits only", ""},
		{"key empty item", []edit{{"aura_encryption_key", "5eb23be8ba10455e78455c84b4512af3,"}}, "aura_encryption_key", "item 2 of the comma-separated list is empty", ""},
		{"key length for aes-128", []edit{{"aura_encryption_algorithm", "aes-128-cbc"}}, "aura_encryption_key", "must be 16 characters for aes-128-cbc", ""},
		{"iv negative", []edit{{"aura_encryption_iv_position", "-1"}}, "aura_encryption_iv_position", "between 0 and 96", ""},
		{"iv too large", []edit{{"aura_encryption_iv_position", "97"}}, "aura_encryption_iv_position", "between 0 and 96", ""},
		{"bot api key not hex", []edit{{"aura_bot_services_api_key", "XYZ"}}, "aura_bot_services_api_key", "hexadecimal", ""},
		// retention, DNS
		{"backup retention", []edit{{"backup_retention_time", "0"}}, "backup_retention_time", "at least 1", ""},
		{"log retention", []edit{{"log_retention_time", "-3"}}, "log_retention_time", "at least 1", ""},
		{"context expiration", []edit{{"context_expiration_days", "0"}}, "context_expiration_days", "at least 1", ""},
		{"next bot channel", []edit{{"next_bot_channel_enabled", "true"}}, "next_bot_channel_enabled", "needs next_domains_enabled", ""},
		{"legacy domain", []edit{{"legacy_services_domain", "not a domain"}}, "legacy_services_domain", "DNS name", ""},
		// agents
		{"agent account name", []edit{{"context_agents.new_agent_name.azure_account", "Bad_Account"}}, "context_agents.new_agent_name.azure_account", "storage account", ""},
		{"agent container", []edit{{"context_agents.new_agent_name.azure_container", "AB"}}, "context_agents.new_agent_name.azure_container", "container name", ""},
		{"agents share a container", []edit{{"context_agents.Sales-EU", "{}"}, {"context_agents.sales_eu", "{}"}}, "context_agents.sales_eu", `would be "agent-sales-eu", the same as agent "Sales-EU"'s`, ""},
		// networks
		{"gateway origins", []edit{{"aura_gateway_api_allowed_origins", "[195.235.92.0/33]"}}, "aura_gateway_api_allowed_origins[0]", "must be a CIDR", ""},
		{"manager origins", []edit{{"aura_manager_allowed_origins", "[foo]"}}, "aura_manager_allowed_origins[0]", "must be a CIDR", ""},
		{"clu ranges", []edit{{"clu_allowed_ranges", "[300.1.1.0/24]"}}, "clu_allowed_ranges[0]", "must be a CIDR", ""},
		{"openai ranges", []edit{{"openai_enabled", "true"}, {"openai_allowed_ranges", "[195.235.92.0/23, 10.0.0.0/8/1]"}}, "openai_allowed_ranges[1]", "must be a CIDR", ""},
		{"ssh sources", []edit{{"ssh_allowed_sources", `["X.X.X.X/XX"]`}}, "ssh_allowed_sources[0]", "must be a CIDR", ""},
		{"k8s api sources", []edit{{"kubernetes_api_allowed_sources", `["10.0.0.0/8", "any"]`}}, "kubernetes_api_allowed_sources[1]", `or "*"`, ""},
		{"host bits", []edit{{"ssh_allowed_sources", `["195.235.92.1/23"]`}}, "ssh_allowed_sources[0]", `did you mean "195.235.92.0/23"`, ""},
		{"whitelist raw_logs", []edit{{"service_whitelist_source_ranges.raw_logs", `["0.0.0.0/0", "1.2.3"]`}}, "service_whitelist_source_ranges.raw_logs[1]", "must be a CIDR", ""},
		{"whitelist dashboard", []edit{{"service_whitelist_source_ranges.dashboard", `["nope"]`}}, "service_whitelist_source_ranges.dashboard[0]", "must be a CIDR", ""},
		{"atlas network", []edit{{"atlas_network_allowed", `["10.0.0.300"]`}}, "atlas_network_allowed[0]", "or an IP address", ""},
		// backoffice users
		{"dashboards empty", []edit{{"backoffice_users.dashboards", "[]"}}, "backoffice_users.dashboards", "at least one user", ""},
		{"logs missing", []edit{{"backoffice_users.logs", "<delete>"}}, "backoffice_users.logs", "at least one user", "backoffice_users"},
		{"logs roles", []edit{{"backoffice_users.logs[0].roles", "<delete>"}}, "backoffice_users.logs[0].roles", "is required", "backoffice_users.logs[0]"},
		{"logs password short", []edit{{"backoffice_users.logs[0].password", "abc"}}, "backoffice_users.logs[0].password", "at least 6 characters", ""},
		{"metrics password", []edit{{"backoffice_users.metrics[0].password", `""`}}, "backoffice_users.metrics[0].password", "is required", ""},
		{"alerts name", []edit{{"backoffice_users.alerts[0].name", "<delete>"}}, "backoffice_users.alerts[0].name", "is required", "backoffice_users.alerts[0]"},
		{"manager users", []edit{{"backoffice_users.aura_manager", "[]"}}, "backoffice_users.aura_manager", "while aura-manager is deployed", ""},
		{"duplicate user", []edit{{"backoffice_users.metrics", "[{name: a, password: p1}, {name: a, password: p2}]"}}, "backoffice_users.metrics[1].name", "duplicate user", ""},
		{"elastic user in logs", []edit{{"backoffice_users.logs[0].name", "elastic"}}, "backoffice_users.logs[0].name", "built-in admin", ""},
		// Elastic
		{"elastic password missing", []edit{{"elastic_admin_password", "<delete>"}}, "elastic_admin_password", "is required", "-"},
		{"elastic password short", []edit{{"elastic_admin_password", "root"}}, "elastic_admin_password", "at least 6", ""},
		{"snapshot expire", []edit{{"eck_azure_snapshot_expire", "366"}}, "eck_azure_snapshot_expire", "time value", ""},
		{"snapshot schedule fields", []edit{{"eck_azure_snapshot_schedule", `"0 1 * * *"`}}, "eck_azure_snapshot_schedule", "6 or 7 fields", ""},
		{"snapshot schedule range", []edit{{"eck_azure_snapshot_schedule", `"0 0 25 * * ?"`}}, "eck_azure_snapshot_schedule", "hours", ""},
		{"snapshot schedule question", []edit{{"eck_azure_snapshot_schedule", `"0 0 1 * * *"`}}, "eck_azure_snapshot_schedule", "'?'", ""},
		// AKS
		{"sku tier", []edit{{"aks_sku_tier", "Standard"}}, "aks_sku_tier", "Paid, Free", ""},
		{"pool min > max", []edit{{"infrastructure.compute.agentpools.common.min_size", "16"}}, "infrastructure.compute.agentpools.common.min_size", "must be ≤ max_size (15)", ""},
		{"pool min negative", []edit{{"infrastructure.compute.agentpools.common.min_size", "-1"}}, "infrastructure.compute.agentpools.common.min_size", "0 or more", ""},
		{"pool mode", []edit{{"infrastructure.compute.agentpools.common.mode", "Worker"}}, "infrastructure.compute.agentpools.common.mode", "System, User", ""},
		{"pool no system", []edit{{"infrastructure.compute.agentpools.system.mode", "User"}}, "infrastructure.compute.agentpools", "at least one agent pool must have mode System", ""},
		{"pool system min 0", []edit{{"infrastructure.compute.agentpools.system.min_size", "0"}}, "infrastructure.compute.agentpools.system.min_size", "System pool needs at least 1", ""},
		{"pool type", []edit{{"infrastructure.compute.agentpools.common.type", "D4as_v4"}}, "infrastructure.compute.agentpools.common.type", "Azure VM size", ""},
		{"pool name", []edit{{"infrastructure.compute.agentpools.Common_Pool", "{mode: User, min_size: 1, max_size: 2, type: Standard_D4as_v4}"}}, "infrastructure.compute.agentpools.Common_Pool", "node pool name", ""},
		{"pool max 0", []edit{{"infrastructure.compute.agentpools.management.max_size", "0"}}, "infrastructure.compute.agentpools.management.max_size", "at least 1", ""},
		{"es storage", []edit{{"elasticsearch.storage_size_gb", "0"}}, "elasticsearch.storage_size_gb", "at least 1", ""},
		{"prometheus storage", []edit{{"prometheus.storage_size_gb", "-5"}}, "prometheus.storage_size_gb", "at least 1", ""},
		// fluent-bit
		{"forwarding key", []edit{{"external_forwarding", "{remote_servers: [{hostname: logs.example.com, port: 24224}]}"}}, "external_forwarding.secret_shared_key", "is required", "external_forwarding"},
		{"forwarding port", []edit{{"external_forwarding", "{secret_shared_key: k3y-value, remote_servers: [{hostname: logs.example.com, port: 70000}]}"}}, "external_forwarding.remote_servers[0].port", "1 to 65535", ""},
		{"forwarding servers", []edit{{"external_forwarding", "{secret_shared_key: k3y-value}"}}, "external_forwarding.remote_servers", "at least one server", "external_forwarding"},
		// NGINX
		{"ssl protocols", []edit{{"nginx.ssl_protocols", "TLSv1.2 TLSv9"}}, "nginx.ssl_protocols", `unknown protocol "TLSv9"`, ""},
		{"prefer server ciphers", []edit{{"nginx.ssl_prefer_server_ciphers", "maybe"}}, "nginx.ssl_prefer_server_ciphers", "True or False", ""},
		{"dos without plus", []edit{{"nginx_plus_dos_enabled", "true"}}, "nginx_plus_dos_enabled", "needs nginx_plus_enabled", ""},
		{"plus log_conf", []edit{{"nginx_plus_enabled", "true"}, {"prometheus_es_exporter_enabled", "true"}, {"nginx_plus.log_conf", "logconf"}}, "nginx_plus.log_conf", "NAMESPACE/NAME", ""},
		{"plus log_dest", []edit{{"nginx_plus_enabled", "true"}, {"prometheus_es_exporter_enabled", "true"}, {"nginx_plus.log_dest", "fluent-bit:5140"}}, "nginx_plus.log_dest", "syslog:server=HOST:PORT", ""},
		// Atlas
		{"atlas orgId missing", []edit{{"atlas_orgId", "<delete>"}}, "atlas_orgId", "is required when atlas_enabled", "-"},
		{"atlas orgId bad", []edit{{"atlas_orgId", "XXX"}}, "atlas_orgId", "24-hex-digit", ""},
		{"atlas public key", []edit{{"atlas_public_apikey", `""`}}, "atlas_public_apikey", "is required", ""},
		{"atlas private key", []edit{{"atlas_private_apikey", "<delete>"}}, "atlas_private_apikey", "is required", "-"},
		{"atlas project name", []edit{{"atlas_project_name", "Aura_Project"}}, "atlas_project_name", "RFC 1123", ""},
		{"atlas cluster name", []edit{{"atlas_cluster_name", "-bad-"}}, "atlas_cluster_name", "RFC 1123", ""},
		{"atlas mongo version", []edit{{"atlas_mongo_major_version", "eight"}}, "atlas_mongo_major_version", "major version", ""},
		{"atlas day", []edit{{"atlas_maintenance_windows", "{day_of_week: 8, hour_of_day: 13}"}}, "atlas_maintenance_windows.day_of_week", "1 (Sunday) to 7", ""},
		{"atlas day 0", []edit{{"atlas_maintenance_windows", "{day_of_week: 0, hour_of_day: 13}"}}, "atlas_maintenance_windows.day_of_week", "1 (Sunday) to 7", ""},
		{"atlas hour", []edit{{"atlas_maintenance_windows", "{day_of_week: 2, hour_of_day: 24}"}}, "atlas_maintenance_windows.hour_of_day", "0 to 23", ""},
		{"atlas cluster type", []edit{{"atlas_cluster_type", "STANDALONE"}}, "atlas_cluster_type", "REPLICASET, SHARDED", ""},
		{"atlas shards with replicaset", []edit{{"atlas_num_shards", "2"}}, "atlas_num_shards", "must not be set when atlas_cluster_type is REPLICASET", ""},
		{"atlas shards zero", []edit{{"atlas_cluster_type", "SHARDED"}, {"atlas_num_shards", "0"}}, "atlas_num_shards", "1 to 70", ""},
		{"atlas sharded small", []edit{{"atlas_cluster_type", "SHARDED"}, {"atlas_instance_size", "M20"}, {"atlas_min_instance_size", "M10"}}, "atlas_instance_size", "M30 or larger", ""},
		{"atlas size syntax", []edit{{"atlas_instance_size", "large"}}, "atlas_instance_size", "Atlas instance size", ""},
		{"atlas min > max", []edit{{"atlas_min_instance_size", "M50"}}, "atlas_min_instance_size", "must not be larger than atlas_max_instance_size (M40)", ""},
		{"atlas autoscale range", []edit{{"atlas_autoscaling_compute", "true"}, {"atlas_instance_size", "M60"}}, "atlas_instance_size", "between atlas_min_instance_size", ""},
		{"atlas disk multiple", []edit{{"atlas_autoscaling_disk", "false"}, {"atlas_disk_size", "500"}}, "atlas_disk_size", "multiple of 8", ""},
		{"atlas disk zero", []edit{{"atlas_disk_size", "0"}}, "atlas_disk_size", "positive", ""},
		// active listening, databricks, Brazil, NLP
		{"active listening key", []edit{{"active_listening_enabled", "true"}, {"fourth_platform.conversations", "{platform: aws, bucket: b, access_key: a, secret_key: s3cretkey}"}}, "active_listening_encryption_key", "is required when active_listening_enabled is true", ""},
		{"databricks node type", []edit{{"databricks.cluster.node_type_id", "D8as"}}, "databricks.cluster.node_type_id", "Azure VM size", ""},
		{"databricks schedule", []edit{{"databricks.job.schedule", `"59 59 23 * *"`}}, "databricks.job.schedule", "6 or 7 fields", ""},
		{"databricks schedule bad dow", []edit{{"databricks.job.schedule", `"0 0 12 ? * MOX"`}}, "databricks.job.schedule", "day-of-week", ""},
		{"databricks compliance", []edit{{"databricks.params.complianceStandards", "[hipaa]"}}, "databricks.params.complianceStandards[0]", "upper-case", ""},
		{"databricks compliance empty", []edit{{"databricks_enabled", "true"}, {"databricks_enhanced_security_compliance", "true"}, {"databricks.params.complianceStandards", "[]"}}, "databricks.params.complianceStandards", "is required", ""},
		{"br subscription key", []edit{{"environment_profile", "br"}}, "aurapush_feedback_subscription_key", "for environment_profile br", ""},
		{"br endpoint", []edit{{"environment_profile", "br"}, {"aurapush_feedback_endpoint", "hmlapi"}, {"aurapush_feedback_subscription_key", "sub-key-1"}}, "aurapush_feedback_endpoint", "https://", ""},
		{"nlp version", []edit{{"nlp_packages", "{resources_xxxx: 0.10}"}}, "nlp_packages.resources_xxxx", "X.Y.Z", ""},
		{"nlp name", []edit{{"nlp_packages", `{"bad name": 0.1.0}`}}, "nlp_packages.bad name", "package name", ""},
		{"resolutions version", []edit{{"resolutions", "latest"}}, "resolutions", "X.Y.Z", ""},
		// templates
		{"undefined template variable", []edit{{"atlas_project_name", `"aura-{{ environment_nam }}"`}}, "atlas_project_name", `cannot render template: undefined variable "environment_nam"`, ""},
		{"template syntax", []edit{{"genesys.push_provider", `"aura-{{ environment_name }"`}}, "genesys.push_provider", "cannot render template: syntax error", ""},
		{"unknown filter", []edit{{"atlas_cluster_name", `"{{ environment_name | nope }}"`}}, "atlas_cluster_name", "filter 'nope' not found", ""},
		// templates are data: no loops, blocks, macros, functions, methods or
		// repetition, and bounded output (a loop like this one used 7 GB)
		{"template loop", []edit{{"atlas_cluster_name", `"{% for i in range(100000000) %}x{% endfor %}"`}}, "atlas_cluster_name", "cannot render template: {% for %} is not allowed", ""},
		{"template macro", []edit{{"atlas_project_name", `"{% macro m() %}x{% endmacro %}{{ m() }}"`}}, "atlas_project_name", "{% macro %} is not allowed", ""},
		{"template block", []edit{{"genesys.push_provider", `"{% block b %}x{% endblock %}"`}}, "genesys.push_provider", "{% block %} is not allowed", ""},
		{"template set", []edit{{"genesys.push_provider", `"{% set x = 1 %}{{ x }}"`}}, "genesys.push_provider", "{% set %} is not allowed", ""},
		{"template repetition", []edit{{"atlas_cluster_name", `"{{ environment_name * 100000000 }}"`}}, "atlas_cluster_name", "the * operator is not allowed", ""},
		{"template function", []edit{{"atlas_cluster_name", `"{{ range(100000000) | join }}"`}}, "atlas_cluster_name", "range is not callable", ""},
		{"template method", []edit{{"atlas_cluster_name", `"{{ environment_name.center(100000000) }}"`}}, "atlas_cluster_name", "unknown method 'center'", ""},
		{"template amplifying filter", []edit{{"atlas_cluster_name", `"{{ environment_name | center(100000000) }}"`}}, "atlas_cluster_name", "filter 'center' not found", ""},
		{"template growing filters", []edit{{"atlas_cluster_name", `"{{ environment_name` + strings.Repeat(" | replace('', environment_name)", 6) + ` }}"`}}, "atlas_cluster_name", "the replace filter makes a result longer than 65536 characters", ""},
		{"template too many concatenations", []edit{{"atlas_cluster_name", `"{{ environment_name` + strings.Repeat(" ~ environment_name", 33) + ` }}"`}}, "atlas_cluster_name", "more than 32 ~ or + operators", ""},
		{"template too long", []edit{{"atlas_cluster_name", `"{{ environment_name }}` + strings.Repeat("x", 5000) + `"`}}, "atlas_cluster_name", "at most 4096 characters", ""},
		{"template division by zero", []edit{{"atlas_cluster_name", `"{{ 1 % 0 }}"`}}, "atlas_cluster_name", "cannot render template: cannot evaluate: runtime error: integer divide by zero", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := mutate(t, base, tc.edits...)
			_, errs, file := loadErrors(t, data)
			if errs == nil {
				t.Fatalf("config loaded, want a problem at %s", tc.path)
			}
			var where string
			switch tc.line {
			case "-":
				where = file + ": " + tc.path + ": "
			case "":
				where = fmt.Sprintf("%s:%d: %s: ", file, lineOf(t, data, tc.path), tc.path)
			default:
				where = fmt.Sprintf("%s:%d: %s: ", file, lineOf(t, data, tc.line), tc.path)
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
