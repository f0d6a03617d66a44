package phase

import (
	"context"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Stop is `aura stop`: the cluster stops with its data kept; a stopped
// cluster is left alone and says so (guide: "Stop and start Aura environment").
func Stop(e *Env) Phase {
	return Phase{Name: "stop", Steps: Sequence(ProviderAction("stop cluster "+e.Cfg.ClusterName, e.Provider,
		func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.StopCluster(ctx, e.clusterRef())
		}))}
}

// Start is `aura start`, then the infra health check.
func Start(e *Env) Phase {
	return Phase{Name: "start", Steps: Sequence(
		ProviderAction("start cluster "+e.Cfg.ClusterName, e.Provider,
			func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.StartCluster(ctx, e.clusterRef())
			}),
		e.nodesReadyAction(),
	)}
}
