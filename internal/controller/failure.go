package controller

import (
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/auracognitive/aurak8s/internal/packages"
)

// failure is a pass that did not converge, reported in status and events.
// Stalled ones wait for a change (or the next resync); the others go back to
// controller-runtime, which tries again with exponential backoff.
type failure struct {
	reason  string
	stalled bool
	err     error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// needsChange says trying again cannot help until something changes: what
// the object asks for is not in S3, S3 refuses the credentials, the API
// server refuses the operator or the object's spec.
func needsChange(err error) bool {
	return errors.Is(err, packages.ErrNotFound) || errors.Is(err, packages.ErrAccessDenied) ||
		apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)
}

// outcome is what controller-runtime does after a pass that returned err.
func outcome(err error, resync time.Duration) (ctrl.Result, error) {
	var f *failure
	switch {
	case err == nil:
		return ctrl.Result{RequeueAfter: resync}, nil
	case errors.As(err, &f) && f.stalled && error(f) == err:
		return ctrl.Result{RequeueAfter: resync}, nil
	default:
		return ctrl.Result{}, err
	}
}
