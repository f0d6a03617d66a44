package localcluster

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// kwok's controller manages a node only while it holds the node's Lease in
// kube-node-lease, under an identity that is new in every process. A lease
// left held by a stopped kwok keeps the next one off the node until it
// expires: the node's Pods are then never deleted, so neither is their
// namespace (that once cost a `delete_core` 4 minutes after `aura start`).
// Stop therefore hands the leases back once kwok has exited, Start releases
// any a killed kwok left behind, and the lease is short
// (nodeLeaseDurationSeconds) so that even a missed release costs seconds.

// releaseNodeLeases clears the holder of every kwok node's Lease renewed
// before since (every one when since is zero), as client-go's leader
// election does on release: the next kwok acquires a lease without a holder
// at once. Call it only while no kwok runs, or with since set to a time
// before the running kwok started.
func releaseNodeLeases(ctx context.Context, cs kubernetes.Interface, since time.Time) error {
	nodes, err := kwokNodes(ctx, cs)
	if err != nil {
		return err
	}
	leases := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	for name := range nodes {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			l, err := leases.Get(ctx, name, metav1.GetOptions{})
			if err != nil || !stale(l, since) {
				return err
			}
			l.Spec.HolderIdentity = nil
			_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
			return err
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("release the lease of node %s: %w", name, err)
		}
	}
	return nil
}

// stale reports whether l is held by a kwok that renewed it before since.
func stale(l *coordinationv1.Lease, since time.Time) bool {
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
		return false
	}
	return since.IsZero() || l.Spec.RenewTime == nil || l.Spec.RenewTime.Time.Before(since)
}

// leaseHeld reports whether a kwok renewed the node's lease at or after
// since: only then does a kwok of this run manage the node.
func leaseHeld(l *coordinationv1.Lease, since time.Time) bool {
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" || l.Spec.RenewTime == nil {
		return false
	}
	return !l.Spec.RenewTime.Time.Before(since)
}

// kwokNodes are the nodes kwok simulates, by name.
func kwokNodes(ctx context.Context, cs kubernetes.Interface) (map[string]*corev1.Node, error) {
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]*corev1.Node{}
	for i := range list.Items {
		// Nodes without the annotation: nobody would ever manage them.
		if list.Items[i].Annotations[kwokManagedAnnotation] == "fake" {
			out[list.Items[i].Name] = &list.Items[i]
		}
	}
	return out, nil
}
