package config

import (
	"regexp"
	"slices"
	"strings"
)

// TIDVPNRanges are the ranges the guide calls "the TID VPN": what may reach
// aura-gateway-api and aura-manager when their allowed origins are empty.
// The guide names no range; this is the Telefónica range its own examples
// use (195.235.92.0/23).
var TIDVPNRanges = []string{"195.235.92.0/23"}

// contextAgentSettings is what aura-context reads of context_agents (its
// CONTEXT_AGENTS setting): each agent's storage, "default" (the
// environment's common account, CONTEXT_AGENTS_STORAGE_ACCOUNT, which
// outlives releases) with its container there, or "external" with the
// account and container. An
// external account needs all three fields; with fewer the load warned and
// the default account is used, as the guide says. Tokens are not here: they
// go to a Secret (contextAgentTokens).
func (c *Config) contextAgentSettings() map[string]any {
	out := map[string]any{}
	for name, a := range c.ContextAgents {
		if external(a) {
			out[name] = map[string]any{"storage": "external", "azure_account": a.AzureAccount, "azure_container": a.AzureContainer}
			continue
		}
		out[name] = map[string]any{"storage": "default", "azure_account": c.Derived.CommonStorageAccount, "azure_container": ContextAgentContainer(name)}
	}
	return out
}

// contextAgentTokens are the SAS tokens of the external agent accounts by
// the variable aura-context reads them from.
func (c *Config) contextAgentTokens() map[string]any {
	out := map[string]any{}
	for name, a := range c.ContextAgents {
		if external(a) {
			out["CONTEXT_AGENT_"+envName(name)+"_SAS_TOKEN"] = a.AzureSASToken
		}
	}
	return out
}

func external(a *ContextAgent) bool {
	return a != nil && a.AzureAccount != "" && a.AzureSASToken != "" && a.AzureContainer != ""
}

var nonEnvRE = regexp.MustCompile(`[^A-Z0-9]`)

func envName(s string) string { return nonEnvRE.ReplaceAllString(strings.ToUpper(s), "_") }

// allowedOrigins are the CIDRs of an NGINX access policy: the configured
// ones, or the TID VPN when none is.
func allowedOrigins(cidrs []string) []any {
	if len(cidrs) == 0 {
		cidrs = TIDVPNRanges
	}
	out := make([]any, 0, len(cidrs))
	for _, c := range slices.Compact(slices.Sorted(slices.Values(cidrs))) {
		out = append(out, c)
	}
	return out
}
