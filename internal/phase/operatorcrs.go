package phase

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// operatorKinds are the custom resources aura-operator finalizes.
var operatorKinds = []string{"NlpTraining", "ResolutionResources", "Agent"}

// deleteOperatorResourcesAction deletes the operator's custom resources of
// the core namespace and waits until they are gone, while the operator that
// releases their finalizers (and removes an Agent's workloads from the
// agents namespace) still runs: deleting the namespace with them would
// leave it terminating forever once the operator is gone.
func (e *Env) deleteOperatorResourcesAction() Action {
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return e.inRunningCluster(func(ctx context.Context) ([]Change, error) {
			c, err := e.Kube(ctx)
			if err != nil {
				return nil, err
			}
			var out []Change
			var refs []kube.ObjRef
			for _, kind := range operatorKinds {
				res, err := c.ResourceFor(aurav1.GroupVersion.WithKind(kind), e.CoreNamespace())
				if meta.IsNoMatchError(err) {
					continue // no CRD: no such resources
				}
				if err != nil {
					return out, err
				}
				list, err := res.List(ctx, metav1.ListOptions{})
				if err != nil {
					return out, err
				}
				for _, o := range list.Items {
					ch := Change{Op: provider.OpDelete, Kind: kind, Name: e.CoreNamespace() + "/" + o.GetName()}
					terminating := o.GetDeletionTimestamp() != nil
					if terminating {
						ch.Detail = "terminating: waiting until gone"
					}
					out = append(out, ch)
					refs = append(refs, kube.RefOf(&o))
					if dry || terminating {
						continue
					}
					if err := res.Delete(ctx, o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
						return out, err
					}
				}
			}
			if dry || len(refs) == 0 {
				return out, nil
			}
			return out, c.WaitGone(ctx, refs, deleteTimeout)
		})
	}
	return Action{Name: "delete operator resources in " + e.CoreNamespace(), Observe: run(true), Converge: run(false)}
}
