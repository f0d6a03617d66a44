package phase

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// systemKind is a kind deploy_core applies that a chart of deploy_system
// brings (its CRD).
type systemKind struct {
	gvk  schema.GroupVersionKind
	from string
}

// systemKinds are what core's objects need of deploy_system: NGINX's
// routes, and cert-manager's Certificate when the endpoints' certificate is
// issued.
func (e *Env) systemKinds() []systemKind {
	out := []systemKind{{schema.GroupVersionKind{Group: "k8s.nginx.org", Version: "v1", Kind: "VirtualServer"}, "the NGINX ingress controller"}}
	if e.Cfg.TLS.Issued() {
		out = append(out, systemKind{schema.GroupVersionKind{Group: certManagerGroup, Version: "v1", Kind: "Certificate"}, "cert-manager"})
	}
	return out
}

// systemKindsAction opens deploy_core (after the checks that need no
// cluster): the cluster runs and serves every kind core applies, so a
// deploy_core before deploy_system stops before it registers a bot or
// creates an account, instead of at its first apply.
func (e *Env) systemKindsAction() Action {
	check := func(ctx context.Context) ([]Change, error) {
		kc, err := e.Kube(ctx)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, k := range e.systemKinds() {
			if _, err := kc.ResourceFor(k.gvk, ""); meta.IsNoMatchError(err) {
				missing = append(missing, fmt.Sprintf("%s (%s, from %s)", k.gvk.Kind, k.gvk.GroupVersion(), k.from))
			} else if err != nil {
				return nil, err
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("cluster %s does not serve %s, which deploy_core applies: run `aura deploy_system` first (nothing was changed)",
				e.Cfg.ClusterName, strings.Join(missing, ", "))
		}
		return nil, nil
	}
	return Action{Name: "cluster serves core's kinds", Observe: check, Converge: check}
}
