package fakecloud

import (
	"maps"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/botservice/armbotservice"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cognitiveservices/armcognitiveservices/v2"
)

// services are deploy_core's Azure services: bot registrations and
// Cognitive Services accounts with their model deployments.
type services struct {
	bots        map[string]*armbotservice.Bot
	accounts    map[string]*armcognitiveservices.Account
	deleted     map[string]*armcognitiveservices.Account // soft-deleted accounts, by rg/name
	deployments map[string]*armcognitiveservices.Deployment
	// quota is the OpenAI capacity per region and model ("region/model");
	// absent: unlimited.
	quota map[string]int
}

func newServices() *services {
	return &services{
		bots:        map[string]*armbotservice.Bot{},
		accounts:    map[string]*armcognitiveservices.Account{},
		deleted:     map[string]*armcognitiveservices.Account{},
		deployments: map[string]*armcognitiveservices.Deployment{},
		quota:       map[string]int{},
	}
}

func (s *services) snapshot() map[string]any {
	return map[string]any{"bots": s.bots, "aiAccounts": s.accounts, "aiDeleted": s.deleted, "aiDeployments": s.deployments}
}

func (s *services) resources(add func(kind string, keys []string)) {
	add("bot", slices.Collect(maps.Keys(s.bots)))
	add("ai-account", slices.Collect(maps.Keys(s.accounts)))
	add("ai-deployment", slices.Collect(maps.Keys(s.deployments)))
}

// deleteGroup: ARM deletes the group's bots, and Cognitive Services keeps
// its accounts soft-deleted, as when they are deleted one by one.
func (c *Cloud) deleteGroupServices(prefix string) {
	deletePrefix(c.svc.bots, prefix)
	for k := range c.svc.accounts {
		if strings.HasPrefix(k, prefix) {
			c.softDeleteAccount(k)
		}
	}
}

// settledService ends the operation on a Cognitive Services account or
// deployment at path.
func (c *Cloud) settledService(parts []string) {
	switch {
	case len(parts) == 9 && strings.EqualFold(parts[7], "accounts"):
		if a, ok := c.svc.accounts[key(parts[4], parts[8])]; ok {
			a.Properties.ProvisioningState = ptr(armcognitiveservices.ProvisioningStateSucceeded)
		}
	case len(parts) == 11 && strings.EqualFold(parts[9], "deployments"):
		if d, ok := c.svc.deployments[key(parts[4], parts[8], parts[10])]; ok {
			d.Properties.ProvisioningState = ptr(armcognitiveservices.DeploymentProvisioningStateSucceeded)
		}
	}
}
