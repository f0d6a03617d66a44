package config

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// The release storage account: deploy_core makes one per core namespace
// (the usual one and each release namespace of --ns) in the cluster's
// resource group, with a container per context agent that uses the
// environment's default storage; delete_core removes it with the namespace
// (guide: "Core undeployment", "Configured agents").

func init() { rules = append(rules, ruleContextAgentContainers) }

// ReleaseStorageAccount is the release storage account of core namespace
// namespace: "aura", up to 10 letters and digits of the environment name
// (to recognise it in the portal) and 10 hex digits of a hash. Azure's
// storage account names are global, so the hash covers the cluster as well
// as the environment and namespace: a second cluster of the environment
// (a migration) gets its own account instead of a name already taken.
func (c *Config) ReleaseStorageAccount(namespace string) string {
	env := nonAlnum.ReplaceAllString(strings.ToLower(c.Derived.EnvironmentName), "")
	if len(env) > 10 {
		env = env[:10]
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{strings.ToLower(c.ClusterName), c.Derived.EnvironmentName, namespace}, "\x00")))
	return "aura" + env + hex.EncodeToString(sum[:])[:10]
}

// contextContainerMax keeps "agent-" plus the agent's name within Azure's
// 63 characters, with room for the hash a longer name gets.
const contextContainerMax = 63

// ContextAgentContainer is the blob container of a context agent in the
// release storage account: "agent-" and the agent's name in lowercase, '_'
// as '-'. Agent names allow what container names do not (upper case, '_',
// "--"); a name too long for Azure is cut and ends in a hash of it.
func ContextAgentContainer(agent string) string {
	s := strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(agent), "-"), "-")
	name := "agent-" + s
	if len(name) > contextContainerMax {
		sum := sha256.Sum256([]byte(agent))
		name = strings.TrimRight(name[:contextContainerMax-9], "-") + "-" + hex.EncodeToString(sum[:])[:8]
	}
	return name
}

// ContextAgentContainers are the containers of the agents on the default
// account, sorted.
func (c *Config) ContextAgentContainers() []string {
	var out []string
	for name, a := range c.ContextAgents {
		if !external(a) {
			out = append(out, ContextAgentContainer(name))
		}
	}
	sort.Strings(out)
	return out
}

// ruleContextAgentContainers refuses two default-storage agents whose names
// differ only in case or '_'/'-': they would share one container, each
// reading the other's transformations.
func ruleContextAgentContainers(v *validator) {
	names := make([]string, 0, len(v.cfg.ContextAgents))
	for n, a := range v.cfg.ContextAgents {
		if !external(a) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	owner := map[string]string{}
	for _, n := range names {
		ct := ContextAgentContainer(n)
		if prev, dup := owner[ct]; dup {
			v.errf(joinPath("context_agents", n), "its container in the release storage account would be %q, the same as agent %q's: rename one of them", ct, prev)
			continue
		}
		owner[ct] = n
	}
}
