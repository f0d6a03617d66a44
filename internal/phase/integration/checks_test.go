package integration

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/auracognitive/aurak8s/internal/phase"
)

// checkBase checks, on the live objects, the guide's settings the base
// configuration of TestSystemLifecycle sets.
func checkBase(t *testing.T) {
	t.Helper()
	// Data backup: nightly, compressed, retention backup_retention_time.
	for name, schedule := range map[string]string{"mongodb-backup": "0 2 * * *", "redis-backup": "30 2 * * *"} {
		cj := get(t, gvrCronJob, sysNS, name)
		if got := field(t, cj, "spec", "schedule"); got != schedule {
			t.Errorf("CronJob %s schedule %v, want %s", name, got, schedule)
		}
		if env := containerEnv(t, cj, "spec", "jobTemplate", "spec", "template", "spec", "containers"); env["RETENTION_DAYS"] != "9" {
			t.Errorf("CronJob %s RETENTION_DAYS %q, want backup_retention_time 9", name, env["RETENTION_DAYS"])
		}
	}
	for _, name := range []string{"mongodb-restore", "redis-restore"} {
		if got := field(t, get(t, gvrCronJob, sysNS, name), "spec", "suspend"); got != true {
			t.Errorf("CronJob %s suspend %v, want true", name, got)
		}
	}

	// Webhooks by severity, only inside the Alertmanager Secret.
	var am struct {
		Route struct {
			Routes []struct {
				Receiver string
				Matchers []string
			}
		}
		Receivers []struct {
			Name           string
			WebhookConfigs []struct{ URL string } `json:"webhook_configs"`
		}
	}
	if err := yaml.Unmarshal(secretValue(t, "alertmanager-aura", "alertmanager.yaml"), &am); err != nil {
		t.Fatal(err)
	}
	routes := map[string][]string{}
	for _, r := range am.Route.Routes {
		routes[r.Receiver] = r.Matchers
	}
	for recv, sev := range map[string]string{"webhook-teams-critical": "critical", "webhook-chat-warning": "warning"} {
		if want := []string{`severity="` + sev + `"`}; !reflect.DeepEqual(routes[recv], want) {
			t.Errorf("route to %s matches %v, want %v", recv, routes[recv], want)
		}
	}

	// Snapshot repository, schedule and expiry reach the setup requests.
	setup := get(t, gvrConfigMap, sysNS, "aura-es-setup")
	var repo struct {
		Type     string
		Settings struct {
			Readonly  bool
			Container string
		}
	}
	jsonField(t, setup, "snapshot-repository.json", &repo)
	if repo.Type != "azure" || repo.Settings.Readonly || repo.Settings.Container != "elasticsearch-snapshots" {
		t.Errorf("snapshot repository %+v, want azure, read-write, elasticsearch-snapshots", repo)
	}
	var slm struct {
		Schedule  string
		Retention struct {
			ExpireAfter string `json:"expire_after"`
		}
	}
	jsonField(t, setup, "slm-policy.json", &slm)
	if slm.Schedule != "0 30 2 * * ?" || slm.Retention.ExpireAfter != "366d" {
		t.Errorf("snapshot policy %+v, want schedule 0 30 2 * * ? and expire_after 366d", slm)
	}

	// Whitelists: a Policy per restricted page, none for "any source".
	for page, cidrs := range map[string][]any{"metrics": {"10.20.0.0/16", "192.0.2.7/32"}, "logs": {"10.20.0.0/16"}, "raw-logs": {"198.51.100.0/24"}} {
		p := get(t, gvrPolicy, sysNS, page+"-allow")
		if got := field(t, p, "spec", "accessControl", "allow"); !reflect.DeepEqual(got, cidrs) {
			t.Errorf("Policy %s-allow allows %v, want %v", page, got, cidrs)
		}
	}
	for _, page := range []string{"dashboard", "alerts"} {
		if !absent(t, gvrPolicy, sysNS, page+"-allow") {
			t.Errorf("Policy %s-allow exists for a page open to any source", page)
		}
	}
	vs := get(t, gvrVS, sysNS, "metrics")
	if got := field(t, vs, "spec", "policies"); !reflect.DeepEqual(got, []any{map[string]any{"name": "metrics-allow"}, map[string]any{"name": "metrics-basic-auth"}}) {
		t.Errorf("VirtualServer metrics policies %v", got)
	}

	// Generated passwords exist where the charts and CRs read them.
	for name, key := range map[string]string{"redis": "redis-password", "mongodb-adminuser-password": "password", "grafana-admin": "secret-key"} {
		if len(secretValue(t, name, key)) < 24 {
			t.Errorf("Secret %s/%s is shorter than a generated password", name, key)
		}
	}
	if got := field(t, get(t, gvrES, sysNS, "aura"), "spec", "nodeSets"); len(got.([]any)) != 1 {
		t.Errorf("Elasticsearch aura nodeSets %v", got)
	}
	get(t, gvrNamespace, "", "elastic-system")
	get(t, gvrDeployment, sysNS, "grafana")
}

// checkPlusAndSharded checks NGINX Plus and a sharded Atlas cluster.
func checkPlusAndSharded(t *testing.T, e *phase.Env) {
	t.Helper()
	dep := get(t, gvrAtlasDep, sysNS, e.Cfg.AtlasClusterName)
	if got := field(t, dep, "spec", "deploymentSpec", "clusterType"); got != "SHARDED" {
		t.Errorf("AtlasDeployment clusterType %v", got)
	}
	specs := field(t, dep, "spec", "deploymentSpec", "replicationSpecs").([]any)
	if len(specs) != 1 || specs[0].(map[string]any)["numShards"] != int64(3) {
		t.Errorf("AtlasDeployment replicationSpecs %v, want numShards 3", specs)
	}
	for _, o := range []*unstructured.Unstructured{dep, get(t, gvrAtlasProj, sysNS, "aura-project"), get(t, gvrAtlasUser, sysNS, "mongodb-adminuser-password")} {
		if o.GetAnnotations()["mongodb.com/atlas-resource-policy"] != "keep" {
			t.Errorf("%s %s lacks mongodb.com/atlas-resource-policy: keep", o.GetKind(), o.GetName())
		}
	}
	rules := get(t, gvrConfigMap, sysNS, "prometheus-aura-rules")
	if !strings.Contains(field(t, rules, "data", "aura-rules.yml").(string), "alert: waf_policy_hits_increase") {
		t.Error("no waf_policy_hits_increase rule with NGINX Plus and the exporter on")
	}
	if _, ok := get(t, gvrConfigMap, sysNS, "aura-es-setup").Object["data"].(map[string]any)["waf-index-template.json"]; !ok {
		t.Error("no aurak8s-waf index template with NGINX Plus on")
	}
	get(t, gvrDeployment, sysNS, "fluent-bit-aggregator")
}

func containerEnv(t *testing.T, o *unstructured.Unstructured, path ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range field(t, o, path...).([]any) {
		env, _ := c.(map[string]any)["env"].([]any)
		for _, e := range env {
			m := e.(map[string]any)
			if v, ok := m["value"].(string); ok {
				out[m["name"].(string)] = v
			}
		}
	}
	return out
}

func secretValue(t *testing.T, name, key string) []byte {
	t.Helper()
	enc, _ := field(t, get(t, gvrSecret, sysNS, name), "data", key).(string)
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("Secret %s key %s: %v", name, key, err)
	}
	return b
}

func jsonField(t *testing.T, cm *unstructured.Unstructured, key string, v any) {
	t.Helper()
	s, _ := field(t, cm, "data", key).(string)
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("ConfigMap %s key %s: %v", cm.GetName(), key, err)
	}
}
