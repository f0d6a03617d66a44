package config

import (
	"net/url"
	"strings"
)

// AzureConfig is the azure block: the Azure cloud the subscription lives
// in, for provider: azure. The credential and every client use the same
// cloud, so sovereign clouds and a test cloud on this machine work alike.
type AzureConfig struct {
	// AzurePublic (the default), AzureChina, AzureUSGovernment, or Custom
	// with the endpoints below (Azure Stack, a test cloud).
	Cloud string `yaml:"cloud" jsonschema:"enum=,enum=AzurePublic,enum=AzureChina,enum=AzureUSGovernment,enum=Custom"`
	// Microsoft Entra login host of a Custom cloud, e.g. https://login.example.com/.
	AuthorityHost string `yaml:"authority_host"`
	// Resource Manager endpoint of a Custom cloud, e.g. https://management.example.com/.
	ResourceManagerEndpoint string `yaml:"resource_manager_endpoint"`
	// Token audience of that Resource Manager ("" = its endpoint).
	ResourceManagerAudience string `yaml:"resource_manager_audience"`
	// Storage endpoint suffix of a Custom cloud, e.g. core.example.com.
	StorageEndpointSuffix string `yaml:"storage_endpoint_suffix"`
	// Microsoft Graph endpoint of a Custom cloud, e.g. https://graph.example.com:
	// deploy_core returns the service principal's application to
	// single-tenant through it, and create_sp uses it.
	GraphEndpoint string `yaml:"graph_endpoint"`
}

// The clouds azure.cloud names.
var azureClouds = []string{"AzurePublic", "AzureChina", "AzureUSGovernment", "Custom"}

// rules.go lists the guide's rules; the azure block's is added here so that
// the two files can change independently.
func init() { rules = append(rules, ruleAzure) }

func ruleAzure(v *validator) {
	a := v.cfg.Azure
	if a.Cloud != "" && !v.enum("azure.cloud", a.Cloud, azureClouds...) {
		return
	}
	custom := a.Cloud == "Custom"
	endpoints := []struct {
		key, value string
		url        bool
	}{
		{"azure.authority_host", a.AuthorityHost, true},
		{"azure.resource_manager_endpoint", a.ResourceManagerEndpoint, true},
		{"azure.resource_manager_audience", a.ResourceManagerAudience, false},
		{"azure.storage_endpoint_suffix", a.StorageEndpointSuffix, false},
		{"azure.graph_endpoint", a.GraphEndpoint, true},
	}
	for _, e := range endpoints {
		switch {
		case !custom && e.value != "":
			v.errf(e.key, "is only used with azure.cloud: Custom (azure.cloud is %q)", a.Cloud)
		case custom && e.url && v.required(e.key, e.value, " when azure.cloud is Custom"):
			if u, err := url.Parse(e.value); err != nil || u.Scheme != "https" || u.Host == "" {
				v.errf(e.key, "must be an https:// URL, not %q", e.value)
			}
		}
	}
	if custom && v.required("azure.storage_endpoint_suffix", a.StorageEndpointSuffix, " when azure.cloud is Custom") {
		if s := strings.TrimPrefix(a.StorageEndpointSuffix, "."); !hostnameRE.MatchString(s) {
			v.errf("azure.storage_endpoint_suffix", "must be a domain name such as core.example.com, not %q", a.StorageEndpointSuffix)
		}
	}
	if v.cfg.Provider == "azure" {
		ruleAzureNames(v)
		if v.cfg.DatabricksEnabled && v.cfg.DatabricksEnhancedSecurityCompliance {
			// Refused here, not halfway through deploy_common.
			v.errf("databricks_enhanced_security_compliance", "is not available in this build: the Databricks API version aura uses has no enhanced security compliance setting; set it false or enable it on the workspace in Azure")
		}
		if len(v.cfg.SSHAllowedSources) > 0 {
			// Accepted and then not applied would be worse than refused.
			v.errf("ssh_allowed_sources", "is not applied on azure by this build: AKS nodes get no public SSH endpoint and aura creates no network security rule for one; remove the key (reach nodes with `kubectl debug node/…`)")
		}
	}
}

// ruleAzureNames checks the names Azure will be given: they are derived
// from the environment's keys, and Azure's limits would otherwise show up
// as a truncated (and possibly colliding) name or a refusal mid-deploy.
func ruleAzureNames(v *validator) {
	c := v.cfg
	if sa := "auracommon" + nonAlnum.ReplaceAllString(strings.ToLower(c.Derived.EnvironmentName), ""); len(sa) > 24 && !v.identityBad {
		v.errf("environment_type", "the common storage account would be %q (%d characters): Azure allows 3 to 24 lowercase letters and digits; shorten environment_profile, environment_type or tenant_name", sa, len(sa))
	}
	if c.ClusterName != "" && !v.isBroken("cluster_name") {
		if sa := clusterStorageAccount(c.ClusterName); len(sa) > 24 || len(sa) < 3 {
			v.errf("cluster_name", "the cluster's storage account would be %q (%d characters): Azure allows 3 to 24 lowercase letters and digits, and the name is cluster_name's letters and digits plus \"sa\"; use at most 22 of them", sa, len(sa))
		}
	}
	if kv := keyVaultName(c.Derived.EnvironmentName); len(kv) > 24 && !v.identityBad {
		v.errf("environment_type", "the key vault would be %q (%d characters): Azure allows 3 to 24; shorten environment_profile, environment_type or tenant_name", kv, len(kv))
	}
}

func clusterStorageAccount(cluster string) string {
	return nonAlnum.ReplaceAllString(strings.ToLower(cluster), "") + "sa"
}

func keyVaultName(env string) string { return "aura-kv-" + env }

// ClusterStorageAccount is the name of the cluster's storage account:
// cluster_name's letters and digits plus "sa" (validated to fit Azure's 24
// characters on provider azure).
func (c *Config) ClusterStorageAccount() string { return clusterStorageAccount(c.ClusterName) }

// KeyVaultName is the name of the environment's key vault.
func (c *Config) KeyVaultName() string { return keyVaultName(c.Derived.EnvironmentName) }
