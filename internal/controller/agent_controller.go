package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
)

// notReadyRecheck is how soon an agent whose pods are not all ready is looked at again.
const notReadyRecheck = 10 * time.Second

// agentReconciler keeps an Agent's Deployment, Service and ConfigMap in
// aura-agents-{environment} as its spec says, with server-side apply.
type agentReconciler struct {
	client   client.Client
	reader   client.Reader
	recorder recorder.EventRecorder
	opts     Options
}

func (r *agentReconciler) setup(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("Agent").
		For(&aurav1.Agent{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Complete(r)
}

// Reconcile implements reconcile.Reconciler.
func (r *agentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	a := &aurav1.Agent{}
	if err := r.client.Get(ctx, req.NamespacedName, a); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ns := r.opts.agentsNamespace()
	if !a.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, a, ns)
	}
	if controllerutil.AddFinalizer(a, finalizer) {
		if err := r.client.Update(ctx, a); err != nil {
			return ctrl.Result{}, err
		}
	}
	orig := a.DeepCopy()
	a.Status.ObservedGeneration = a.Generation
	a.Status.Namespace = ns
	if err := r.apply(ctx, a, ns); err != nil {
		// Refused (RBAC, an invalid spec): stalled until something changes;
		// anything else is tried again with backoff.
		f := &failure{reason: "ApplyFailed", stalled: needsChange(err), err: err}
		state := stateRetrying
		if f.stalled {
			state = stateStalled
		}
		setConditions(&a.Status.Conditions, a.Generation, state, f.reason, err.Error())
		r.recorder.Eventf(a, nil, corev1.EventTypeWarning, f.reason, "Apply", "%s", err.Error())
		log.FromContext(ctx).Info("agent not applied", "error", err.Error())
		if perr := r.client.Status().Patch(ctx, a, client.MergeFrom(orig)); perr != nil {
			return ctrl.Result{}, errors.Join(f, perr)
		}
		return outcome(f, r.opts.Resync)
	}
	if orig.Status.Image != agentImage(a) {
		r.recorder.Eventf(a, nil, corev1.EventTypeNormal, "Applied", "Apply",
			"Deployment, Service and ConfigMap %s/%s run %s", ns, a.Name, agentImage(a))
	}
	a.Status.Image = agentImage(a)

	d := &appsv1.Deployment{}
	if err := r.reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: a.Name}, d); err != nil {
		return ctrl.Result{}, err
	}
	a.Status.ReadyReplicas = d.Status.ReadyReplicas
	want := agentReplicas(a)
	next := r.opts.Resync
	if d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas >= want && d.Status.ReadyReplicas >= want {
		setConditions(&a.Status.Conditions, a.Generation, stateReady, "Available",
			fmt.Sprintf("%d/%d replicas of %s ready", d.Status.ReadyReplicas, want, agentImage(a)))
	} else {
		setConditions(&a.Status.Conditions, a.Generation, stateProgressing, "RollingOut",
			fmt.Sprintf("%d/%d replicas of %s ready", d.Status.ReadyReplicas, want, agentImage(a)))
		next = min(next, notReadyRecheck)
	}
	return ctrl.Result{RequeueAfter: next}, r.client.Status().Patch(ctx, a, client.MergeFrom(orig))
}

func (r *agentReconciler) apply(ctx context.Context, a *aurav1.Agent, ns string) error {
	opts := []client.ApplyOption{client.FieldOwner(FieldOwner), client.ForceOwnership}
	if err := r.client.Apply(ctx, corev1ac.Namespace(ns), opts...); err != nil {
		return fmt.Errorf("apply namespace %s: %w", ns, err)
	}
	if err := r.client.Apply(ctx, agentConfigMap(a, ns), opts...); err != nil {
		return fmt.Errorf("apply ConfigMap %s/%s: %w", ns, a.Name, err)
	}
	dep, err := agentDeployment(a, ns, r.opts.ImagePullSecret)
	if err != nil {
		return err
	}
	if err := r.client.Apply(ctx, dep, opts...); err != nil {
		return fmt.Errorf("apply Deployment %s/%s: %w", ns, a.Name, err)
	}
	if err := r.client.Apply(ctx, agentService(a, ns), opts...); err != nil {
		return fmt.Errorf("apply Service %s/%s: %w", ns, a.Name, err)
	}
	return nil
}

// finalize deletes the children (owner references cannot cross namespaces), but
// only those this Agent made: a same-named object of someone else stays.
func (r *agentReconciler) finalize(ctx context.Context, a *aurav1.Agent, ns string) error {
	if !controllerutil.ContainsFinalizer(a, finalizer) {
		return nil
	}
	for _, obj := range []client.Object{&appsv1.Deployment{}, &corev1.Service{}, &corev1.ConfigMap{}} {
		err := r.reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: a.Name}, obj)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		l := obj.GetLabels()
		if l[labelAgent] != a.Name || l[labelAgentNS] != a.Namespace {
			continue
		}
		if err := r.client.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete %T %s/%s: %w", obj, ns, a.Name, err)
		}
	}
	r.recorder.Eventf(a, nil, corev1.EventTypeNormal, "Deleted", "Delete", "children in %s deleted", ns)
	controllerutil.RemoveFinalizer(a, finalizer)
	return r.client.Update(ctx, a)
}

func intOrStringName(name string) intstr.IntOrString { return intstr.FromString(name) }
