package migrate

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/jobs"
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

// runJob runs the Job to success: an existing one is waited for, a failed
// one replaced so a re-run retries it. It returns the Job as created (its
// creation time dates its output).
func runJob(ctx context.Context, c kubernetes.Interface, job *batchv1.Job, poll time.Duration) (*batchv1.Job, error) {
	return jobs.Run(ctx, c, job, poll, 0)
}
