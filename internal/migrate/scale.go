package migrate

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// Workload is a Deployment or StatefulSet and the replica count it had
// before the migration scaled it to 0.
type Workload struct {
	Kind      string `json:"kind"` // Deployment or StatefulSet
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Replicas  int32  `json:"replicas"`
}

func (w Workload) String() string { return w.Kind + " " + w.Namespace + "/" + w.Name }

// listWorkloads reads the replica counts of every Deployment and
// StatefulSet in the namespaces (absent namespaces hold none).
func listWorkloads(ctx context.Context, c kubernetes.Interface, namespaces []string) ([]Workload, error) {
	var out []Workload
	for _, ns := range namespaces {
		deps, err := c.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list Deployments in %s: %w", ns, err)
		}
		for _, d := range deps.Items {
			out = append(out, Workload{Kind: "Deployment", Namespace: ns, Name: d.Name, Replicas: replicas(d.Spec.Replicas)})
		}
		sts, err := c.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list StatefulSets in %s: %w", ns, err)
		}
		for _, s := range sts.Items {
			out = append(out, Workload{Kind: "StatefulSet", Namespace: ns, Name: s.Name, Replicas: replicas(s.Spec.Replicas)})
		}
	}
	return out, nil
}

// replicas is the API's default of 1 when the field is unset.
func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// scaleManager owns spec.replicas only while a migration holds it;
// deploy_core's server-side apply takes the field back on its next run.
const scaleManager = "aura-migrate"

func setReplicas(ctx context.Context, c kubernetes.Interface, w Workload, n int32) error {
	patch := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
	opts := metav1.PatchOptions{FieldManager: scaleManager}
	var err error
	if w.Kind == "StatefulSet" {
		_, err = c.AppsV1().StatefulSets(w.Namespace).Patch(ctx, w.Name, types.MergePatchType, patch, opts)
	} else {
		_, err = c.AppsV1().Deployments(w.Namespace).Patch(ctx, w.Name, types.MergePatchType, patch, opts)
	}
	if err != nil {
		return fmt.Errorf("scale %s to %d: %w", w, n, err)
	}
	return nil
}

// waitScaledDown waits until no Pod of the workloads runs: a restore must
// not race a component still writing.
func waitScaledDown(ctx context.Context, c kubernetes.Interface, ws []Workload, poll time.Duration) error {
	for _, w := range ws {
		err := wait.PollUntilContextCancel(ctx, poll, true, func(ctx context.Context) (bool, error) {
			if w.Kind == "StatefulSet" {
				s, err := c.AppsV1().StatefulSets(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
				return err == nil && s.Status.Replicas == 0, err
			}
			d, err := c.AppsV1().Deployments(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
			return err == nil && d.Status.Replicas == 0, err
		})
		if err != nil {
			return fmt.Errorf("wait for %s to scale to 0: %w", w, err)
		}
	}
	return nil
}
