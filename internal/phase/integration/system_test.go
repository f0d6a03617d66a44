package integration

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/testenv"
	"github.com/auracognitive/aurak8s/internal/ui"
)

var (
	gvrCronJob    = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}
	gvrJob        = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	gvrSecret     = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrConfigMap  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	gvrNamespace  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrDeployment = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	gvrPolicy     = schema.GroupVersionResource{Group: "k8s.nginx.org", Version: "v1", Resource: "policies"}
	gvrVS         = schema.GroupVersionResource{Group: "k8s.nginx.org", Version: "v1", Resource: "virtualservers"}
	gvrES         = schema.GroupVersionResource{Group: "elasticsearch.k8s.elastic.co", Version: "v1", Resource: "elasticsearches"}
	gvrAtlasDep   = schema.GroupVersionResource{Group: "atlas.mongodb.com", Version: "v1", Resource: "atlasdeployments"}
	gvrAtlasProj  = schema.GroupVersionResource{Group: "atlas.mongodb.com", Version: "v1", Resource: "atlasprojects"}
	gvrAtlasUser  = schema.GroupVersionResource{Group: "atlas.mongodb.com", Version: "v1", Resource: "atlasdatabaseusers"}
)

const sysNS = "aura-system"

// The settings the tests change, on top of the example configuration.
var (
	whitelists = `service_whitelist_source_ranges:
  dashboard: ["0.0.0.0/0"]
  metrics: ["10.20.0.0/16", "192.0.2.7/32"]
  logs: ["10.20.0.0/16"]
  raw_logs: ["198.51.100.0/24"]
  alerts: ["0.0.0.0/0"]`
	webhooks = `notifications_webhooks:
  - {name: teams-critical, url: "https://hooks.example.com/critical?token=s3cr3t-tok3n", severity: critical}
  - {name: chat-warning, url: "https://hooks.example.com/warning?token=an0ther-tok3n", severity: warning}`
	plusAndSharded = `nginx_plus_enabled: true
nginx_plus_dos_enabled: true
prometheus_es_exporter_enabled: true
atlas_cluster_type: SHARDED
atlas_num_shards: 3`
)

// TestSystemLifecycle is the "done": deploy_system from the example
// configuration, again with zero changes, then NGINX Plus on and Atlas
// sharded, the guide's restore command, a plan that shows what would change,
// and delete_system leaving nothing behind.
func TestSystemLifecycle(t *testing.T) {
	w := newWorld(t)
	base := []string{whitelists, webhooks, "backup_retention_time: 9", `eck_azure_snapshot_schedule: "0 30 2 * * ?"`, "eck_azure_snapshot_readonly: false"}

	run(t, phase.Common(w.env(base...)), false)

	// A plan on a cluster that has none of it: every release and object is
	// a create (the stack's kinds come with the charts), nothing is made.
	fresh := plannedChanges(run(t, phase.System(w.env(base...)), true))
	for _, want := range []string{
		"create Namespace aura-system ", "create helm release aura-system/grafana", "create Deployment aura-system/grafana",
		"create helm release elastic-system/eck-operator", "create Elasticsearch aura-system/aura", "create AtlasProject aura-system/aura-project",
		"create dns record set dashboard-",
	} {
		if !containsPrefix(fresh, want) {
			t.Errorf("plan on a fresh cluster lacks %q:\n%s", want, strings.Join(fresh, "\n"))
		}
	}
	if !absent(t, gvrNamespace, "", sysNS) {
		t.Fatal("the plan created the system namespace")
	}

	first := run(t, phase.System(w.env(base...)), false)
	if first.Count(ui.StateChanged) == 0 {
		t.Fatal("the first deploy_system changed nothing")
	}
	revs := revisions(t)
	for _, name := range []string{"eck-operator", "prometheus", "grafana", "fluent-bit", "nginx-ingress", "mongodb-atlas-operator", "redis"} {
		if revs[name] != 1 {
			t.Errorf("release %s: revision %d, want 1", name, revs[name])
		}
	}
	for _, name := range []string{"fluent-bit-aggregator", "prometheus-es-exporter"} {
		if _, ok := revs[name]; ok {
			t.Errorf("release %s installed while disabled", name)
		}
	}
	checkBase(t)

	// A second run, as a new command: nothing changes, by resourceVersion
	// and by Helm revision.
	before := settled(t, sysNS, "elastic-system")
	again := run(t, phase.System(w.env(base...)), false)
	if n := again.Count(ui.StateChanged); n != 0 {
		t.Errorf("re-run: %d actions changed something: %v", n, changedNames(again))
	}
	if d := diff(before, snapshot(t, sysNS, "elastic-system")); len(d) > 0 {
		t.Errorf("re-run touched objects:\n%s", strings.Join(d, "\n"))
	}
	if got := revisions(t); !reflect.DeepEqual(got, revs) {
		t.Errorf("re-run: revisions %v, want %v", got, revs)
	}

	// The plan of the next change names the releases and objects, and no
	// secret.
	next := append(append([]string(nil), base...), plusAndSharded)
	e := w.env(next...)
	plan := run(t, phase.System(e), true)
	planned := plannedChanges(plan)
	for _, want := range []string{
		"create helm release aura-system/fluent-bit-aggregator",
		"create helm release aura-system/prometheus-es-exporter",
		"update helm release aura-system/nginx-ingress",
		"update AtlasDeployment aura-system/" + e.Cfg.AtlasClusterName,
	} {
		if !containsPrefix(planned, want) {
			t.Errorf("plan lacks %q:\n%s", want, strings.Join(planned, "\n"))
		}
	}
	for _, s := range e.Cfg.SecretValues() {
		if strings.Contains(strings.Join(planned, "\n"), s) {
			t.Errorf("the plan shows a secret value")
		}
	}
	if d := diff(before, snapshot(t, sysNS, "elastic-system")); len(d) > 0 {
		t.Errorf("the plan changed the cluster:\n%s", strings.Join(d, "\n"))
	}

	run(t, phase.System(w.env(next...)), false)
	revs2 := revisions(t)
	for name, want := range map[string]int{"fluent-bit-aggregator": 1, "prometheus-es-exporter": 1, "nginx-ingress": 2, "redis": 1} {
		if revs2[name] != want {
			t.Errorf("after NGINX Plus on: release %s revision %d, want %d", name, revs2[name], want)
		}
	}
	checkPlusAndSharded(t, e)

	// The guide's restore command works against the result.
	kubectl := exec.Command(testenv.Get(t).Kubectl, "--kubeconfig", testenv.Get(t).Kubeconfig,
		"create", "job", "--from=cronjob/mongodb-restore", "restore-backup", "-n", sysNS)
	if out, err := kubectl.CombinedOutput(); err != nil {
		t.Fatalf("kubectl create job --from=cronjob/mongodb-restore: %v\n%s", err, out)
	}
	get(t, gvrJob, sysNS, "restore-backup")

	// NGINX Plus off again and Atlas off: their releases are uninstalled,
	// the Atlas operator only once it has released its resources.
	released := holdLikeAnOperator(t, gvrAtlasProj, sysNS, "aura-project", "mongodb-atlas-operator")
	run(t, phase.System(w.env(append(append([]string(nil), base...), "atlas_enabled: false")...)), false)
	if err := <-released; err != nil {
		t.Error(err)
	}
	revs3 := revisions(t)
	for _, name := range []string{"fluent-bit-aggregator", "prometheus-es-exporter", "mongodb-atlas-operator"} {
		if _, ok := revs3[name]; ok {
			t.Errorf("release %s still installed after disabling it", name)
		}
	}
	if !absent(t, gvrAtlasProj, sysNS, "aura-project") || !absent(t, gvrCronJob, sysNS, "mongodb-backup") {
		t.Error("Atlas resources or MongoDB backups left after disabling Atlas")
	}
	run(t, phase.System(w.env(base...)), false)

	// The Atlas operator holds its resources with a finalizer: delete_system
	// must keep the operator until it has let them go.
	released = holdLikeAnOperator(t, gvrAtlasProj, sysNS, "aura-project", "mongodb-atlas-operator")
	run(t, phase.DeleteSystem(w.env(base...)), false)
	if err := <-released; err != nil {
		t.Error(err)
	}
	if got := revisions(t); len(got) != 0 {
		t.Errorf("releases left after delete_system: %v", got)
	}
	for _, ns := range []string{sysNS, "elastic-system"} {
		if !absent(t, gvrNamespace, "", ns) {
			t.Errorf("namespace %s left after delete_system", ns)
		}
	}
	gone := run(t, phase.DeleteSystem(w.env(base...)), false)
	if n := gone.Count(ui.StateChanged); n != 0 {
		t.Errorf("a second delete_system changed %d things", n)
	}
}

func changedNames(r *phase.Result) []string {
	var out []string
	for _, a := range r.Actions {
		if a.State == ui.StateChanged {
			for _, c := range a.Changes {
				if c.Changed() {
					out = append(out, a.Name+": "+string(c.Op)+" "+c.Kind+" "+c.Name)
				}
			}
		}
	}
	return out
}

// plannedChanges are "op kind name" lines of a dry run.
func plannedChanges(r *phase.Result) []string {
	var out []string
	for _, c := range r.Changes() {
		if c.Op != provider.OpNone {
			out = append(out, string(c.Op)+" "+c.Kind+" "+c.Name+" "+c.Detail)
		}
	}
	return out
}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
