package jobs

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestState: what a Job's conditions say to someone waiting for it. The
// Job's end-to-end runs (Run, Wait, Delete against a real API server) are
// proven by internal/migrate's and internal/phase/integration's tests.
func TestState(t *testing.T) {
	cond := func(typ batchv1.JobConditionType, st corev1.ConditionStatus, reason, msg string) batchv1.JobCondition {
		return batchv1.JobCondition{Type: typ, Status: st, Reason: reason, Message: msg}
	}
	for _, tc := range []struct {
		name    string
		conds   []batchv1.JobCondition
		done    bool
		failure string
	}{
		{"running", nil, false, ""},
		{"suspended is not an end", []batchv1.JobCondition{cond(batchv1.JobSuspended, corev1.ConditionTrue, "", "")}, false, ""},
		{"complete", []batchv1.JobCondition{cond(batchv1.JobComplete, corev1.ConditionTrue, "", "")}, true, ""},
		{"failure target is not yet failed", []batchv1.JobCondition{cond(batchv1.JobFailureTarget, corev1.ConditionTrue, "BackoffLimitExceeded", "")}, false, ""},
		{"failed with reason and message", []batchv1.JobCondition{cond(batchv1.JobFailed, corev1.ConditionTrue, "DeadlineExceeded", "Job was active longer than specified deadline")},
			true, "DeadlineExceeded: Job was active longer than specified deadline"},
		{"failed without reason", []batchv1.JobCondition{cond(batchv1.JobFailed, corev1.ConditionTrue, "", "")}, true, "failed"},
		{"a false Failed condition", []batchv1.JobCondition{cond(batchv1.JobFailed, corev1.ConditionFalse, "x", "")}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done, failure := State(&batchv1.Job{Status: batchv1.JobStatus{Conditions: tc.conds}})
			if done != tc.done || failure != tc.failure {
				t.Errorf("State = %v, %q; want %v, %q", done, failure, tc.done, tc.failure)
			}
		})
	}
}
