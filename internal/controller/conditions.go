package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
)

// setConditions records every condition at once so they never contradict
// each other.
func setConditions(conds *[]metav1.Condition, gen int64, state condState, reason, msg string) {
	set := func(t string, on bool) {
		s := metav1.ConditionFalse
		if on {
			s = metav1.ConditionTrue
		}
		meta.SetStatusCondition(conds, metav1.Condition{
			Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: gen,
		})
	}
	set(aurav1.ConditionReady, state == stateReady)
	set(aurav1.ConditionProgressing, state == stateProgressing)
	set(aurav1.ConditionDegraded, state == stateRetrying || state == stateStalled)
	set(aurav1.ConditionReconciling, state == stateProgressing || state == stateRetrying)
	set(aurav1.ConditionStalled, state == stateStalled)
}

// condState is where an object stands; kstatus reads Ready as Current,
// Progressing and Retrying as InProgress, Stalled as Failed.
type condState int

const (
	stateReady       condState = iota
	stateProgressing           // working on it
	stateRetrying              // failed; tried again with backoff
	stateStalled               // failed; needs a change (spec, S3, RBAC) to go on
)
