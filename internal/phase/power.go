package phase

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Stop is `aura stop`: the Atlas cluster is paused (while the Atlas operator
// still runs to do it), then the cluster stops with its data kept; what is
// already stopped is left alone and says so (guide: "Stop and start Aura
// environment").
func Stop(e *Env) Phase {
	return Phase{Name: "stop", Steps: Sequence(
		e.atlasPauseAction(true),
		ProviderAction("stop cluster "+e.Cfg.ClusterName, e.Provider,
			func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.StopCluster(ctx, e.clusterRef())
			}),
	)}
}

// Start is `aura start`: the cluster, the infra health check, then the
// Atlas cluster resumed.
func Start(e *Env) Phase {
	return Phase{Name: "start", Steps: Sequence(
		ProviderAction("start cluster "+e.Cfg.ClusterName, e.Provider,
			func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.StartCluster(ctx, e.clusterRef())
			}),
		e.nodesReadyAction(),
		e.atlasPauseAction(false),
	)}
}

var atlasDeploymentGVK = schema.GroupVersionKind{Group: "atlas.mongodb.com", Version: "v1", Kind: "AtlasDeployment"}

// powerFieldManager owns spec.deploymentSpec.paused, apart from the
// deploy_system manager, so that neither undoes the other.
const powerFieldManager = "aura-power"

// atlasPauseAction sets the AtlasDeployment's spec.deploymentSpec.paused
// (the field of the Atlas operator version the release installs); the Atlas
// operator pauses or resumes the cluster in Atlas.
func (e *Env) atlasPauseAction(pause bool) Action {
	verb := "resume"
	if pause {
		verb = "pause"
	}
	name := e.Cfg.AtlasClusterName
	ns := e.Cfg.Derived.SystemNamespace
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return func(ctx context.Context) ([]Change, error) {
			ch := Change{Op: provider.OpNone, Kind: "atlas deployment", Name: ns + "/" + name}
			if !e.Cfg.AtlasEnabled {
				ch.Detail = "atlas_enabled is false"
				return []Change{ch}, nil
			}
			st, err := e.Provider.ClusterState(ctx, e.clusterRef())
			if err != nil {
				return nil, err
			}
			if st != provider.ClusterRunning {
				ch.Detail = fmt.Sprintf("cluster %s is %s: nothing to %s", e.Cfg.ClusterName, st, verb)
				return []Change{ch}, nil
			}
			c, err := e.Kube(ctx)
			if err != nil {
				return nil, err
			}
			res, err := c.ResourceFor(atlasDeploymentGVK, ns)
			if meta.IsNoMatchError(err) {
				ch.Detail = "no Atlas operator in the cluster"
				return []Change{ch}, nil
			}
			if err != nil {
				return nil, err
			}
			live, err := res.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				ch.Detail = "no such deployment (deploy_system creates it)"
				return []Change{ch}, nil
			}
			if err != nil {
				return nil, err
			}
			paused, _, _ := unstructured.NestedBool(live.Object, "spec", "deploymentSpec", "paused")
			if paused == pause {
				ch.Detail = "already " + verb + "d"
				return []Change{ch}, nil
			}
			ch.Op, ch.Detail = provider.OpUpdate, verb
			if dry {
				return []Change{ch}, nil
			}
			patch := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": atlasDeploymentGVK.GroupVersion().String(), "kind": atlasDeploymentGVK.Kind,
				"metadata": map[string]any{"name": name, "namespace": ns},
				"spec":     map[string]any{"deploymentSpec": map[string]any{"paused": pause}},
			}}
			_, err = res.Apply(ctx, name, patch, metav1.ApplyOptions{FieldManager: powerFieldManager, Force: true})
			return []Change{ch}, err
		}
	}
	return Action{Name: verb + " atlas deployment " + name, Observe: run(true), Converge: run(false)}
}
