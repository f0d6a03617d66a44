package phase

import (
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/kube"
)

// System is deploy_system: every template of deploy/templates/k8s/system
// (the system namespace, backup and suspended restore CronJobs, Active
// Listening when enabled, Alertmanager and page-credential Secrets) and the
// ingress CRDs core's routes use (system/crds), applied and pruned as the
// "system" inventory. The Helm releases of the monitoring, logging and
// database stack are not wired in yet.
func System(e *Env) Phase {
	objs := memo(func() ([]*unstructured.Unstructured, error) {
		r, ctx := e.renderer(), e.templateContext()
		var out []*unstructured.Unstructured
		for _, dir := range []string{"system", "system/crds"} {
			got, err := r.Dir(dir, ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		return out, nil
	})
	return Phase{Name: "deploy_system", Steps: Sequence(
		e.applyAction("apply system to "+e.Cfg.Derived.SystemNamespace, e.inventory("system", ""), objs, kube.PlanOptions{}),
		e.waitAction("health: system ready", objs, 5*time.Minute),
	)}
}
