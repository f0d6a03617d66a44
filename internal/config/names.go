package config

import (
	"regexp"
	"strings"
)

// Every name derived from the configuration is computed here, so phases,
// templates and DNS agree on them.

// DNSZone is the zone that holds the environments' public names.
const DNSZone = "auracognitive.com"

// Derived holds values computed from the configuration keys.
type Derived struct {
	// EnvironmentName is "{environment_profile}-{environment_type}", plus
	// "-{tenant_name}" for a tenant other than "default" (a tenant gets its
	// own namespace and resource group, as the guide says).
	EnvironmentName string
	CoreNamespace   string // aura-{environment_name}
	SystemNamespace string // aura-system
	AgentsNamespace string // aura-agents-{environment_name}
	// ClusterResourceGroup holds the cluster and its storage account.
	ClusterResourceGroup string
	// CommonResourceGroup holds what deploy_common creates, shared by every
	// cluster and release of the environment. A tenant's is its own (the
	// guide's "dedicated resource group"), which deploy_core creates too.
	CommonResourceGroup string
	// DNSZoneResourceGroup holds the DNS zone: the default tenant's common
	// group, for every tenant. The zone is the one the parent domain
	// delegates to; a second zone of the same name in a tenant's group would
	// resolve nothing.
	DNSZoneResourceGroup string
	// CommonStorageAccount is the shared storage account (3–24 lowercase
	// letters and digits, as Azure requires).
	CommonStorageAccount string
	BotChannelName       string // Azure Bot Channel Registration
	NextBotChannelName   string // the -next Bot Channel (next_bot_channel_enabled)
	// Components says, for every canonical core component, whether it is
	// deployed (guide "Enable or disable components").
	Components map[string]bool
}

func (v *validator) derive() {
	c := v.cfg
	base := c.EnvironmentProfile + "-" + c.EnvironmentType
	env := base
	if c.IsTenant() {
		env += "-" + c.TenantName
	}
	d := &c.Derived
	d.EnvironmentName = env
	d.CoreNamespace = "aura-" + env
	d.SystemNamespace = "aura-system"
	d.AgentsNamespace = "aura-agents-" + env
	d.ClusterResourceGroup = c.ClusterName
	d.CommonResourceGroup = "aura-common-" + env
	d.DNSZoneResourceGroup = "aura-common-" + base
	sa := "auracommon" + nonAlnum.ReplaceAllString(strings.ToLower(env), "")
	if len(sa) > 24 {
		sa = sa[:24]
	}
	d.CommonStorageAccount = sa
	d.BotChannelName = "aura-bot-" + env
	d.NextBotChannelName = d.BotChannelName + "-next"
	d.Components = components(c)
}

// IsTenant says whether tenant_name names a tenant other than the default
// one: it then has its own namespaces and resource group, and shares the
// environment's DNS zone.
func (c *Config) IsTenant() bool { return c.TenantName != "" && c.TenantName != "default" }

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// ReleaseNamespace is the core namespace of a release deployed with --ns:
// the usual core namespace with the release as a suffix, made DNS-1123 safe
// ("7.2.0" → aura-es-dev-7-2-0).
func (c *Config) ReleaseNamespace(releaseVersion string) string {
	suffix := strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(releaseVersion), "-"), "-")
	ns := c.Derived.CoreNamespace
	if suffix != "" {
		ns += "-" + suffix
	}
	if len(ns) > 63 {
		ns = strings.TrimRight(ns[:63], "-")
	}
	return ns
}

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// DNSName is the public name of a service of this environment, e.g.
// DNSName("bot") = "bot-es-dev.auracognitive.com".
func (c *Config) DNSName(service string) string {
	return service + "-" + c.Derived.EnvironmentName + "." + DNSZone
}

// NextDNSName is the -next name of a service (next_domains_enabled), e.g.
// "bot-es-dev-next.auracognitive.com".
func (c *Config) NextDNSName(service string) string {
	return service + "-" + c.Derived.EnvironmentName + "-next." + DNSZone
}

// ComponentNames are the canonical core component names, in release order.
var ComponentNames = []string{
	"aura-bot", "nlp", "nginx", "aura-groot", "authentication-api", "user-helper", "aura-configuration-api",
	"aura-gateway-api", "aura-manager", "atria-model-gateway", "atria-rag-server", "aura-bridge", "context",
	"context-4p-sync", "genesys", "whatsapp", "rcs", "complex-logic", "qdrant", "aura-operator",
	"aurapush-sendfeedback-service",
}

// components applies the guide's enablement rules (contracts.md).
func components(c *Config) map[string]bool {
	atria := c.GenerativeEnabled || c.AtriaRAGEnabled
	m := map[string]bool{
		"aura-gateway-api":              c.NLPaaSEnabled || atria,
		"aura-manager":                  atria,
		"atria-model-gateway":           atria,
		"atria-rag-server":              c.AtriaRAGEnabled,
		"aura-bridge":                   c.WhatsappEnabled || c.AsyncCallbackEnabled || c.GenesysEnabled || c.RCSEnabled,
		"whatsapp":                      c.WhatsappEnabled,
		"rcs":                           c.RCSEnabled,
		"genesys":                       c.GenesysEnabled,
		"context-4p-sync":               c.Context4PSyncEnabled,
		"complex-logic":                 c.ComplexLogicEnabled,
		"aura-operator":                 c.AuraOperatorEnabled,
		"qdrant":                        c.OpenAIEnabled,
		"aurapush-sendfeedback-service": c.EnvironmentProfile == "br",
	}
	for _, n := range ComponentNames {
		if _, ok := m[n]; !ok {
			m[n] = true // the rest are always deployed
		}
	}
	return m
}
