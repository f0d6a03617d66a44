package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
)

// setConditions records the three conditions at once so they never contradict
// each other: ready, progressing and degraded are mutually consistent states.
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
	set(aurav1.ConditionDegraded, state == stateDegraded)
}

type condState int

const (
	stateReady condState = iota
	stateProgressing
	stateDegraded
)
