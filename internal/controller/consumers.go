package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appsv1 "k8s.io/api/apps/v1"
)

// The consumers' ConfigMaps and keys (contracts.md: operator ↔ deploy_core).
const (
	nlpConfigMap        = "aura-nlp"
	nlpPackagesKey      = "NLP_PACKAGES"
	userHelperConfigMap = "user-helper"
	resolutionKey       = "RESOLUTION_RESOURCES_VERSION"
)

// errConsumerMissing is wrapped when the consumer's ConfigMap is not there yet
// (deploy_core has not run, or the component is disabled).
type errConsumerMissing struct{ ns, name string }

func (e errConsumerMissing) Error() string {
	return fmt.Sprintf("ConfigMap %s/%s not found (deploy the core components first)", e.ns, e.name)
}

// readConfigMap reads a consumer's ConfigMap without the cache: the operator
// needs only two of them, not an informer on every ConfigMap of the cluster.
func readConfigMap(ctx context.Context, r client.Reader, ns, name string) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	if err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, errConsumerMissing{ns, name}
		}
		return nil, err
	}
	return cm, nil
}

// editConfigMap applies edit to the ConfigMap's data and, when that changed it,
// writes it with optimistic locking (several NlpTrainings share aura-nlp) and
// rolls the Deployment that reads it. It reports whether anything changed.
func editConfigMap(ctx context.Context, c client.Client, r client.Reader, ns, name string,
	edit func(data map[string]string) error) (bool, error) {
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := readConfigMap(ctx, r, ns, name)
		if err != nil {
			return err
		}
		before := hashData(cm.Data)
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		if err := edit(cm.Data); err != nil {
			return err
		}
		if hashData(cm.Data) == before {
			return nil
		}
		if err := c.Update(ctx, cm, client.FieldOwner(FieldOwner)); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if err != nil || !changed {
		return changed, err
	}
	cm, err := readConfigMap(ctx, r, ns, name)
	if err != nil {
		return true, err
	}
	return true, rollDeployment(ctx, c, ns, name, hashData(cm.Data))
}

// rollDeployment sets the pod-template hash annotation; a missing Deployment is
// not an error (it will read the ConfigMap when it is created).
func rollDeployment(ctx context.Context, c client.Client, ns, name, hash string) error {
	patch := fmt.Appendf(nil, `{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, ConfigHashAnnotation, hash)
	d := &appsv1.Deployment{}
	d.Namespace, d.Name = ns, name
	err := c.Patch(ctx, d, client.RawPatch(types.MergePatchType, patch), client.FieldOwner(FieldOwner))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("roll Deployment %s/%s: %w", ns, name, err)
	}
	return nil
}

// hashData is a stable hash of a ConfigMap's data (json sorts map keys).
func hashData(data map[string]string) string {
	b, _ := json.Marshal(data)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// nlpPackages parses NLP_PACKAGES ({"<training>": "<version>"}); empty means none.
func nlpPackages(ns string, data map[string]string) (map[string]string, error) {
	m := map[string]string{}
	raw := data[nlpPackagesKey]
	if raw == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("ConfigMap %s/%s key %s is not a JSON object of training → version: %w",
			ns, nlpConfigMap, nlpPackagesKey, err)
	}
	return m, nil
}

func setNlpPackages(data map[string]string, m map[string]string) {
	b, _ := json.Marshal(m)
	data[nlpPackagesKey] = string(b)
}
