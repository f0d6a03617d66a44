package phase

import (
	"context"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/auracognitive/aurak8s/deploy/charts"
	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/render"
)

// Fake values of the secrets deploy_system adds to the template context:
// distinctive enough that finding one in rendered values is never chance.
var chartsFakeSecrets = map[string]string{
	"common_storage_account_key": "ZmFrZS1zdG9yYWdlLWtleQ-Kq93",
	"atlas_admin_password":       "atlas-admin-Pw-7731",
	"redis_password":             "redis-Pw-Xq82n",
	"grafana_secret_key":         "grafana-Sk-5510",
}

// chartsTestContext is the deploy_system template context with fake values
// for what the phase learns from the provider and the cluster.
func chartsTestContext(e *Env) map[string]any {
	f := chartsFakeSecrets
	return fakeSystemContext(e, f["common_storage_account_key"], []string{"127.0.0.1"},
		f["atlas_admin_password"], f["redis_password"], f["grafana_secret_key"])
}

// allSecrets is every value that must never reach Helm values.
func hvSecrets(e *Env) []string {
	out := slices.Clone(e.Cfg.SecretValues())
	for _, v := range chartsFakeSecrets {
		out = append(out, v)
	}
	return out
}

// hvRenderer renders the embedded values templates under "helm/", the path
// deploy_system is to give them next to the k8s templates.
func hvRenderer(e *Env) *render.Renderer {
	return render.New(hvTemplates, e.Cfg.SecretValues()...)
}

var hvTemplates = k8s.FS()

// hvValues renders deploy/templates/k8s/helm/<release>.yaml and decodes it
// the way Helm reads a values file (one YAML mapping). It also fails the test
// when a secret value appears anywhere in the rendered text.
func hvValues(t *testing.T, e *Env, ctx map[string]any, release string) map[string]any {
	t.Helper()
	out, err := hvRenderer(e).RenderFile("helm/"+release+".yaml", ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range hvSecrets(e) {
		if strings.Contains(string(out), s) {
			t.Errorf("helm/%s.yaml: a secret value (%d chars) is in the rendered values", release, len(s))
		}
	}
	vals, err := chartutil.ReadValues(out)
	if err != nil {
		t.Fatalf("helm/%s.yaml: not one YAML mapping: %v\n%s", release, err, out)
	}
	return vals
}

// at walks nested maps (keys may contain dots, so no dotted paths).
func hvAt(t *testing.T, v any, path ...string) any {
	t.Helper()
	for i, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is %T, not a mapping", strings.Join(path[:i], "."), v)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("%s is not set", strings.Join(path[:i+1], "."))
		}
	}
	return v
}

func hvEq(t *testing.T, got, want any, what string) {
	t.Helper()
	if gj, _ := yaml.Marshal(got); string(gj) != hvYAML(t, want) {
		t.Errorf("%s = %s, want %s", what, gj, hvYAML(t, want))
	}
}

func hvYAML(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// secretRefs collects env entries taken from Secrets: "ENV" -> "secret/key".
func hvSecretRefs(t *testing.T, env any) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := env.([]any)
	for _, item := range list {
		m := item.(map[string]any)
		from, _ := m["valueFrom"].(map[string]any)
		if ref, ok := from["secretKeyRef"].(map[string]any); ok {
			out[m["name"].(string)] = ref["name"].(string) + "/" + ref["key"].(string)
			if _, literal := m["value"]; literal {
				t.Errorf("env %s has both a value and a secretKeyRef", m["name"])
			}
		}
	}
	return out
}

const hvForwardingYAML = `
external_forwarding:
  secret_shared_key: "fwd-Shared-Key-991"
  tls_config:
    tls_enabled: true
  remote_servers:
    - hostname: logs1.example.com
      port: 24224
    - hostname: logs2.example.com
      port: 24225
`

const hvNginxPlusYAML = `
nginx_plus_enabled: true
nginx_plus_dos_enabled: true
prometheus_es_exporter_enabled: true
nginx:
  ssl_protocols: "TLSv1.3"
  ssl_ciphers: "EECDH+AESGCM"
  ssl_prefer_server_ciphers: "False"
`

func TestHelmValuesEveryReleaseRenders(t *testing.T) {
	for _, variant := range []struct{ name, extra string }{
		{"example", ""},
		{"nginx plus", hvNginxPlusYAML},
		{"forwarding", hvForwardingYAML},
		{"azure-like", "prometheus:\n  storage_size_gb: 250\n"},
	} {
		t.Run(variant.name, func(t *testing.T) {
			e := testEnv(t, variant.extra)
			ctx := chartsTestContext(e)
			if len(e.Release.Charts) < 9 {
				t.Fatalf("release manifest has %d charts, want the 9 of deploy_system", len(e.Release.Charts))
			}
			names := map[string]bool{}
			for _, c := range e.Release.Charts {
				names[c.Name] = true
				if vals := hvValues(t, e, ctx, c.Name); len(vals) == 0 {
					t.Errorf("helm/%s.yaml renders no values", c.Name)
				}
			}
			files, err := fs.Glob(hvTemplates, "helm/*")
			if err != nil {
				t.Fatal(err)
			}
			for _, file := range files {
				if render.IsTemplate(file) && !names[strings.TrimSuffix(strings.TrimPrefix(file, "helm/"), ".yaml")] {
					t.Errorf("%s matches no release of the manifest", file)
				}
			}
		})
	}
}

func TestHelmValuesPrometheus(t *testing.T) {
	e := testEnv(t, "prometheus:\n  storage_size_gb: 250\n")
	v := hvValues(t, e, chartsTestContext(e), "prometheus")
	hvEq(t, hvAt(t, v, "server", "persistentVolume", "size"), "250Gi", "server.persistentVolume.size")
	hvEq(t, hvAt(t, v, "server", "retention"), "15d", "server.retention")
	hvEq(t, hvAt(t, v, "alertmanager", "enabled"), true, "alertmanager.enabled")
	hvEq(t, hvAt(t, v, "alertmanager", "config", "enabled"), false, "alertmanager.config.enabled")
	hvEq(t, hvAt(t, v, "alertmanager", "extraSecretMounts"), []any{map[string]any{
		"name": "aura-config", "secretName": "alertmanager-aura", "mountPath": "/etc/alertmanager/alertmanager.yml",
		"subPath": "alertmanager.yaml", "readOnly": true,
	}}, "alertmanager.extraSecretMounts")
	sum := hvAt(t, v, "alertmanager", "podAnnotations", "checksum/alertmanager-aura")
	e2 := testEnv(t, "notifications_email: other@example.com\n")
	if sum2 := hvAt(t, hvValues(t, e2, chartsTestContext(e2), "prometheus"), "alertmanager", "podAnnotations", "checksum/alertmanager-aura"); sum2 == sum {
		t.Error("changing notifications_email does not change the alertmanager pod checksum, so the new config is never loaded")
	}
	hvEq(t, hvAt(t, v, "server", "extraConfigmapMounts"), []any{map[string]any{
		"name": "aura-rules", "mountPath": "/etc/config/aura", "configMap": "prometheus-aura-rules", "readOnly": true,
	}}, "server.extraConfigmapMounts")
	rules := hvAt(t, v, "serverFiles", "prometheus.yml", "rule_files").([]any)
	if !slices.Contains(rules, any("/etc/config/aura/aura-rules.yml")) {
		t.Errorf("rule_files %v lacks the mounted aura-rules.yml", rules)
	}
	hvEq(t, hvAt(t, v, "prometheus-node-exporter", "enabled"), false, "prometheus-node-exporter.enabled")
	hvEq(t, hvAt(t, v, "prometheus-pushgateway", "enabled"), false, "prometheus-pushgateway.enabled")
}

func TestHelmValuesGrafana(t *testing.T) {
	e := testEnv(t, "")
	ctx := chartsTestContext(e)
	v := hvValues(t, e, ctx, "grafana")
	hvEq(t, hvAt(t, v, "admin"), map[string]any{
		"existingSecret": "grafana-admin", "userKey": "admin-user", "passwordKey": "admin-password",
	}, "admin")
	for kind, label := range map[string]string{"dashboards": "grafana_dashboard", "datasources": "grafana_datasource"} {
		hvEq(t, hvAt(t, v, "sidecar", kind), map[string]any{
			"enabled": true, "label": label, "labelValue": "1", "searchNamespace": "aura-system",
		}, "sidecar."+kind)
	}
	hvEq(t, hvAt(t, v, "persistence", "enabled"), true, "persistence.enabled")
	host := ctx["management_hosts"].(map[string]any)["dashboard"].(string)
	hvEq(t, hvAt(t, v, "grafana.ini", "server", "root_url"), "https://"+host, "grafana.ini server.root_url")
}

func TestHelmValuesFluentBit(t *testing.T) {
	t.Run("without forwarding", func(t *testing.T) {
		e := testEnv(t, "")
		v := hvValues(t, e, chartsTestContext(e), "fluent-bit")
		hvEq(t, hvAt(t, v, "kind"), "DaemonSet", "kind")
		hvEq(t, hvSecretRefs(t, hvAt(t, v, "env")), map[string]string{"ELASTIC_PASSWORD": "elastic-admin/password"}, "secret env")
		out := hvAt(t, v, "config", "outputs").(string)
		for _, want := range []string{"Name es", "Host aura-es-http.aura-system.svc", "Port 9200", "tls On",
			"tls.verify Off", "HTTP_User elastic", "HTTP_Passwd ${ELASTIC_PASSWORD}", "Logstash_Prefix aurak8s\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("outputs lack %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "forward") {
			t.Errorf("a forward output without external_forwarding:\n%s", out)
		}
		if in := hvAt(t, v, "config", "inputs").(string); !strings.Contains(in, "Path /var/log/containers/*.log") {
			t.Errorf("inputs do not tail container logs:\n%s", in)
		}
	})
	for _, tls := range []bool{true, false} {
		t.Run("forwarding tls "+map[bool]string{true: "on", false: "off"}[tls], func(t *testing.T) {
			extra := hvForwardingYAML
			if !tls {
				extra = strings.Replace(extra, "tls_enabled: true", "tls_enabled: false", 1)
			}
			e := testEnv(t, extra)
			v := hvValues(t, e, chartsTestContext(e), "fluent-bit")
			hvEq(t, hvSecretRefs(t, hvAt(t, v, "env")), map[string]string{
				"ELASTIC_PASSWORD":   "elastic-admin/password",
				"FORWARD_SHARED_KEY": "fluent-bit-forward/shared-key",
			}, "secret env")
			out := hvAt(t, v, "config", "outputs").(string)
			blocks := strings.Split(out, "[OUTPUT]")
			var forwards []string
			for _, b := range blocks {
				if strings.Contains(b, "Name forward") {
					forwards = append(forwards, b)
				}
			}
			if len(forwards) != 2 {
				t.Fatalf("%d forward outputs, want one per remote server:\n%s", len(forwards), out)
			}
			want := map[bool]string{true: "tls On", false: "tls Off"}[tls]
			for i, hp := range [][2]string{{"logs1.example.com", "24224"}, {"logs2.example.com", "24225"}} {
				for _, line := range []string{"Host " + hp[0], "Port " + hp[1], "Shared_Key ${FORWARD_SHARED_KEY}", want} {
					if !strings.Contains(forwards[i], line+"\n") {
						t.Errorf("forward output %d lacks %q:\n%s", i, line, forwards[i])
					}
				}
			}
		})
	}
}

func TestHelmValuesFluentBitAggregator(t *testing.T) {
	e := testEnv(t, hvNginxPlusYAML)
	v := hvValues(t, e, chartsTestContext(e), "fluent-bit-aggregator")
	hvEq(t, hvAt(t, v, "kind"), "Deployment", "kind")
	hvEq(t, hvAt(t, v, "extraPorts"), []any{map[string]any{
		"name": "syslog", "port": 5140, "containerPort": 5140, "protocol": "TCP",
	}}, "extraPorts")
	in := hvAt(t, v, "config", "inputs").(string)
	for _, want := range []string{"Name syslog", "Mode tcp", "Port 5140"} {
		if !strings.Contains(in, want) {
			t.Errorf("inputs lack %q:\n%s", want, in)
		}
	}
	if out := hvAt(t, v, "config", "outputs").(string); !strings.Contains(out, "Logstash_Prefix aurak8s-waf\n") {
		t.Errorf("outputs do not write aurak8s-waf-*:\n%s", out)
	}
	// An App Protect security log line in the LogConf's "default" format:
	// every parser the filters use must lift its field out of it.
	line := `attack_type="Non-browser Client",blocking_exception_reason="N/A",ip_client="10.0.0.7",` +
		`policy_name="dataguard_alarm",request_status="blocked",severity="Critical",support_id="123"`
	want := map[string]string{"policy_name": "dataguard_alarm", "request_status": "blocked",
		"attack_type": "Non-browser Client", "severity": "Critical", "ip_client": "10.0.0.7"}
	parsers := hvAt(t, v, "config", "customParsers").(string)
	filters := hvAt(t, v, "config", "filters").(string)
	got := map[string]string{}
	for _, block := range strings.Split(parsers, "[PARSER]")[1:] {
		name := regexp.MustCompile(`Name (\S+)`).FindStringSubmatch(block)[1]
		if !strings.Contains(filters, "Parser "+name+"\n") {
			t.Errorf("parser %s is not used by a filter:\n%s", name, filters)
		}
		re := regexp.MustCompile(regexp.MustCompile(`Regex (.+)`).FindStringSubmatch(block)[1])
		m := re.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("parser %s does not match an App Protect log line", name)
			continue
		}
		for i, field := range re.SubexpNames() {
			if field != "" {
				got[field] = m[i]
			}
		}
	}
	hvEq(t, got, want, "fields parsed from a WAF log line")
	hvEq(t, hvSecretRefs(t, hvAt(t, v, "env")), map[string]string{"ELASTIC_PASSWORD": "elastic-admin/password"}, "secret env")
}

func TestHelmValuesNginxIngress(t *testing.T) {
	for _, tc := range []struct {
		name, extra           string
		lb                    bool
		plus, dos             bool
		repo, protocols, pref string
	}{
		{"example local", "", false, false, false, "nginx/nginx-ingress", "TLSv1.2 TLSv1.3", "True"},
		{"plus with dos on a cloud", hvNginxPlusYAML, true, true, true,
			"auraregistry.azurecr.io/nginx-plus/nginx-plus-ingress", "TLSv1.3", "False"},
		{"plus without dos", "nginx_plus_enabled: true\n", false, true, false,
			"auraregistry.azurecr.io/nginx-plus/nginx-plus-ingress", "TLSv1.2 TLSv1.3", "True"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv(t, tc.extra)
			ctx := chartsTestContext(e)
			ctx["load_balancer"] = tc.lb
			v := hvValues(t, e, ctx, "nginx-ingress")
			c := hvAt(t, v, "controller")
			hvEq(t, hvAt(t, c, "nginxplus"), tc.plus, "controller.nginxplus")
			hvEq(t, hvAt(t, c, "image", "repository"), tc.repo, "controller.image.repository")
			hvEq(t, hvAt(t, c, "appprotect", "enable"), tc.plus, "controller.appprotect.enable")
			hvEq(t, hvAt(t, c, "appprotectdos", "enable"), tc.dos, "controller.appprotectdos.enable")
			hvEq(t, hvAt(t, c, "enableCustomResources"), true, "controller.enableCustomResources")
			hvEq(t, hvAt(t, c, "service", "type"), map[bool]string{true: "LoadBalancer", false: "NodePort"}[tc.lb], "controller.service.type")
			entries := hvAt(t, c, "config", "entries")
			hvEq(t, hvAt(t, entries, "ssl-protocols"), tc.protocols, "ssl-protocols")
			hvEq(t, hvAt(t, entries, "ssl-ciphers"), e.Cfg.Nginx.SSLCiphers, "ssl-ciphers")
			hvEq(t, hvAt(t, entries, "ssl-prefer-server-ciphers"), tc.pref, "ssl-prefer-server-ciphers")
			hvEq(t, hvAt(t, v, "prometheus", "create"), true, "prometheus.create")
		})
	}
}

func TestHelmValuesOperatorsRedisExporter(t *testing.T) {
	e := testEnv(t, hvNginxPlusYAML)
	ctx := chartsTestContext(e)

	eck := hvValues(t, e, ctx, "eck-operator")
	hvEq(t, hvAt(t, eck, "installCRDs"), true, "eck installCRDs")
	hvEq(t, hvAt(t, eck, "managedNamespaces"), []any{"aura-system"}, "eck managedNamespaces")

	atlas := hvValues(t, e, ctx, "mongodb-atlas-operator")
	hvEq(t, hvAt(t, atlas, "watchNamespaces"), []any{"aura-system"}, "atlas watchNamespaces")
	for _, k := range []string{"publicApiKey", "privateApiKey", "orgId"} {
		hvEq(t, hvAt(t, atlas, "globalConnectionSecret", k), "", "atlas globalConnectionSecret."+k)
	}

	redis := hvValues(t, e, ctx, "redis")
	hvEq(t, hvAt(t, redis, "architecture"), "standalone", "redis architecture")
	hvEq(t, hvAt(t, redis, "auth"), map[string]any{
		"enabled": true, "existingSecret": "redis", "existingSecretPasswordKey": "redis-password",
	}, "redis auth")
	hvEq(t, hvAt(t, redis, "master", "persistence", "enabled"), true, "redis master.persistence.enabled")

	x := hvValues(t, e, ctx, "prometheus-es-exporter")
	hvEq(t, hvAt(t, x, "elasticsearch", "cluster"), "https://aura-es-http.aura-system.svc:9200", "exporter elasticsearch.cluster")
	hvEq(t, hvSecretRefs(t, hvAt(t, x, "env")), map[string]string{"ES_EXPORTER_BASIC_PASSWORD": "elastic-admin/password"}, "exporter secret env")
	q := hvAt(t, x, "queries").(string)
	for _, want := range []string{"[query_waf_policy_hits]", "QueryIndices = aurak8s-waf-*", `"terms":{"field":"policy_name"`, `"aggs":{"policy_name":`} {
		if !strings.Contains(q, want) {
			t.Errorf("exporter queries lack %q:\n%s", want, q)
		}
	}
}

func TestHelmValuesSystemSecrets(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		forward     bool
	}{
		{"example", "", false},
		{"forwarding", hvForwardingYAML, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv(t, tc.extra)
			e.Templates = k8s.FS()
			objs, err := e.renderer().Objects("system/redis.yaml", chartsTestContext(e))
			if err != nil {
				t.Fatal(err)
			}
			ns := e.Cfg.Derived.SystemNamespace
			if got := secretData(t, objs, ns, "redis")["redis-password"]; got != chartsFakeSecrets["redis_password"] {
				t.Errorf("redis-password %q, want the context's redis_password", got)
			}
			fwd := find(objs, "Secret", ns, "fluent-bit-forward")
			if (fwd != nil) != tc.forward {
				t.Fatalf("Secret fluent-bit-forward rendered: %v, want %v", fwd != nil, tc.forward)
			}
			if tc.forward {
				if got := secretData(t, objs, ns, "fluent-bit-forward")["shared-key"]; got != "fwd-Shared-Key-991" {
					t.Errorf("shared-key %q, want external_forwarding.secret_shared_key", got)
				}
			}
		})
	}
}

// TestHelmValuesStandInCharts renders every chart of the release manifest
// built into aura (deploy/charts/local, through helm.Source, as deploy_system
// loads them on the local provider) with its rendered values, client-side like `helm template`, and
// checks the objects a real install would create.
func TestHelmValuesStandInCharts(t *testing.T) {
	e := testEnv(t, hvNginxPlusYAML+hvForwardingYAML)
	ctx := chartsTestContext(e)
	src := &helm.Source{FS: charts.Local()}
	want := map[string][]string{ // release -> "Kind/name" that must be rendered
		"eck-operator": {"CustomResourceDefinition/elasticsearches.elasticsearch.k8s.elastic.co",
			"CustomResourceDefinition/kibanas.kibana.k8s.elastic.co", "StatefulSet/elastic-operator",
			"ServiceAccount/elastic-operator", "ClusterRole/elastic-operator", "ConfigMap/elastic-operator"},
		"prometheus": {"Deployment/prometheus-server", "Service/prometheus-server", "ConfigMap/prometheus-server",
			"StatefulSet/prometheus-alertmanager", "Service/prometheus-alertmanager", "ClusterRole/prometheus-server",
			"Deployment/prometheus-kube-state-metrics"},
		"grafana":               {"Deployment/grafana", "Service/grafana", "ConfigMap/grafana", "Role/grafana"},
		"fluent-bit":            {"DaemonSet/fluent-bit", "ConfigMap/fluent-bit", "ClusterRole/fluent-bit", "Service/fluent-bit"},
		"fluent-bit-aggregator": {"Deployment/fluent-bit-aggregator", "Service/fluent-bit-aggregator"},
		"nginx-ingress": {"Deployment/nginx-ingress-controller", "Service/nginx-ingress-controller",
			"ConfigMap/nginx-ingress", "IngressClass/nginx", "ClusterRole/nginx-ingress"},
		"mongodb-atlas-operator": {"Deployment/mongodb-atlas-operator", "ServiceAccount/mongodb-atlas-operator",
			"CustomResourceDefinition/atlasdeployments.atlas.mongodb.com", "CustomResourceDefinition/atlasdatabaseusers.atlas.mongodb.com",
			"CustomResourceDefinition/atlasprojects.atlas.mongodb.com", "CustomResourceDefinition/atlasteams.atlas.mongodb.com",
			"CustomResourceDefinition/atlasbackuppolicies.atlas.mongodb.com", "CustomResourceDefinition/atlasbackupschedules.atlas.mongodb.com"},
		"redis":                  {"StatefulSet/redis-master", "Service/redis-master", "Service/redis-headless", "ConfigMap/redis-configuration"},
		"prometheus-es-exporter": {"Deployment/prometheus-es-exporter", "Service/prometheus-es-exporter", "ConfigMap/prometheus-es-exporter"},
		"cert-manager": {"Deployment/cert-manager", "Deployment/cert-manager-webhook", "Deployment/cert-manager-cainjector",
			"Service/cert-manager-webhook", "CustomResourceDefinition/certificates.cert-manager.io",
			"CustomResourceDefinition/clusterissuers.cert-manager.io", "CustomResourceDefinition/challenges.acme.cert-manager.io"},
	}
	for _, c := range e.Release.Charts {
		t.Run(c.Name, func(t *testing.T) {
			vals := hvValues(t, e, ctx, c.Name)
			ch, err := src.Load(context.Background(), helm.ChartRef{Repo: c.Repo, Chart: c.Chart, Version: c.Version})
			if err != nil {
				t.Fatal(err)
			}
			inst := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
			inst.DryRun, inst.ClientOnly, inst.IncludeCRDs = true, true, true
			inst.ReleaseName, inst.Namespace = c.Name, c.Namespace
			rel, err := inst.RunWithContext(context.Background(), ch, vals)
			if err != nil {
				t.Fatalf("chart %s with helm/%s.yaml: %v", c.Chart, c.Name, err)
			}
			objs, err := render.SplitYAML(c.Name, []byte(rel.Manifest))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*unstructured.Unstructured{}
			for _, o := range objs {
				got[o.GetKind()+"/"+o.GetName()] = o
				hvStrict(t, o)
				if o.GetKind() == "Secret" {
					t.Errorf("chart %s renders Secret %s: secrets come from deploy_system's templates", c.Chart, o.GetName())
				}
				if ns := o.GetNamespace(); ns != "" && ns != c.Namespace {
					t.Errorf("%s/%s in namespace %s, want %s", o.GetKind(), o.GetName(), ns, c.Namespace)
				}
			}
			for _, k := range want[c.Name] {
				if got[k] == nil {
					t.Errorf("chart %s does not render %s; it renders %v", c.Chart, k, hvKeys(got))
				}
			}
			for _, s := range hvSecrets(e) {
				if strings.Contains(rel.Manifest, s) {
					t.Errorf("a secret value (%d chars) is in the %s manifest", len(s), c.Name)
				}
			}
			hvCheckStandIn(t, c.Name, got)
		})
	}
}

// checkStandIn asserts what the values mean once the chart renders them:
// disk sizes become the storage-request annotation (no PVCs on kwok), the
// service type follows load_balancer, the NGINX Plus switches reach the args.
func hvCheckStandIn(t *testing.T, release string, got map[string]*unstructured.Unstructured) {
	t.Helper()
	str := func(o *unstructured.Unstructured, path ...string) string {
		s, _, _ := unstructured.NestedString(o.Object, path...)
		return s
	}
	annotation := func(key string) string { return got[key].GetAnnotations()["aura.local/storage-request"] }
	for _, o := range got {
		if o.GetKind() == "PersistentVolumeClaim" {
			t.Errorf("%s renders a PVC; the local cluster has no provisioner", release)
		}
		if o.GetKind() == "Service" && str(o, "spec", "type") == "LoadBalancer" {
			t.Errorf("%s: Service %s is a LoadBalancer on the local provider", release, o.GetName())
		}
	}
	switch release {
	case "prometheus":
		if a := annotation("Deployment/prometheus-server"); a != "100Gi" {
			t.Errorf("prometheus-server storage request %q, want prometheus.storage_size_gb 100Gi", a)
		}
		sts := got["StatefulSet/prometheus-alertmanager"]
		vols, _, _ := unstructured.NestedSlice(sts.Object, "spec", "template", "spec", "volumes")
		if !strings.Contains(hvYAML(t, vols), "secretName: alertmanager-aura") {
			t.Errorf("alertmanager does not read its config from Secret alertmanager-aura: %v", vols)
		}
		mounts := hvYAML(t, sts.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"])
		if !strings.Contains(mounts, "mountPath: /etc/alertmanager/alertmanager.yml") || !strings.Contains(mounts, "--config.file=/etc/alertmanager/alertmanager.yml") {
			t.Errorf("alertmanager's --config.file is not the Secret's file:\n%s", mounts)
		}
		if got["ConfigMap/prometheus-alertmanager"] != nil {
			t.Error("alertmanager still renders its default configuration ConfigMap")
		}
		if cm := str(got["ConfigMap/prometheus-server"], "data", "prometheus.yml"); !strings.Contains(cm, "/etc/config/aura/aura-rules.yml") ||
			!strings.Contains(cm, "prometheus-alertmanager:9093") {
			t.Errorf("prometheus.yml lacks the aura rules or the alertmanager:\n%s", cm)
		}
	case "redis":
		if a := annotation("StatefulSet/redis-master"); a != "8Gi" {
			t.Errorf("redis-master storage request %q, want 8Gi", a)
		}
		if got["StatefulSet/redis-replicas"] != nil {
			t.Error("standalone redis renders replicas")
		}
	case "nginx-ingress":
		if ty := str(got["Service/nginx-ingress-controller"], "spec", "type"); ty != "NodePort" {
			t.Errorf("controller Service type %q, want NodePort on the local provider", ty)
		}
		args := hvYAML(t, got["Deployment/nginx-ingress-controller"].Object["spec"])
		for _, a := range []string{"-nginx-plus=true", "-enable-app-protect=true", "-enable-app-protect-dos=true", "-enable-custom-resources=true"} {
			if !strings.Contains(args, a) {
				t.Errorf("controller args lack %s", a)
			}
		}
		if s := str(got["ConfigMap/nginx-ingress"], "data", "ssl-protocols"); s != "TLSv1.3" {
			t.Errorf("ConfigMap ssl-protocols %q, want TLSv1.3", s)
		}
	case "fluent-bit":
		conf := str(got["ConfigMap/fluent-bit"], "data", "fluent-bit.conf")
		if strings.Count(conf, "Name forward") != 2 || !strings.Contains(conf, "Name es") {
			t.Errorf("fluent-bit.conf lacks the es and forward outputs:\n%s", conf)
		}
	case "fluent-bit-aggregator":
		ports := hvYAML(t, got["Service/fluent-bit-aggregator"].Object["spec"])
		if !strings.Contains(ports, "port: 5140") {
			t.Errorf("fluent-bit-aggregator Service lacks port 5140:\n%s", ports)
		}
	case "cert-manager":
		// delete_system leaves nothing: uninstalling takes the CRDs along.
		for k, o := range got {
			if o.GetKind() == "CustomResourceDefinition" && o.GetAnnotations()["helm.sh/resource-policy"] == "keep" {
				t.Errorf("%s is kept after uninstall (crds.keep)", k)
			}
		}
	case "grafana":
		if a := annotation("Deployment/grafana"); a == "" {
			t.Error("grafana persistence is not recorded")
		}
		ini := str(got["ConfigMap/grafana"], "data", "grafana.ini")
		if !strings.Contains(ini, "root_url = https://dashboard-") {
			t.Errorf("grafana.ini lacks root_url:\n%s", ini)
		}
	}
}

// hvStrict converts a rendered object to its Go type, failing on unknown or
// misplaced fields the way the API server's strict field validation would.
func hvStrict(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	var typed runtime.Object
	if o.GetKind() == "CustomResourceDefinition" {
		typed = &apiextv1.CustomResourceDefinition{}
	} else {
		var err error
		if typed, err = clientscheme.Scheme.New(o.GroupVersionKind()); err != nil {
			t.Errorf("%s %s: %v", o.GetKind(), o.GetName(), err)
			return
		}
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, typed, true); err != nil {
		t.Errorf("%s %s: %v", o.GetKind(), o.GetName(), err)
	}
}

func hvKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
