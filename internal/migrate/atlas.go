package migrate

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// The guide's handover ("New cluster"): the source's Atlas operator must
// leave the shared Atlas objects alone while the destination's manages them.
const (
	reconcilePolicy     = "mongodb.com/atlas-reconciliation-policy"
	reconcilePolicySkip = "skip"
)

var atlasResources = []schema.GroupVersionResource{
	{Group: "atlas.mongodb.com", Version: "v1", Resource: "atlasdeployments"},
	{Group: "atlas.mongodb.com", Version: "v1", Resource: "atlasprojects"},
	{Group: "atlas.mongodb.com", Version: "v1", Resource: "atlasdatabaseusers"},
}

// atlasObject is one Atlas resource of the source without the skip policy.
type atlasObject struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
}

func (o atlasObject) String() string { return o.gvr.Resource + "/" + o.name }

// unpausedAtlas lists the source's Atlas objects that lack the skip
// annotation. A cluster without the Atlas CRDs has none.
func unpausedAtlas(ctx context.Context, c dynamic.Interface, ns string) ([]atlasObject, error) {
	var out []atlasObject
	for _, gvr := range atlasResources {
		list, err := c.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", gvr.Resource, ns, err)
		}
		for _, o := range list.Items {
			if o.GetAnnotations()[reconcilePolicy] != reconcilePolicySkip {
				out = append(out, atlasObject{gvr: gvr, namespace: ns, name: o.GetName()})
			}
		}
	}
	return out, nil
}

func pauseAtlas(ctx context.Context, c dynamic.Interface, objs []atlasObject) error {
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, reconcilePolicy, reconcilePolicySkip))
	for _, o := range objs {
		if _, err := c.Resource(o.gvr).Namespace(o.namespace).Patch(ctx, o.name, types.MergePatchType, patch,
			metav1.PatchOptions{FieldManager: scaleManager}); err != nil {
			return fmt.Errorf("annotate %s %s: %w", o, reconcilePolicy, err)
		}
	}
	return nil
}

func atlasNames(objs []atlasObject) string {
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.String()
	}
	return strings.Join(names, ", ")
}
