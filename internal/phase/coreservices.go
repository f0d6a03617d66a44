package phase

import (
	"context"
	"fmt"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// deleteNextBotChannelAction removes the -next bot channel once
// next_bot_channel_enabled is off again (guide: "Next Azure Bot Channel":
// the flag goes back to false before the final DNS update).
func (e *Env) deleteNextBotChannelAction() Action {
	name := e.Cfg.Derived.NextBotChannelName
	return ProviderAction("bot channel "+name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		c, err := p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: name})
		if c.Op == provider.OpDelete && c.Detail == "" {
			c.Detail = "next_bot_channel_enabled is off"
		}
		return c, err
	})
}

// aiServiceAction makes a CLU or OpenAI account that only the cluster's
// outbound IPs and the config's ranges may reach (guide: "CLU allowed
// network ranges", "OpenAI allowed network ranges").
func (e *Env) aiServiceAction(kind provider.AIKind, prefix string, ranges []string, deployments []provider.AIDeployment) Action {
	name := prefix + e.Cfg.Derived.EnvironmentName
	return ProviderAction("ai service "+name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		ips, err := e.outboundIPs(ctx)
		if provider.IsNotFound(err) {
			return Change{}, fmt.Errorf("ai service %s: cluster %s does not exist: run `aura deploy_infra` first (its outbound IPs are the ones the service allows)", name, e.Cfg.ClusterName)
		}
		if err != nil {
			return Change{}, err
		}
		return p.EnsureAIService(ctx, provider.AIService{ResourceGroup: e.clusterRG(), Name: name, Kind: kind, Location: e.Cfg.AzureRegion,
			AllowedRanges: append(append([]string(nil), ips...), ranges...), Deployments: deployments, Tags: e.Cfg.ResourcesTags})
	})
}

// cognitiveValues are the endpoints and keys of the CLU and OpenAI accounts
// (template value "cognitive", rendered into the aura-cognitive Secret)
// and the keys among them. An account not made yet (a plan before the
// first deploy_core) is left out.
func (e *Env) cognitiveValues(ctx context.Context) (map[string]any, []string, error) {
	out := map[string]any{}
	var keys []string
	for _, s := range []struct {
		value, prefix string
		on            bool
	}{{"clu", "clu-", true}, {"openai", "openai-", e.Cfg.OpenAIEnabled}} {
		if !s.on {
			continue
		}
		k, err := e.Provider.AIServiceKeys(ctx, provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: s.prefix + e.Cfg.Derived.EnvironmentName})
		if provider.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		out[s.value] = map[string]any{"endpoint": k.Endpoint, "key": k.Key}
		keys = append(keys, k.Key)
	}
	if len(out) == 0 {
		return nil, nil, nil
	}
	return out, keys, nil
}

// openAIDeployments are the release manifest's model deployments.
func (e *Env) openAIDeployments() []provider.AIDeployment {
	var out []provider.AIDeployment
	for _, d := range e.Release.OpenAIDeployments {
		out = append(out, provider.AIDeployment{Name: d.Name, Model: d.Model, Version: d.Version, Capacity: d.Capacity, SKU: d.SKU})
	}
	return out
}

// singleTenantAction returns the service principal's application to its own
// tenant once the bot channels exist: create_sp made it cross-tenant for
// that step only (guide: "are disabled after that step").
func (e *Env) singleTenantAction() Action {
	one := func(app provider.ServicePrincipalApp) func(context.Context) ([]Change, error) {
		return func(ctx context.Context) ([]Change, error) {
			c, err := app.EnsureSingleTenant(ctx)
			if err != nil {
				return nil, err
			}
			return []Change{c}, nil
		}
	}
	return Action{Name: "application " + e.App.AppID() + " single-tenant", Observe: one(e.App.DryRun()), Converge: one(e.App)}
}

// outboundIPs are the cluster's outbound IPs, read once per command: the CLU
// and OpenAI accounts and Atlas's access list all allow them, and each read
// lists the cluster's load balancer addresses in Azure.
func (e *Env) outboundIPs(ctx context.Context) ([]string, error) {
	e.ipsMu.Lock()
	defer e.ipsMu.Unlock()
	if e.ips != nil {
		return e.ips, nil
	}
	ips, err := e.Provider.ClusterOutboundIPs(ctx, e.clusterRef())
	if err != nil {
		return nil, err
	}
	e.ips = ips
	return ips, nil
}
