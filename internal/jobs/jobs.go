// Package jobs runs Kubernetes Jobs to the end for aura's one-off tasks
// (the configuration updater of deploy_local, the backups and restores of
// aura migrate): read a Job's outcome, wait for it, and replace a failed
// one so that a re-run retries it.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// State reports whether the Job finished and, when it failed, why
// (its condition's reason and message); failure "" with done is success.
func State(j *batchv1.Job) (done bool, failure string) {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return true, ""
		case batchv1.JobFailed:
			why := c.Reason
			if c.Message != "" {
				why += ": " + c.Message
			}
			if why == "" {
				why = "failed"
			}
			return true, why
		}
	}
	return false, ""
}

// FailedError is a Job that ended in failure, or did not end in time.
type FailedError struct {
	Namespace, Name, Reason string
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("job %s/%s failed: %s (kubectl -n %s logs job/%s)", e.Namespace, e.Name, e.Reason, e.Namespace, e.Name)
}

// Wait polls the Job until it finishes. A failure, or no end within
// timeout (> 0), is a *FailedError; a Job that is not there (deleted while
// aura waited, e.g. with its namespace) is an error, not a wait forever.
func Wait(ctx context.Context, c kubernetes.Interface, ns, name string, poll, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var failure string
	err := wait.PollUntilContextCancel(ctx, poll, true, func(ctx context.Context) (bool, error) {
		j, err := c.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, fmt.Errorf("the Job was deleted while aura waited for it: %w", err)
		}
		if err != nil {
			return false, err
		}
		done, why := State(j)
		failure = why
		return done, nil
	})
	switch {
	case err == nil && failure != "":
		return &FailedError{Namespace: ns, Name: name, Reason: failure}
	case err == nil:
		return nil
	case timeout > 0 && errors.Is(err, context.DeadlineExceeded):
		return &FailedError{Namespace: ns, Name: name, Reason: fmt.Sprintf("not finished after %s", timeout)}
	}
	return fmt.Errorf("job %s/%s: %w", ns, name, err)
}

// deleteTimeout bounds the wait for a deleted Job's pods to go (a pod
// stuck on a lost node would otherwise hold the command for good).
const deleteTimeout = 5 * time.Minute

// Delete deletes the Job with its pods and waits until it is gone, so a
// Job of the same name can be created again.
func Delete(ctx context.Context, c kubernetes.Interface, ns, name string, poll time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, deleteTimeout)
	defer cancel()
	fg := metav1.DeletePropagationForeground
	jobs := c.BatchV1().Jobs(ns)
	if err := jobs.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete Job %s/%s: %w", ns, name, err)
	}
	err := wait.PollUntilContextCancel(ctx, poll, true, func(ctx context.Context) (bool, error) {
		_, err := jobs.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("delete Job %s/%s: still there after %s (kubectl -n %s get pods -l job-name=%s): %w", ns, name, deleteTimeout, ns, name, err)
	}
	return nil
}

// Run creates the Job unless it exists, replacing one that failed (a
// re-run retries it; one that succeeded is kept), and waits until it
// succeeds. It returns the Job as it was created or found.
func Run(ctx context.Context, c kubernetes.Interface, job *batchv1.Job, poll, timeout time.Duration) (*batchv1.Job, error) {
	jobs := c.BatchV1().Jobs(job.Namespace)
	live, err := jobs.Get(ctx, job.Name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	if err == nil {
		if done, failure := State(live); done && failure != "" {
			if err := Delete(ctx, c, job.Namespace, job.Name, poll); err != nil {
				return nil, err
			}
			live = nil
		}
	} else {
		live = nil
	}
	if live == nil {
		if live, err = jobs.Create(ctx, job, metav1.CreateOptions{FieldManager: "aura"}); err != nil {
			return nil, fmt.Errorf("create Job %s/%s: %w", job.Namespace, job.Name, err)
		}
	}
	return live, Wait(ctx, c, job.Namespace, job.Name, poll, timeout)
}
