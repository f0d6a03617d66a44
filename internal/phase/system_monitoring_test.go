package phase

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/testtool"
)

// Fake values of the keys deploy_system adds to the template context (the
// contract in shared briefs); the secret ones are checked to stay in Secrets.
const (
	monGrafanaSecretKey = "grafana-secret-key-7f3a"
	monStorageKey       = "storage-key-c0ffee=="
	monAtlasPassword    = "atlas-admin-pw-91"
	monRedisPassword    = "redis-pw-55"
)

// monHosts are the management hosts of the example environment (ap-dev).
var monHosts = map[string]any{
	"dashboard": "dashboard-ap-dev.auracognitive.com",
	"metrics":   "metrics-ap-dev.auracognitive.com",
	"logs":      "logs-ap-dev.auracognitive.com",
	"raw_logs":  "raw-logs-ap-dev.auracognitive.com",
	"alerts":    "alerts-ap-dev.auracognitive.com",
}

// monitoringTestContext is the deploy_system template context with fake
// values for what the phase learns from the provider and the cluster.
func monitoringTestContext(e *Env) map[string]any {
	return fakeSystemContext(e, monStorageKey, []string{"127.0.0.1"}, monAtlasPassword, monRedisPassword, monGrafanaSecretKey)
}

// monitoringObjects renders this slice's two templates for the example
// configuration plus extra: pre-Helm system/monitoring.yaml and post-Helm
// system/stack/ingress.yaml.
func monitoringObjects(t *testing.T, extra string) (e *Env, pre, stack []*unstructured.Unstructured) {
	t.Helper()
	e = testEnv(t, extra)
	e.Templates = k8s.FS()
	ctx := monitoringTestContext(e)
	r := e.renderer()
	var err error
	if pre, err = r.Objects("system/monitoring.yaml", ctx); err != nil {
		t.Fatal(err)
	}
	if stack, err = r.Objects("system/stack/ingress.yaml", ctx); err != nil {
		t.Fatal(err)
	}
	return e, pre, stack
}

// configMapData returns data[key] of a ConfigMap, failing when it is absent.
func configMapData(t *testing.T, objs []*unstructured.Unstructured, ns, name, key string) string {
	t.Helper()
	cm := typed[corev1.ConfigMap](t, find(objs, "ConfigMap", ns, name))
	v, ok := cm.Data[key]
	if !ok {
		t.Fatalf("ConfigMap %s has no key %s", name, key)
	}
	return v
}

// ruleFile is Prometheus' rule file format; KnownFields catches misspelt keys.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type monRule struct{ expr, severity string }

func alertRules(t *testing.T, e *Env, objs []*unstructured.Unstructured) map[string]monRule {
	t.Helper()
	var rf ruleFile
	dec := yaml.NewDecoder(strings.NewReader(configMapData(t, objs, e.Cfg.Derived.SystemNamespace, "prometheus-aura-rules", "aura-rules.yml")))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("aura-rules.yml: %v", err)
	}
	out := map[string]monRule{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if _, dup := out[r.Alert]; dup {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s lacks summary or description", r.Alert)
			}
			out[r.Alert] = monRule{r.Expr, r.Labels["severity"]}
		}
	}
	return out
}

const (
	nginxPlusOnly  = "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: false\n"
	esExporterOnly = "nginx_plus_enabled: false\nprometheus_es_exporter_enabled: true\n"
	nginxPlusAndES = "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: true\n"
)

func TestMonitoringAlertRules(t *testing.T) {
	base := map[string]string{
		"TargetDown":                     "warning",
		"PodCrashLooping":                "critical",
		"DeploymentReplicasUnavailable":  "warning",
		"StatefulSetReplicasUnavailable": "warning",
		"NodeNotReady":                   "critical",
		"PersistentVolumeAlmostFull":     "warning",
		"PersistentVolumeFull":           "critical",
		"ContainerMemoryNearLimit":       "info",
		"BackupJobFailed":                "warning",
	}
	es := map[string]string{"ElasticsearchClusterRed": "critical", "ElasticsearchClusterYellow": "warning"}
	waf := map[string]string{"waf_policy_hits_increase": "warning"}
	for _, tc := range []struct {
		name, extra string
		want        []map[string]string
	}{
		{"defaults", "", []map[string]string{base}},
		// The WAF rule's metric comes from the exporter: without it the
		// rule could never fire, so it is not rendered.
		{"nginx plus without exporter", nginxPlusOnly, []map[string]string{base}},
		{"exporter without nginx plus", esExporterOnly, []map[string]string{base, es}},
		{"nginx plus and exporter", nginxPlusAndES, []map[string]string{base, es, waf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, pre, _ := monitoringObjects(t, tc.extra)
			got := alertRules(t, e, pre)
			want := map[string]string{}
			for _, m := range tc.want {
				for k, v := range m {
					want[k] = v
				}
			}
			for name, sev := range want {
				if r, ok := got[name]; !ok {
					t.Errorf("alert %s missing", name)
				} else if r.severity != sev {
					t.Errorf("alert %s severity %q, want %q", name, r.severity, sev)
				}
			}
			for name, r := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("unexpected alert %s", name)
				}
				if !slices.Contains([]string{"warning", "critical", "info"}, r.severity) {
					t.Errorf("alert %s severity %q: webhooks route only warning, critical, info", name, r.severity)
				}
			}
			if r, ok := got["waf_policy_hits_increase"]; ok && !strings.Contains(r.expr, "waf_policy_hits_policy_name_doc_count") {
				t.Errorf("waf_policy_hits_increase does not use the exporter metric: %s", r.expr)
			}
			if r := got["BackupJobFailed"]; !strings.Contains(r.expr, `namespace="`+e.Cfg.Derived.SystemNamespace+`"`) {
				t.Errorf("BackupJobFailed does not watch the system namespace: %s", r.expr)
			}
		})
	}
}

// promtoolRuleTests drive the rendered rules with synthetic series through
// Prometheus' own rule evaluator: the WAF alert fires one minute after a
// policy's hits rise and not while they are flat; a red cluster and a
// crash-looping pod alert with the severity the webhooks route on.
const promtoolRuleTests = `rule_files: [aura-rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'waf_policy_hits_policy_name_doc_count{policy_name="waf-policy"}'
        values: '5 5 5 9 9 9'
      - series: 'waf_policy_hits_policy_name_doc_count{policy_name="quiet-policy"}'
        values: '3 3 3 3 3 3'
    alert_rule_test:
      - eval_time: 2m
        alertname: waf_policy_hits_increase
        exp_alerts: []
      - eval_time: 3m
        alertname: waf_policy_hits_increase
        exp_alerts:
          - exp_labels: {severity: warning, policy_name: waf-policy}
            exp_annotations:
              summary: "WAF policy waf-policy is being hit"
              description: "Hits of WAF policy waf-policy rose by 4 in the last minute (index aurak8s-waf-*)."
      - eval_time: 5m
        alertname: waf_policy_hits_increase
        exp_alerts: []
  - interval: 1m
    input_series:
      - series: 'es_cluster_health_status{cluster_name="aura"}'
        values: '0 2 2 2 2 2 2 2'
      - series: 'kube_pod_container_status_restarts_total{namespace="aura-x",pod="bot-1",container="bot"}'
        values: '0+2x30'
    alert_rule_test:
      - eval_time: 7m
        alertname: ElasticsearchClusterRed
        exp_alerts:
          - exp_labels: {severity: critical, cluster_name: aura}
            exp_annotations:
              summary: "Elasticsearch cluster is red"
              description: "Some primary shards are unassigned: logs are being lost."
      - eval_time: 25m
        alertname: PodCrashLooping
        exp_alerts:
          - exp_labels: {severity: critical, namespace: aura-x, pod: bot-1, container: bot}
            exp_annotations:
              summary: "Pod aura-x/bot-1 is crash looping"
              description: "Container bot restarted 30 times in 15 minutes."
`

// TestMonitoringRulesPromtool checks the rendered rules, and every PromQL
// query of the dashboards, with Prometheus' promtool (Debian "prometheus").
func TestMonitoringRulesPromtool(t *testing.T) {
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus")
	e, pre, _ := monitoringObjects(t, nginxPlusAndES)
	ns := e.Cfg.Derived.SystemNamespace
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rules := write("aura-rules.yml", configMapData(t, pre, ns, "prometheus-aura-rules", "aura-rules.yml"))

	// Dashboard queries become recording rules so that promtool parses them.
	var rec strings.Builder
	rec.WriteString("groups:\n  - name: dashboards\n    rules:\n")
	n := 0
	for _, d := range dashboardsByTitle(t, e, pre) {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				n++
				expr := strings.ReplaceAll(tg.Expr, "$namespace", e.CoreNamespace())
				js, _ := json.Marshal(expr)
				fmt.Fprintf(&rec, "      - record: dashboard:query_%d\n        expr: %s\n", n, js)
			}
		}
	}
	queries := write("dashboards.yml", rec.String())
	tests := write("tests.yml", promtoolRuleTests)

	for _, args := range [][]string{
		{"check", "rules", rules},
		{"check", "rules", queries},
		{"test", "rules", tests},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s %s: %v\n%s", args[0], args[1], err, out)
		}
	}
}

// grafanaDatasources is Grafana's datasource provisioning format (the part
// we render); unknown keys are errors.
type grafanaDatasources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name           string            `yaml:"name"`
		UID            string            `yaml:"uid"`
		Type           string            `yaml:"type"`
		Access         string            `yaml:"access"`
		URL            string            `yaml:"url"`
		IsDefault      bool              `yaml:"isDefault"`
		BasicAuth      bool              `yaml:"basicAuth"`
		BasicAuthUser  string            `yaml:"basicAuthUser"`
		JSONData       map[string]any    `yaml:"jsonData"`
		SecureJSONData map[string]string `yaml:"secureJsonData"`
	} `yaml:"datasources"`
}

func TestMonitoringGrafanaDatasources(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		indices     map[string]string // uid → index
	}{
		{"defaults", "", map[string]string{"elasticsearch-aurak8s": "aurak8s-*"}},
		{"nginx plus", nginxPlusOnly, map[string]string{"elasticsearch-aurak8s": "aurak8s-*", "elasticsearch-waf": "aurak8s-waf-*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, pre, _ := monitoringObjects(t, tc.extra)
			ns := e.Cfg.Derived.SystemNamespace
			cm := find(pre, "ConfigMap", ns, "grafana-aura-datasources")
			if cm == nil || cm.GetLabels()["grafana_datasource"] != "1" {
				t.Fatal("no ConfigMap labelled grafana_datasource=1 for the Grafana sidecar")
			}
			var ds grafanaDatasources
			dec := yaml.NewDecoder(strings.NewReader(configMapData(t, pre, ns, "grafana-aura-datasources", "aura-datasources.yaml")))
			dec.KnownFields(true)
			if err := dec.Decode(&ds); err != nil {
				t.Fatal(err)
			}
			if ds.APIVersion != 1 {
				t.Errorf("apiVersion %d, want 1", ds.APIVersion)
			}
			es := map[string]string{}
			var prom bool
			for _, d := range ds.Datasources {
				switch d.Type {
				case "prometheus":
					prom = d.URL == "http://prometheus-server.aura-system" && d.IsDefault && d.UID == "prometheus"
				case "elasticsearch":
					es[d.UID] = d.JSONData["index"].(string)
					if d.URL != "https://aura-es-http.aura-system:9200" || !d.BasicAuth || d.BasicAuthUser != "elastic" {
						t.Errorf("%s: url %q basicAuth %v user %q", d.UID, d.URL, d.BasicAuth, d.BasicAuthUser)
					}
					// The password comes from the grafana container's env
					// (Secret elastic-admin), never from this ConfigMap.
					if got := d.SecureJSONData["basicAuthPassword"]; got != "${ELASTIC_PASSWORD}" {
						t.Errorf("%s: basicAuthPassword %q, want ${ELASTIC_PASSWORD}", d.UID, got)
					}
				}
			}
			if !prom {
				t.Error("no default Prometheus datasource at http://prometheus-server.aura-system with uid prometheus")
			}
			if len(es) != len(tc.indices) {
				t.Errorf("elasticsearch datasources %v, want %v", es, tc.indices)
			}
			for uid, index := range tc.indices {
				if es[uid] != index {
					t.Errorf("datasource %s index %q, want %q", uid, es[uid], index)
				}
			}
		})
	}
}

type grafanaDashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name    string `json:"name"`
			Current struct {
				Value string `json:"value"`
			} `json:"current"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr         string `json:"expr"`
			LegendFormat string `json:"legendFormat"`
		} `json:"targets"`
	} `json:"panels"`
}

// dashboardsByTitle decodes every ConfigMap the Grafana dashboard sidecar
// picks up; each key must be a complete JSON dashboard.
func dashboardsByTitle(t *testing.T, e *Env, objs []*unstructured.Unstructured) map[string]grafanaDashboard {
	t.Helper()
	out := map[string]grafanaDashboard{}
	for _, o := range objs {
		if o.GetKind() != "ConfigMap" || o.GetLabels()["grafana_dashboard"] != "1" {
			continue
		}
		if o.GetNamespace() != e.Cfg.Derived.SystemNamespace {
			t.Errorf("dashboard %s in %q: the sidecar searches %s", o.GetName(), o.GetNamespace(), e.Cfg.Derived.SystemNamespace)
		}
		for key, js := range typed[corev1.ConfigMap](t, o).Data {
			var d grafanaDashboard
			if err := json.Unmarshal([]byte(js), &d); err != nil {
				t.Fatalf("%s/%s is not JSON: %v", o.GetName(), key, err)
			}
			if key != d.UID+".json" {
				t.Errorf("%s: key %s, want %s.json", o.GetName(), key, d.UID)
			}
			out[d.Title] = d
		}
	}
	return out
}

func TestMonitoringGrafanaDashboards(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		want        []string
	}{
		{"defaults", "", []string{"Aura - Overview"}},
		{"nginx plus", nginxPlusOnly, []string{"Aura - Overview", "Nginx Plus - Dashboard"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, pre, _ := monitoringObjects(t, tc.extra)
			got := dashboardsByTitle(t, e, pre)
			titles := make([]string, 0, len(got))
			for title, d := range got {
				titles = append(titles, title)
				if len(d.Panels) == 0 {
					t.Errorf("%s has no panels", title)
				}
				for _, p := range d.Panels {
					if p.Datasource.UID != "prometheus" || len(p.Targets) == 0 || p.Targets[0].Expr == "" {
						t.Errorf("%s / %s: datasource %q, targets %+v", title, p.Title, p.Datasource.UID, p.Targets)
					}
				}
			}
			slices.Sort(titles)
			if !slices.Equal(titles, tc.want) {
				t.Fatalf("dashboards %v, want %v", titles, tc.want)
			}
			ov := got["Aura - Overview"]
			if len(ov.Templating.List) != 1 || ov.Templating.List[0].Name != "namespace" || ov.Templating.List[0].Current.Value != e.CoreNamespace() {
				t.Errorf("overview namespace variable %+v, want default %s", ov.Templating.List, e.CoreNamespace())
			}
			for _, want := range []string{"kube_pod_status_phase", "kube_pod_container_status_restarts_total", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes"} {
				if !dashboardQueries(ov, want, `namespace="$namespace"`) {
					t.Errorf("overview has no %s panel filtered by the namespace variable", want)
				}
			}
			if np, ok := got["Nginx Plus - Dashboard"]; ok {
				if !dashboardQueries(np, "waf_policy_hits_policy_name_doc_count", "policy_name") {
					t.Error("nginx plus dashboard has no WAF hits by policy panel")
				}
				if !dashboardQueries(np, "nginx_ingress_nginxplus_upstream_server_responses", `code="5xx"`) {
					t.Error("nginx plus dashboard has no 5xx panel")
				}
			}
		})
	}
}

// dashboardQueries reports whether a panel query contains all of parts.
func dashboardQueries(d grafanaDashboard, parts ...string) bool {
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			all := true
			for _, s := range parts {
				all = all && strings.Contains(tg.Expr, s)
			}
			if all {
				return true
			}
		}
	}
	return false
}

func usersYAML(passwords ...string) string {
	var b strings.Builder
	b.WriteString("backoffice_users:\n  dashboards:\n    - {name: boss, password: \"boss-pw-0\"}\n")
	for i, p := range passwords {
		b.WriteString("    - {name: viewer" + string(rune('1'+i)) + ", password: " + jsonQuote(p) + "}\n")
	}
	return b.String()
}

func jsonQuote(s string) string { js, _ := json.Marshal(s); return string(js) }

func grafanaUsersJob(t *testing.T, objs []*unstructured.Unstructured) *batchv1.Job {
	t.Helper()
	var jobs []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Job" {
			jobs = append(jobs, o)
		}
	}
	switch len(jobs) {
	case 0:
		return nil
	case 1:
		return typed[batchv1.Job](t, jobs[0])
	}
	t.Fatalf("%d Jobs rendered, want at most 1", len(jobs))
	return nil
}

var jobNameRe = regexp.MustCompile(`^grafana-users-[0-9a-f]{8}$`)

func TestMonitoringReadonlyUsersJob(t *testing.T) {
	if _, pre, _ := monitoringObjects(t, usersYAML()); grafanaUsersJob(t, pre) != nil {
		t.Error("a Job is rendered with no read-only users")
	}
	_, pre, _ := monitoringObjects(t, usersYAML("pw-a", "pw-b"))
	job := grafanaUsersJob(t, pre)
	if job == nil {
		t.Fatal("no Job for two read-only users")
	}
	if !jobNameRe.MatchString(job.Name) {
		t.Errorf("job name %q, want grafana-users-<8 hex>", job.Name)
	}
	if job.Spec.TTLSecondsAfterFinished == nil {
		t.Error("finished Jobs are never cleaned up")
	}
	names := map[string]string{}
	for name, extra := range map[string]string{
		"same":             usersYAML("pw-a", "pw-b"),
		"password changed": usersYAML("pw-a", "pw-B"),
		"user added":       usersYAML("pw-a", "pw-b", "pw-c"),
	} {
		_, objs, _ := monitoringObjects(t, extra)
		names[name] = grafanaUsersJob(t, objs).Name
	}
	if names["same"] != job.Name {
		t.Errorf("same users: job %s, then %s; a re-run would create a second Job", job.Name, names["same"])
	}
	if names["password changed"] == job.Name || names["user added"] == job.Name {
		t.Errorf("changed users keep job name %s: the new passwords would never be applied", job.Name)
	}

	pod := job.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever || len(pod.Containers) != 1 {
		t.Fatalf("restartPolicy %s, %d containers", pod.RestartPolicy, len(pod.Containers))
	}
	c := pod.Containers[0]
	for _, v := range c.Env {
		if v.ValueFrom != nil {
			t.Errorf("env %s comes from %v: credentials must be mounted files, not env", v.Name, v.ValueFrom)
		}
	}
	mounted := map[string]string{}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			mounted[v.Name] = v.Secret.SecretName
		}
	}
	paths := map[string]string{}
	for _, m := range c.VolumeMounts {
		paths[mounted[m.Name]] = m.MountPath
	}
	script := strings.Join(c.Args, "\n")
	for secret, file := range map[string]string{"grafana-admin": "admin-password", "grafana-readonly-users": "users.json"} {
		p, ok := paths[secret]
		if !ok {
			t.Errorf("Secret %s is not mounted", secret)
			continue
		}
		if !strings.Contains(script, p+"/"+file) {
			t.Errorf("script does not read %s/%s", p, file)
		}
	}
	for _, api := range []string{"/api/users/lookup", "/api/admin/users", "/password", `"role": "Viewer"`} {
		if !strings.Contains(script, api) {
			t.Errorf("script never calls %s", api)
		}
	}
	if len(c.Command) == 0 || c.Command[0] != "python3" {
		t.Fatalf("command %v, want python3 -c SCRIPT", c.Command)
	}
	python := testtool.Need(t, "python3", "apt-get install python3")
	f := filepath.Join(t.TempDir(), "users.py")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", f)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("the Job's script is not valid Python: %v\n%s", err, stderr.String())
	}
}

// virtualServer and nginxPolicy hold the fields we render of the NGINX Inc
// CRDs; decoding with DisallowUnknownFields catches misspelt fields that the
// CRDs' open schema would accept silently.
type virtualServer struct {
	IngressClassName string `json:"ingressClassName"`
	Host             string `json:"host"`
	TLS              struct {
		Secret   string `json:"secret"`
		Redirect struct {
			Enable bool `json:"enable"`
		} `json:"redirect"`
	} `json:"tls"`
	Policies []struct {
		Name string `json:"name"`
	} `json:"policies"`
	Upstreams []struct {
		Name    string `json:"name"`
		Service string `json:"service"`
		Port    int    `json:"port"`
		TLS     struct {
			Enable bool `json:"enable"`
		} `json:"tls"`
	} `json:"upstreams"`
	Routes []struct {
		Path   string `json:"path"`
		Action struct {
			Pass string `json:"pass"`
		} `json:"action"`
	} `json:"routes"`
}

type nginxPolicy struct {
	AccessControl *struct {
		Allow []string `json:"allow"`
	} `json:"accessControl"`
	BasicAuth *struct {
		Secret string `json:"secret"`
		Realm  string `json:"realm"`
	} `json:"basicAuth"`
}

func strictSpec[T any](t *testing.T, o *unstructured.Unstructured) T {
	t.Helper()
	var out T
	js, err := json.Marshal(o.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s %s spec: %v", o.GetKind(), o.GetName(), err)
	}
	return out
}

func TestMonitoringManagementIngress(t *testing.T) {
	type page struct {
		key, name, service string
		port               int
		https, basicAuth   bool
	}
	pages := []page{
		{"dashboard", "dashboard", "grafana", 80, false, false},
		{"metrics", "metrics", "prometheus-server", 80, false, true},
		{"logs", "logs", "aura-kb-http", 5601, true, false},
		{"raw_logs", "raw-logs", "aura-es-http", 9200, true, false},
		{"alerts", "alerts", "prometheus-alertmanager", 9093, false, true},
	}
	for _, tc := range []struct {
		name, extra string
		allow       map[string][]string // page key → CIDRs of its allow Policy; absent: no Policy
	}{
		{"guide default: any source", "", nil},
		{"specific ranges", `
service_whitelist_source_ranges:
  dashboard: ["10.1.0.0/16", "192.0.2.7/32"]
  metrics: ["198.51.100.0/24"]
  logs: ["0.0.0.0/0"]
  raw_logs: ["203.0.113.0/28", "10.9.0.0/16"]
  alerts: []
`, map[string][]string{
			"dashboard": {"10.1.0.0/16", "192.0.2.7/32"},
			"metrics":   {"198.51.100.0/24"},
			"raw_logs":  {"203.0.113.0/28", "10.9.0.0/16"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _, stack := monitoringObjects(t, tc.extra)
			ns := e.Cfg.Derived.SystemNamespace
			want := 0
			for _, p := range pages {
				want++ // VirtualServer
				if p.basicAuth {
					want++
				}
				if _, ok := tc.allow[p.key]; ok {
					want++
				}
			}
			if len(stack) != want {
				t.Errorf("%d objects, want %d", len(stack), want)
			}
			for _, p := range pages {
				vs := strictSpec[virtualServer](t, find(stack, "VirtualServer", ns, p.name))
				// Without tls.certificate, cert-manager issues aura-tls.
				if vs.Host != monHosts[p.key] || vs.IngressClassName != "nginx" || vs.TLS.Secret != tlsSecretName {
					t.Errorf("%s: host %q class %q tls %q", p.name, vs.Host, vs.IngressClassName, vs.TLS.Secret)
				}
				if len(vs.Upstreams) != 1 || len(vs.Routes) != 1 {
					t.Fatalf("%s: %d upstreams %d routes, want 1 each", p.name, len(vs.Upstreams), len(vs.Routes))
				}
				up := vs.Upstreams[0]
				if up.Service != p.service || up.Port != p.port || up.TLS.Enable != p.https {
					t.Errorf("%s: upstream %+v, want %s:%d https=%v", p.name, up, p.service, p.port, p.https)
				}
				if r := vs.Routes[0]; r.Path != "/" || r.Action.Pass != up.Name {
					t.Errorf("%s: route %+v does not pass / to upstream %s", p.name, r, up.Name)
				}
				var refs []string
				for _, pol := range vs.Policies {
					refs = append(refs, pol.Name)
				}
				var wantRefs []string
				if cidrs, ok := tc.allow[p.key]; ok {
					wantRefs = append(wantRefs, p.name+"-allow")
					pol := strictSpec[nginxPolicy](t, find(stack, "Policy", ns, p.name+"-allow"))
					if pol.AccessControl == nil || !slices.Equal(pol.AccessControl.Allow, cidrs) || pol.BasicAuth != nil {
						t.Errorf("%s-allow: %+v, want allow %v", p.name, pol.AccessControl, cidrs)
					}
				} else if find(stack, "Policy", ns, p.name+"-allow") != nil {
					t.Errorf("%s: an allow Policy restricts a page open to any source", p.name)
				}
				if p.basicAuth {
					wantRefs = append(wantRefs, p.name+"-basic-auth")
					pol := strictSpec[nginxPolicy](t, find(stack, "Policy", ns, p.name+"-basic-auth"))
					if pol.BasicAuth == nil || pol.BasicAuth.Secret != p.name+"-basic-auth" || pol.BasicAuth.Realm == "" || pol.AccessControl != nil {
						t.Errorf("%s-basic-auth: %+v", p.name, pol.BasicAuth)
					}
				} else if find(stack, "Policy", ns, p.name+"-basic-auth") != nil {
					t.Errorf("%s has basic auth: only metrics and alerts lack a login of their own", p.name)
				}
				if !slices.Equal(refs, wantRefs) {
					t.Errorf("%s: policies %v, want %v", p.name, refs, wantRefs)
				}
			}
		})
	}
}

func TestMonitoringIngressNeedsHosts(t *testing.T) {
	e := testEnv(t, "")
	e.Templates = k8s.FS()
	ctx := monitoringTestContext(e)
	hosts := map[string]any{}
	for k, v := range monHosts {
		hosts[k] = v
	}
	delete(hosts, "alerts")
	ctx["management_hosts"] = hosts
	_, err := e.renderer().Objects("system/stack/ingress.yaml", ctx)
	if err == nil || !strings.Contains(err.Error(), "alerts") || !strings.Contains(err.Error(), "ingress.yaml") {
		t.Errorf("missing management_hosts.alerts: error %v, want one naming the key and the file", err)
	}
}

// TestMonitoringSecretsOnlyInSecrets: no password of the configuration nor
// secret of the deploy_system context reaches a non-Secret object, and every
// object is namespaced and labelled as the house style wants.
func TestMonitoringSecretsOnlyInSecrets(t *testing.T) {
	e, pre, stack := monitoringObjects(t, nginxPlusAndES+usersYAML("ro-pw-one", "ro-pw-two")+`
service_whitelist_source_ranges:
  dashboard: ["10.1.0.0/16"]
  metrics: ["10.2.0.0/16"]
  logs: ["10.3.0.0/16"]
  raw_logs: ["10.4.0.0/16"]
  alerts: ["10.5.0.0/16"]
`)
	secrets := append(e.Cfg.SecretValues(), monGrafanaSecretKey, monStorageKey, monAtlasPassword, monRedisPassword)
	for _, must := range []string{"ro-pw-one", "ro-pw-two", "boss-pw-0", "ROOT_PASSWD"} {
		if !slices.Contains(secrets, must) {
			t.Fatalf("SecretValues misses %q: the check below would prove nothing", must)
		}
	}
	kinds := map[string]int{}
	for _, o := range append(pre, stack...) {
		kinds[o.GetKind()]++
		if o.GetNamespace() != e.Cfg.Derived.SystemNamespace {
			t.Errorf("%s %s in namespace %q", o.GetKind(), o.GetName(), o.GetNamespace())
		}
		if l := o.GetLabels(); l["app.kubernetes.io/part-of"] != "aura" || l["app.kubernetes.io/name"] == "" {
			t.Errorf("%s %s labels %v", o.GetKind(), o.GetName(), l)
		}
		checkNoSecret(t, o, secrets)
	}
	// 5 VirtualServers, 5 allow + 2 basic-auth Policies, rules +
	// datasources + 2 dashboards ConfigMaps, the users Job.
	want := map[string]int{"VirtualServer": 5, "Policy": 7, "ConfigMap": 4, "Job": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("rendered %v, want %v", kinds, want)
			break
		}
	}
}
