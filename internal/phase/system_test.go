package phase

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
)

// systemObjects renders deploy/templates/k8s/system (what deploy_system
// applies besides the CRDs) for the example configuration plus extra.
func systemObjects(t *testing.T, extra string) (*Env, []*unstructured.Unstructured) {
	t.Helper()
	e := testEnv(t, extra)
	e.Templates = k8s.FS()
	objs, err := e.renderer().Dir("system", fakeSystemContext(e, "c3lzdGVtLXRlc3Qta2V5", []string{"127.0.0.1"}, "atlas-Pw-sys", "redis-Pw-sys", "grafana-Sk-sys"))
	if err != nil {
		t.Fatal(err)
	}
	return e, objs
}

// fakeSystemContext is deploy_system's template context with the values it
// would learn from the provider and the cluster given by the test.
func fakeSystemContext(e *Env, storageKey string, outboundIPs []string, atlasPw, redisPw, grafanaKey string) map[string]any {
	c, _ := e.buildSystemContext(storageKey, outboundIPs, map[string]string{
		"atlas_admin_password": atlasPw, "redis_password": redisPw, "grafana_secret_key": grafanaKey})
	return c
}

// checkNoSecret fails when an object other than a Secret holds one of the
// secret values.
func checkNoSecret(t *testing.T, o *unstructured.Unstructured, secrets []string) {
	t.Helper()
	if o.GetKind() == "Secret" {
		return
	}
	js, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(js), s) {
			t.Errorf("%s %s/%s holds a secret value", o.GetKind(), o.GetNamespace(), o.GetName())
		}
	}
}

// find returns the object of that kind, namespace and name, or nil.
func find(objs []*unstructured.Unstructured, kind, ns, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetNamespace() == ns && o.GetName() == name {
			return o
		}
	}
	return nil
}

// typed converts strictly: a misspelt or misplaced field is an error, as it
// would be for the API server's field validation.
func typed[T any](t *testing.T, o *unstructured.Unstructured) *T {
	t.Helper()
	if o == nil {
		t.Fatal("object not rendered")
	}
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, out, true); err != nil {
		t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
	}
	return out
}

func secretData(t *testing.T, objs []*unstructured.Unstructured, ns, name string) map[string]string {
	t.Helper()
	return typed[corev1.Secret](t, find(objs, "Secret", ns, name)).StringData
}

const webhooksYAML = `
notifications_webhooks:
  - name: pager
    url: "https://hooks.example.com/pager?token=tok-critical-1"
    severity: critical
  - name: chat
    url: "https://hooks.example.com/chat/tok-warning-2"
    severity: warning
  - name: audit
    url: "https://hooks.example.com/audit/tok-info-3"
    severity: info
  - name: oncall
    url: "https://hooks.example.com/oncall/tok-critical-4"
    severity: critical
`

const activeListeningYAML = `
active_listening_enabled: true
active_listening_encryption_key: "al-key-0123456789"
fourth_platform:
  conversations:
    days_to_find: 3
    platform: azure
    bucket: aura-conversations
    access_key: convaccount
    secret_key: "conv-secret-key-42"
`

func TestSystemBackupCronJobs(t *testing.T) {
	e, objs := systemObjects(t, "backup_retention_time: 4\n")
	ns := e.Cfg.Derived.SystemNamespace
	for _, tc := range []struct {
		name, schedule, image, prefix string
		suspend                       bool
	}{
		{"mongodb-backup", "0 2 * * *", "auraregistry.azurecr.io/aura/tools/mongo-backup:8.0.0", "mongodb/", false},
		{"redis-backup", "30 2 * * *", "auraregistry.azurecr.io/aura/tools/redis-backup:7.4.0", "redis/", false},
		{"mongodb-restore", "", "auraregistry.azurecr.io/aura/tools/mongo-backup:8.0.0", "mongodb/restore/", true},
		{"redis-restore", "", "auraregistry.azurecr.io/aura/tools/redis-backup:7.4.0", "redis/restore/", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cj := typed[batchv1.CronJob](t, find(objs, "CronJob", ns, tc.name))
			if tc.schedule != "" && cj.Spec.Schedule != tc.schedule {
				t.Errorf("schedule %q, want %q", cj.Spec.Schedule, tc.schedule)
			}
			if got := cj.Spec.Suspend != nil && *cj.Spec.Suspend; got != tc.suspend {
				t.Errorf("suspend %v, want %v", got, tc.suspend)
			}
			// kubectl create job --from=cronjob/NAME copies jobTemplate: it
			// must be a complete Job on its own.
			pod := cj.Spec.JobTemplate.Spec.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %q, want Never", pod.RestartPolicy)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			if c.Image != tc.image {
				t.Errorf("image %q, want %q", c.Image, tc.image)
			}
			script := strings.Join(c.Args, "\n")
			if !strings.Contains(script, tc.prefix) {
				t.Errorf("script does not use %s of the container:\n%s", tc.prefix, script)
			}
			env := map[string]corev1.EnvVar{}
			for _, v := range c.Env {
				env[v.Name] = v
			}
			if got := env["CONTAINER"].Value; got != "aura-backups" {
				t.Errorf("CONTAINER %q, want aura-backups", got)
			}
			if got := env["RETENTION_DAYS"].Value; got != "4" {
				t.Errorf("RETENTION_DAYS %q, want backup_retention_time 4", got)
			}
			creds := map[string][2]string{
				"AZURE_STORAGE_ACCOUNT": {"aura-backups-storage", "account"},
				"AZURE_STORAGE_KEY":     {"aura-backups-storage", "key"},
			}
			if strings.HasPrefix(tc.name, "mongodb") {
				creds["MONGODB_URI"] = [2]string{atlasConnectionSecretName(e.Cfg.AtlasProjectName, e.Cfg.AtlasClusterName, "aura-admin-"+e.Cfg.Derived.EnvironmentName), "connectionStringStandardSrv"}
				if want := "--gzip --archive"; !strings.Contains(script, want) {
					t.Errorf("script lacks %q:\n%s", want, script)
				}
			} else {
				creds["REDISCLI_AUTH"] = [2]string{"redis", "redis-password"}
			}
			for name, ref := range creds {
				v, ok := env[name]
				if !ok || v.Value != "" || v.ValueFrom == nil || v.ValueFrom.SecretKeyRef == nil {
					t.Errorf("%s is not taken from a Secret: %+v", name, v)
					continue
				}
				if r := v.ValueFrom.SecretKeyRef; r.Name != ref[0] || r.Key != ref[1] {
					t.Errorf("%s from secret %s key %s, want %s key %s", name, r.Name, r.Key, ref[0], ref[1])
				}
			}
			if !tc.suspend && !strings.Contains(script, "RETENTION_DAYS") {
				t.Errorf("backup never deletes old blobs:\n%s", script)
			}
		})
	}
}

// alertmanagerConfig is the part of Alertmanager's configuration we render;
// decoding it with KnownFields catches misspelt keys.
type alertmanagerConfig struct {
	Global struct {
		Smarthost    string `yaml:"smtp_smarthost"`
		From         string `yaml:"smtp_from"`
		RequireTLS   bool   `yaml:"smtp_require_tls"`
		AuthUsername string `yaml:"smtp_auth_username"`
		AuthPassword string `yaml:"smtp_auth_password"`
	} `yaml:"global"`
	Route struct {
		Receiver string   `yaml:"receiver"`
		GroupBy  []string `yaml:"group_by"`
		Routes   []struct {
			Receiver string   `yaml:"receiver"`
			Matchers []string `yaml:"matchers"`
			Continue bool     `yaml:"continue"`
		} `yaml:"routes"`
	} `yaml:"route"`
	Receivers []struct {
		Name         string `yaml:"name"`
		EmailConfigs []struct {
			To           string `yaml:"to"`
			SendResolved bool   `yaml:"send_resolved"`
		} `yaml:"email_configs"`
		WebhookConfigs []struct {
			URL          string `yaml:"url"`
			SendResolved bool   `yaml:"send_resolved"`
		} `yaml:"webhook_configs"`
	} `yaml:"receivers"`
}

func TestSystemAlertmanagerRoutesWebhooksBySeverity(t *testing.T) {
	e, objs := systemObjects(t, webhooksYAML)
	data := secretData(t, objs, e.Cfg.Derived.SystemNamespace, "alertmanager-aura")
	var am alertmanagerConfig
	dec := yaml.NewDecoder(strings.NewReader(data["alertmanager.yaml"]))
	dec.KnownFields(true)
	if err := dec.Decode(&am); err != nil {
		t.Fatalf("alertmanager.yaml: %v", err)
	}
	urls := map[string]string{}
	for _, r := range am.Receivers {
		switch {
		case r.Name == "email":
			if len(r.EmailConfigs) != 1 || r.EmailConfigs[0].To != "example@telefonica.com" {
				t.Errorf("email receiver %+v, want notifications_email", r.EmailConfigs)
			}
		case len(r.WebhookConfigs) == 1:
			urls[r.Name] = r.WebhookConfigs[0].URL
		default:
			t.Errorf("unexpected receiver %+v", r)
		}
	}
	if am.Route.Receiver != "email" {
		t.Errorf("default receiver %q, want email", am.Route.Receiver)
	}
	severity := map[string]string{}
	emailed := false
	for _, r := range am.Route.Routes {
		if !r.Continue {
			t.Errorf("route to %s stops matching: other receivers would miss its alerts", r.Receiver)
		}
		if r.Receiver == "email" && len(r.Matchers) == 0 {
			emailed = true
			continue
		}
		if len(r.Matchers) != 1 {
			t.Errorf("route to %s: matchers %v", r.Receiver, r.Matchers)
			continue
		}
		severity[r.Receiver] = r.Matchers[0]
	}
	if !emailed {
		t.Error("not every alert reaches the email receiver")
	}
	for _, w := range e.Cfg.NotificationsWebhooks {
		name := "webhook-" + w.Name
		if urls[name] != w.URL {
			t.Errorf("%s url %q, want %q", name, urls[name], w.URL)
		}
		if want := `severity="` + w.Severity + `"`; severity[name] != want {
			t.Errorf("%s routed by %q, want %q", name, severity[name], want)
		}
	}
	if len(urls) != 4 || len(severity) != 4 {
		t.Errorf("%d webhook receivers and %d routes, want 4 each", len(urls), len(severity))
	}
}

// Alertmanager refuses an email receiver without a mail server, so one is
// only rendered with notifications_smtp.smarthost; SMTP AUTH when given.
func TestSystemAlertmanagerEmail(t *testing.T) {
	for _, tc := range []struct {
		name, extra          string
		emails               int
		smarthost, user, pwd string
	}{
		{"example", "", 1, "smtp.example.com:587", "", ""},
		{"auth", "notifications_smtp:\n  username: alerts\n  password: smtp-Pw-42\n", 1, "smtp.example.com:587", "alerts", "smtp-Pw-42"},
		{"no mail server", "notifications_smtp:\n  smarthost: \"\"\n", 0, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, objs := systemObjects(t, tc.extra)
			var am alertmanagerConfig
			dec := yaml.NewDecoder(strings.NewReader(secretData(t, objs, e.Cfg.Derived.SystemNamespace, "alertmanager-aura")["alertmanager.yaml"]))
			dec.KnownFields(true)
			if err := dec.Decode(&am); err != nil {
				t.Fatalf("alertmanager.yaml: %v", err)
			}
			g := am.Global
			if g.Smarthost != tc.smarthost || g.AuthUsername != tc.user || g.AuthPassword != tc.pwd {
				t.Errorf("global %+v", g)
			}
			if tc.smarthost != "" && (g.From != "aura-alerts@example.com" || !g.RequireTLS) {
				t.Errorf("global from %q require_tls %v", g.From, g.RequireTLS)
			}
			for _, r := range am.Receivers {
				if r.Name == "email" && len(r.EmailConfigs) != tc.emails {
					t.Errorf("email receiver has %d email configs, want %d", len(r.EmailConfigs), tc.emails)
				}
			}
		})
	}
}

func TestSystemPageCredentials(t *testing.T) {
	e, objs := systemObjects(t, `
backoffice_users:
  dashboards:
    - {name: boss, password: "dash-admin-pw"}
    - {name: viewer1, password: "dash-ro-pw-1"}
    - {name: viewer2, password: "dash-ro-pw-2"}
  metrics:
    - {name: m1, password: "metrics-pw-1"}
    - {name: m2, password: "metrics pw: 2"}
`)
	ns := e.Cfg.Derived.SystemNamespace
	admin := secretData(t, objs, ns, "grafana-admin")
	if admin["admin-user"] != "boss" || admin["admin-password"] != "dash-admin-pw" {
		t.Errorf("grafana admin %q, want the first dashboards user", admin["admin-user"])
	}
	var ro []struct{ Name, Password string }
	if err := json.Unmarshal([]byte(secretData(t, objs, ns, "grafana-readonly-users")["users.json"]), &ro); err != nil {
		t.Fatal(err)
	}
	if len(ro) != 2 || ro[0].Name != "viewer1" || ro[1].Password != "dash-ro-pw-2" {
		t.Errorf("read-only users %v, want viewer1 and viewer2", ro)
	}
	el := typed[corev1.Secret](t, find(objs, "Secret", ns, "elastic-admin"))
	if el.Type != corev1.SecretTypeBasicAuth || el.StringData["username"] != "elastic" || el.StringData["password"] != "ROOT_PASSWD" {
		t.Errorf("elastic admin secret: type %s user %q", el.Type, el.StringData["username"])
	}
	for page, want := range map[string]string{
		"metrics": "m1:{PLAIN}metrics-pw-1\nm2:{PLAIN}metrics pw: 2\n",
		"alerts":  "admin:{PLAIN}change-me-alerts\n",
	} {
		s := typed[corev1.Secret](t, find(objs, "Secret", ns, page+"-basic-auth"))
		if s.Type != "nginx.org/htpasswd" || s.StringData["htpasswd"] != want {
			t.Errorf("%s: type %s htpasswd %q, want %q", page, s.Type, s.StringData["htpasswd"], want)
		}
	}
}

func TestSystemActiveListening(t *testing.T) {
	t.Run("disabled renders nothing", func(t *testing.T) {
		_, objs := systemObjects(t, "active_listening_enabled: false\n")
		for _, o := range objs {
			if o.GetNamespace() == "active-listening" || (o.GetKind() == "Namespace" && o.GetName() == "active-listening") {
				t.Errorf("%s %s rendered while disabled", o.GetKind(), o.GetName())
			}
		}
	})
	t.Run("enabled", func(t *testing.T) {
		_, objs := systemObjects(t, activeListeningYAML)
		if find(objs, "Namespace", "", "active-listening") == nil {
			t.Error("no active-listening Namespace")
		}
		want := map[string]string{
			"ACTIVE_LISTENING_ENCRYPTION_KEY": "al-key-0123456789",
			"CONVERSATIONS_DAYS_TO_FIND":      "3",
			"CONVERSATIONS_PLATFORM":          "azure",
			"CONVERSATIONS_BUCKET":            "aura-conversations",
			"CONVERSATIONS_ACCESS_KEY":        "convaccount",
			"CONVERSATIONS_SECRET_KEY":        "conv-secret-key-42",
		}
		got := secretData(t, objs, "active-listening", "active-listening")
		for k, v := range want {
			if got[k] != v {
				t.Errorf("secret key %s = %q, want %q", k, got[k], v)
			}
		}
		cj := typed[batchv1.CronJob](t, find(objs, "CronJob", "active-listening", "active-listening"))
		c := cj.Spec.JobTemplate.Spec.Template.Spec.Containers
		if len(c) != 1 || len(c[0].EnvFrom) != 1 || c[0].EnvFrom[0].SecretRef == nil || c[0].EnvFrom[0].SecretRef.Name != "active-listening" {
			t.Errorf("the CronJob does not read the active-listening Secret: %+v", c)
		}
	})
}

// TestSystemSecretsOnlyInSecrets: every secret value of the configuration
// and every webhook URL stays inside Secret objects, and every namespaced
// object names its namespace (nothing lands in the kubeconfig's default).
func TestSystemSecretsOnlyInSecrets(t *testing.T) {
	e, objs := systemObjects(t, webhooksYAML+activeListeningYAML)
	secrets := e.Cfg.SecretValues()
	for _, w := range e.Cfg.NotificationsWebhooks {
		secrets = append(secrets, w.URL)
	}
	for _, must := range []string{"al-key-0123456789", "conv-secret-key-42", "ROOT_PASSWD", "change-me-dashboards"} {
		if !slices.Contains(secrets, must) {
			t.Fatalf("SecretValues misses %q: the check below would prove nothing", must)
		}
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetKind()]++
		if o.GetKind() != "Namespace" && o.GetNamespace() == "" {
			t.Errorf("%s %s has no metadata.namespace", o.GetKind(), o.GetName())
		}
		checkNoSecret(t, o, secrets)
	}
	if kinds["CronJob"] != 5 || kinds["Secret"] < 7 {
		t.Errorf("rendered %v, want 5 CronJobs and at least 7 Secrets", kinds)
	}
}

// Every chart condition of the release manifest names a boolean key of the
// configuration, and the example enables exactly the charts it should.
func TestSystemChartConditions(t *testing.T) {
	e := testEnv(t, "")
	ctx := e.templateContext()
	enabled := map[string]bool{}
	for _, ch := range e.Release.Charts {
		on, err := chartEnabled(ch, ctx)
		if err != nil {
			t.Fatal(err)
		}
		enabled[ch.Name] = on
	}
	want := map[string]bool{"eck-operator": true, "prometheus": true, "grafana": true, "fluent-bit": true, "fluent-bit-aggregator": false,
		"nginx-ingress": true, "mongodb-atlas-operator": true, "redis": true, "prometheus-es-exporter": false,
		"cert-manager": true} // no tls.certificate in the example
	if !reflect.DeepEqual(enabled, want) {
		t.Errorf("enabled charts %v, want %v", enabled, want)
	}
	bad := e.Release.Charts[0]
	bad.Condition = "no_such_flag"
	if _, err := chartEnabled(bad, ctx); err == nil || !strings.Contains(err.Error(), "no_such_flag") {
		t.Errorf("unknown condition: %v", err)
	}
}
