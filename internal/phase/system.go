package phase

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/kube"
)

// System is deploy_system (guide "System Deployment"): everything rendered
// first, then five steps:
//  1. the "system" inventory: deploy/templates/k8s/system/*.yaml and the
//     ingress CRDs of system/crds — namespace, Secrets and ConfigMaps the
//     charts read, backup CronJobs, Active Listening;
//  2. the Helm releases of the release manifest's enabled charts (ECK,
//     Prometheus with Alertmanager, Grafana, fluent-bit, the NGINX ingress
//     controller, the Atlas operator, Redis, ...), concurrently;
//  3. the "system-stack" inventory: system/stack/*.yaml, the custom
//     resources whose CRDs the charts install (Elasticsearch, Kibana, Atlas,
//     the management pages' VirtualServers), and the management pages' DNS
//     records;
//  4. the releases of charts now disabled are uninstalled — after step 3
//     pruned their operators' custom resources;
//  5. a health check of every workload of steps 1 and 3.
func System(e *Env) Phase {
	sys := e.systemObjects()
	stack := e.stackObjects()
	releases := memo(e.renderReleases)
	both := func(ctx context.Context) ([]*unstructured.Unstructured, error) {
		a, err := sys(ctx)
		if err != nil {
			return nil, err
		}
		b, err := stack(ctx)
		return append(append([]*unstructured.Unstructured(nil), a...), b...), err
	}
	var helmStep, removeStep Step
	for _, ch := range e.Release.Charts {
		helmStep = append(helmStep, e.helmAction(ch, releases))
		if ch.Condition != "" {
			removeStep = append(removeStep, e.removeDisabledAction(ch, releases))
		}
	}
	ns := e.Cfg.Derived.SystemNamespace
	// Everything is rendered before the first change, so a template or
	// values error stops the phase with nothing applied.
	render := func(ctx context.Context) ([]Change, error) {
		if _, err := both(ctx); err != nil {
			return nil, err
		}
		_, err := releases(ctx)
		return nil, err
	}
	return Phase{Name: "deploy_system", Steps: []Step{
		{{Name: "render system templates and chart values", Observe: render, Converge: render}, e.tlsExpiryAction(ns)},
		{e.applyAction("apply system to "+ns, e.inventory("system", ""), sys, kube.PlanOptions{})},
		helmStep,
		{
			e.applyActionWith("apply system stack to "+ns, e.inventory("system-stack", ""), stack, e.stackPlanOptions(sys)),
			e.managementDNSAction(),
		},
		removeStep,
		{e.waitAction("health: system ready", both, 10*time.Minute)},
	}}
}

// systemObjects renders the templates applied before the charts.
func (e *Env) systemObjects() objectsFunc {
	return memo(func(ctx context.Context) ([]*unstructured.Unstructured, error) {
		in, err := e.systemInputs(ctx)
		if err != nil {
			return nil, err
		}
		var out []*unstructured.Unstructured
		for _, dir := range []string{"system", "system/crds"} {
			got, err := in.renderer.Dir(dir, in.context())
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		if s := e.registrySecret(e.Cfg.Derived.SystemNamespace); s != nil {
			out = append(out, s)
		}
		// A configured certificate's Secret; an issued one's Certificate
		// comes with the stack.
		if !e.Cfg.TLS.Issued() {
			out = append(out, e.tlsObject(e.Cfg.Derived.SystemNamespace))
		}
		cm, err := e.certManagerSystemObjects()
		if err != nil {
			return nil, err
		}
		return append(append(out, cm...), e.chartNamespaces(out)...), nil
	})
}

// chartNamespaces are the Namespaces of charts installed outside the
// system namespace (eck-operator's elastic-system), so that delete_system
// removes them too; Helm would create them but never delete them.
func (e *Env) chartNamespaces(have []*unstructured.Unstructured) []*unstructured.Unstructured {
	seen := map[string]bool{}
	for _, o := range have {
		if o.GetKind() == "Namespace" {
			seen[o.GetName()] = true
		}
	}
	var out []*unstructured.Unstructured
	for _, ch := range e.Release.Charts {
		if ch.Namespace == "" || seen[ch.Namespace] {
			continue
		}
		seen[ch.Namespace] = true
		ns := &unstructured.Unstructured{}
		ns.SetAPIVersion("v1")
		ns.SetKind("Namespace")
		ns.SetName(ch.Namespace)
		ns.SetLabels(map[string]string{"app.kubernetes.io/part-of": "aura"})
		out = append(out, ns)
	}
	return out
}

// stackObjects renders the templates applied after the charts.
func (e *Env) stackObjects() objectsFunc {
	return memo(func(ctx context.Context) ([]*unstructured.Unstructured, error) {
		in, err := e.systemInputs(ctx)
		if err != nil {
			return nil, err
		}
		objs, err := in.renderer.Dir("system/stack", in.context())
		if err != nil {
			return nil, err
		}
		cm, err := e.certManagerStackObjects()
		if err != nil {
			return nil, err
		}
		objs = append(objs, cm...)
		return objs, e.checkCertCovers(objs)
	})
}

// stackPlanOptions lets a dry run plan the stack before the earlier steps
// exist: its namespaces and the kinds whose CRDs the system templates or the
// charts define are created before the stack is applied.
func (e *Env) stackPlanOptions(sys objectsFunc) func(context.Context) (kube.PlanOptions, error) {
	return func(ctx context.Context) (kube.PlanOptions, error) {
		objs, err := sys(ctx)
		if err != nil {
			return kube.PlanOptions{}, err
		}
		opts := kube.PlanOptions{PendingKinds: map[string]bool{}}
		for _, k := range chartKinds {
			opts.PendingKinds[k] = true
		}
		for _, o := range objs {
			switch o.GetKind() {
			case "Namespace":
				opts.PendingNamespaces = append(opts.PendingNamespaces, o.GetName())
			case "CustomResourceDefinition":
				g, _, _ := unstructured.NestedString(o.Object, "spec", "group")
				k, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
				opts.PendingKinds[g+"/"+k] = true
			}
		}
		return opts, nil
	}
}

// chartKinds are the custom resource kinds whose CRDs the system charts
// install.
var chartKinds = []string{
	"elasticsearch.k8s.elastic.co/Elasticsearch",
	"kibana.k8s.elastic.co/Kibana",
	"atlas.mongodb.com/AtlasProject",
	"atlas.mongodb.com/AtlasDeployment",
	"atlas.mongodb.com/AtlasDatabaseUser",
	"atlas.mongodb.com/AtlasTeam",
	"atlas.mongodb.com/AtlasBackupPolicy",
	"atlas.mongodb.com/AtlasBackupSchedule",
	certManagerGroup + "/ClusterIssuer",
	certManagerGroup + "/Certificate",
}
