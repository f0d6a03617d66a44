package migrate

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// runLabel marks every object a migration creates with its run.
const runLabel = "aura.auracognitive.com/migration"

// jobFromCronJob is `kubectl create job --from=cronjob/CJ NAME`: the
// CronJob's jobTemplate as a Job. It has no owner reference, unlike
// kubectl's: the CronJob's history limit would otherwise delete a finished
// Job that a resumed run still looks for.
func jobFromCronJob(cj *batchv1.CronJob, name, run string) *batchv1.Job {
	t := cj.Spec.JobTemplate
	labels := map[string]string{runLabel: run}
	for k, v := range t.Labels {
		labels[k] = v
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: cj.Namespace, Labels: labels,
			Annotations: map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}},
		Spec: *t.Spec.DeepCopy(),
	}
}

// cronJob reads a CronJob that deploy_system created.
func cronJob(ctx context.Context, c kubernetes.Interface, ns, name string) (*batchv1.CronJob, error) {
	cj, err := c.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("CronJob %s/%s not found: deploy_system creates it", ns, name)
	}
	return cj, err
}

// runJob creates the Job unless it exists and waits until it completes.
// A Job that failed is deleted and created again, so a re-run retries it.
// It returns the Job as created (its creation time dates its output).
func runJob(ctx context.Context, c kubernetes.Interface, job *batchv1.Job, poll time.Duration) (*batchv1.Job, error) {
	jobs := c.BatchV1().Jobs(job.Namespace)
	live, err := jobs.Get(ctx, job.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		live, err = create(ctx, c, job)
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case jobFailed(live):
		if err := deleteJob(ctx, c, live, poll); err != nil {
			return nil, err
		}
		if live, err = create(ctx, c, job); err != nil {
			return nil, err
		}
	}
	err = wait.PollUntilContextCancel(ctx, poll, true, func(ctx context.Context) (bool, error) {
		j, err := jobs.Get(ctx, job.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if jobFailed(j) {
			return false, fmt.Errorf("job %s/%s failed: %s (kubectl -n %s logs job/%s)", j.Namespace, j.Name, condition(j, batchv1.JobFailed), j.Namespace, j.Name)
		}
		return condition(j, batchv1.JobComplete) != "", nil
	})
	if err != nil {
		return nil, fmt.Errorf("job %s/%s: %w", job.Namespace, job.Name, err)
	}
	return live, nil
}

func create(ctx context.Context, c kubernetes.Interface, job *batchv1.Job) (*batchv1.Job, error) {
	live, err := c.BatchV1().Jobs(job.Namespace).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create Job %s/%s: %w", job.Namespace, job.Name, err)
	}
	return live, nil
}

func deleteJob(ctx context.Context, c kubernetes.Interface, j *batchv1.Job, poll time.Duration) error {
	bg := metav1.DeletePropagationBackground
	jobs := c.BatchV1().Jobs(j.Namespace)
	if err := jobs.Delete(ctx, j.Name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return wait.PollUntilContextCancel(ctx, poll, true, func(ctx context.Context) (bool, error) {
		_, err := jobs.Get(ctx, j.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

func jobFailed(j *batchv1.Job) bool { return condition(j, batchv1.JobFailed) != "" }

// condition returns the reason (or "True") of a true condition, "" otherwise.
func condition(j *batchv1.Job, t batchv1.JobConditionType) string {
	for _, c := range j.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			if c.Reason != "" {
				return c.Reason
			}
			return "True"
		}
	}
	return ""
}
