package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/packages"
)

// packageKind is what differs between NlpTraining and ResolutionResources: the
// object, where its packages live by default, and how its consumer reads the version.
type packageKind struct {
	kind          string
	newObject     func() client.Object
	spec          func(client.Object) *aurav1.PackageSpec
	status        func(client.Object) *aurav1.PackageStatus
	packageName   func(client.Object) string
	defaultPrefix string
	configMap     string
	// builtin is a version the consumer has without any package (user-helper's 0.0.0).
	builtin string
	// installed reads the object's version from the consumer's data ("" = none).
	installed func(obj client.Object, data map[string]string) (string, error)
	// install writes version (or, when version is "", removes the object's entry).
	install func(obj client.Object, data map[string]string, version string) error
}

// packageReconciler installs the version an object asks for: it resolves the
// update strategy against S3, publishes the package to the blob container and
// only then points the consumer's ConfigMap at it.
type packageReconciler struct {
	packageKind
	client   client.Client
	reader   client.Reader
	recorder recorder.EventRecorder
	opts     Options
}

func (r *packageReconciler) setup(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(r.kind).
		For(r.newObject(), builder.WithPredicates(
			// Spec changes and the guide's `kubectl annotate … last-check=…`; not our own status writes.
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Complete(r)
}

// Reconcile implements reconcile.Reconciler.
func (r *packageReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.newObject()
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, r.finalize(ctx, obj)
	}
	if controllerutil.AddFinalizer(obj, finalizer) {
		if err := r.client.Update(ctx, obj); err != nil {
			return ctrl.Result{}, err
		}
	}
	err := r.converge(ctx, obj)
	if apierrors.IsConflict(err) {
		// Someone edited the object meanwhile: look again at the new one.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	if err != nil {
		log.FromContext(ctx).Info("not installed", "kind", r.kind, "error", err.Error())
	}
	return outcome(err, r.opts.Resync)
}

// converge does one pass and records the outcome in status and events.
func (r *packageReconciler) converge(ctx context.Context, obj client.Object) error {
	spec, st := r.spec(obj), r.status(obj)
	orig := obj.DeepCopyObject().(client.Object)
	gen := obj.GetGeneration()
	now := metav1.NewTime(time.Now())
	st.ObservedGeneration = gen

	// fail reports a failure; stalled ones need a change before another
	// try can succeed, the others are retried with backoff.
	fail := func(reason string, stalled bool, err error) error {
		f := &failure{reason: reason, stalled: stalled, err: err}
		state := stateRetrying
		if stalled {
			state = stateStalled
		}
		setConditions(&st.Conditions, gen, state, reason, err.Error())
		r.recorder.Eventf(obj, nil, corev1.EventTypeWarning, reason, "Install", "%s", err.Error())
		if perr := r.client.Status().Patch(ctx, obj, client.MergeFrom(orig)); perr != nil {
			return errors.Join(f, perr)
		}
		return f
	}

	bucket := spec.Source.Bucket
	if bucket == "" {
		bucket = r.opts.Bucket
	}
	prefix := spec.Source.Prefix
	if prefix == "" {
		prefix = r.defaultPrefix
	}
	pkg := spec.Source.Package
	if pkg == "" {
		pkg = r.packageName(obj)
	}

	// Which version: the pin, or the strategy's choice among what S3 holds.
	target := spec.Version
	if spec.Update != "" {
		available, err := r.opts.Publisher.Source.Versions(ctx, bucket, prefix, pkg)
		if err != nil {
			return fail("ListFailed", needsChange(err), fmt.Errorf("list versions of %s: %w", pkg, err))
		}
		if r.builtin != "" {
			available = append(available, mustVersion(r.builtin))
		}
		v, err := packages.Choose(spec.Version, packages.Strategy(spec.Update), available)
		if err != nil {
			return fail("NoVersion", true, fmt.Errorf("%s in s3://%s/%s: %w", pkg, bucket, prefix, err))
		}
		target = v.Original()
		st.LastCheck = &now
	}
	st.TargetVersion = target

	cm, err := readConfigMap(ctx, r.reader, obj.GetNamespace(), r.configMap)
	if err != nil {
		return fail("ConsumerMissing", true, err)
	}
	current, err := r.installed(obj, cm.Data)
	if err != nil {
		return fail("ConsumerInvalid", true, err)
	}
	if current == target && st.InstalledVersion == target {
		setConditions(&st.Conditions, gen, stateReady, "Installed", fmt.Sprintf("version %s is installed", target))
		return r.client.Status().Patch(ctx, obj, client.MergeFrom(orig))
	}

	// Publish first: the ConfigMap moves only once the package is in the blob container.
	var pub packages.Published
	if target != r.builtin {
		key := packages.Key(prefix, pkg, target)
		setConditions(&st.Conditions, gen, stateProgressing, "Publishing",
			fmt.Sprintf("copying s3://%s/%s to the blob container", bucket, key))
		if err := r.client.Status().Patch(ctx, obj, client.MergeFrom(orig)); err != nil {
			return err
		}
		orig = obj.DeepCopyObject().(client.Object)
		st.LastCheck = &now
		pub, err = r.opts.Publisher.Publish(ctx, bucket, key)
		if err != nil {
			reason := "UploadFailed"
			if de := (*packages.DownloadError)(nil); errors.As(err, &de) {
				reason = "DownloadFailed"
			}
			return fail(reason, needsChange(err), fmt.Errorf("version %s not installed, %s stays: %w", target, orNone(current), err))
		}
	}
	if _, err := editConfigMap(ctx, r.client, r.reader, obj.GetNamespace(), r.configMap, func(data map[string]string) error {
		return r.install(obj, data, target)
	}); err != nil {
		var ce errConsumerMissing
		return fail("ConsumerUpdateFailed", errors.As(err, &ce) || needsChange(err), err)
	}
	st.InstalledVersion, st.Blob, st.Size, st.SHA256 = target, pub.Blob, pub.Size, pub.SHA256
	setConditions(&st.Conditions, gen, stateReady, "Installed", fmt.Sprintf("version %s is installed", target))
	r.recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Installed", "Install",
		"version %s installed (was %s), %s rolled", target, orNone(current), r.configMap)
	return r.client.Status().Patch(ctx, obj, client.MergeFrom(orig))
}

// finalize removes what the object installed from its consumer, then lets it go.
func (r *packageReconciler) finalize(ctx context.Context, obj client.Object) error {
	if !controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	_, err := editConfigMap(ctx, r.client, r.reader, obj.GetNamespace(), r.configMap, func(data map[string]string) error {
		return r.install(obj, data, "")
	})
	var ce errConsumerMissing
	if err != nil && !errors.As(err, &ce) {
		r.recorder.Eventf(obj, nil, corev1.EventTypeWarning, "CleanupFailed", "Delete", "%s", err.Error())
		return err
	}
	controllerutil.RemoveFinalizer(obj, finalizer)
	return r.client.Update(ctx, obj)
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}
