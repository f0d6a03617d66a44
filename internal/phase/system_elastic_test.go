package phase

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the template names Secrets after a sha1 of the user name
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/testtool"
)

// elasticFakeSecrets are the secret values deploy_system adds to the context;
// none of them may show up outside a Secret.
var elasticFakeSecrets = []string{"storage-key-elastic-test", "atlas-admin-elastic-test", "redis-elastic-test", "grafana-key-elastic-test"}

// elasticTestContext is the template context deploy_system builds (see the
// system contract), with fake values for what the phase adds.
func elasticTestContext(e *Env) map[string]any {
	f := elasticFakeSecrets
	return fakeSystemContext(e, f[0], []string{"127.0.0.1"}, f[1], f[2], f[3])
}

// elasticRender renders the two elastic templates: pre (before the charts)
// and stack (after them). tweak may change the context first.
func elasticRender(t *testing.T, extra string, tweak func(map[string]any)) (e *Env, pre, stack []*unstructured.Unstructured) {
	t.Helper()
	e = testEnv(t, extra)
	e.Templates = k8s.FS()
	ctx := elasticTestContext(e)
	if tweak != nil {
		tweak(ctx)
	}
	r := e.renderer()
	pre, err := r.Objects("system/elastic-secrets.yaml", ctx)
	if err != nil {
		t.Fatal(err)
	}
	stack, err = r.Objects("system/stack/elastic.yaml", ctx)
	if err != nil {
		t.Fatal(err)
	}
	elasticNoSecretLeak(t, e, append(slices.Clone(pre), stack...))
	return e, pre, stack
}

// elasticNoSecretLeak fails when a secret value appears in a non-Secret object.
func elasticNoSecretLeak(t *testing.T, e *Env, objs []*unstructured.Unstructured) {
	t.Helper()
	secrets := append(e.Cfg.SecretValues(), elasticFakeSecrets...)
	for _, o := range objs {
		if o.GetKind() == "Secret" {
			continue
		}
		js, err := json.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(js), s) {
				t.Errorf("%s %s contains the secret value of length %d", o.GetKind(), o.GetName(), len(s))
			}
		}
	}
}

func esUserSecretName(readable, user string) string {
	sum := sha1.Sum([]byte(user)) //nolint:gosec
	return "es-user-" + readable + "-" + hex.EncodeToString(sum[:])[:8]
}

func TestElasticLogsUsers(t *testing.T) {
	type user struct{ secret, name, password, roles string }
	for _, tc := range []struct {
		name, extra string
		want        []user
	}{
		{"example roles list", "", []user{{esUserSecretName("admin", "admin"), "admin", "change-me-logs", "kibana_admin,aura"}}},
		{"legacy role string", `
backoffice_users:
  logs:
    - name: admin
      password: "pw-legacy-1"
      role: '"kibana_admin","aura"'
`, []user{{esUserSecretName("admin", "admin"), "admin", "pw-legacy-1", "kibana_admin,aura"}}},
		{"several users, names that sanitise alike", `
backoffice_users:
  logs:
    - name: testuser
      password: "pw-list-2"
      roles: ["superuser", "kibana_admin", "aura"]
    - name: Ana.B
      password: "pw-dot-3"
      role: "aura"
    - name: ana_b
      password: "pw-underscore-4"
      roles: ["viewer"]
      role: '"aura"'
`, []user{
			{esUserSecretName("testuser", "testuser"), "testuser", "pw-list-2", "superuser,kibana_admin,aura"},
			{esUserSecretName("ana-b", "Ana.B"), "Ana.B", "pw-dot-3", "aura"},
			{esUserSecretName("ana-b", "ana_b"), "ana_b", "pw-underscore-4", "viewer,aura"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, pre, stack := elasticRender(t, tc.extra, nil)
			ns := e.Cfg.Derived.SystemNamespace
			var realm []string
			for _, u := range tc.want {
				s := typed[corev1.Secret](t, find(pre, "Secret", ns, u.secret))
				if s.Type != corev1.SecretTypeBasicAuth {
					t.Errorf("%s: type %q, want basic-auth (what ECK's fileRealm reads)", u.secret, s.Type)
				}
				got := user{u.secret, s.StringData["username"], s.StringData["password"], s.StringData["roles"]}
				if got != u {
					t.Errorf("user Secret %+v, want %+v", got, u)
				}
				realm = append(realm, u.secret)
			}
			es := find(stack, "Elasticsearch", ns, "aura")
			if es == nil {
				t.Fatal("no Elasticsearch aura")
			}
			fr, _, _ := unstructured.NestedSlice(es.Object, "spec", "auth", "fileRealm")
			var gotRealm []string
			for _, r := range fr {
				gotRealm = append(gotRealm, r.(map[string]any)["secretName"].(string))
			}
			if !slices.Equal(gotRealm, realm) {
				t.Errorf("fileRealm %v, want %v", gotRealm, realm)
			}
			if n := len(slices.DeleteFunc(slices.Clone(pre), func(o *unstructured.Unstructured) bool {
				return !strings.HasPrefix(o.GetName(), "es-user-")
			})); n != len(tc.want) {
				t.Errorf("%d user Secrets, want %d", n, len(tc.want))
			}
			if got := secretData(t, pre, ns, "aura-es-elastic-user")["elastic"]; got != "ROOT_PASSWD" {
				t.Errorf("aura-es-elastic-user elastic = %q, want elastic_admin_password", got)
			}
		})
	}
}

func TestElasticUserWithoutRolesFails(t *testing.T) {
	e := testEnv(t, `
backoffice_users:
  logs:
    - name: nobody
      password: "pw-noroles-5"
      role: '","'
`)
	e.Templates = k8s.FS()
	_, err := e.renderer().Objects("system/elastic-secrets.yaml", elasticTestContext(e))
	if err == nil {
		t.Fatal("a logs user whose role string holds no role rendered")
	}
	if !strings.Contains(err.Error(), "backoffice_users.logs[0]") || !strings.Contains(err.Error(), "elastic-secrets.yaml") {
		t.Errorf("error does not name the key and file: %v", err)
	}
	if strings.Contains(err.Error(), "pw-noroles-5") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestElasticAuraRole(t *testing.T) {
	e, pre, _ := elasticRender(t, "", nil)
	var roles map[string]struct {
		Cluster []string `yaml:"cluster"`
		Indices []struct {
			Names      []string `yaml:"names"`
			Privileges []string `yaml:"privileges"`
		} `yaml:"indices"`
		Applications []struct {
			Application string   `yaml:"application"`
			Privileges  []string `yaml:"privileges"`
		} `yaml:"applications"`
	}
	doc := secretData(t, pre, e.Cfg.Derived.SystemNamespace, "aura-es-roles")["roles.yml"]
	if err := yaml.Unmarshal([]byte(doc), &roles); err != nil {
		t.Fatalf("roles.yml: %v\n%s", err, doc)
	}
	aura, ok := roles["aura"]
	if !ok || len(aura.Indices) != 1 {
		t.Fatalf("no aura role with one index privilege: %+v", roles)
	}
	if !slices.Equal(aura.Indices[0].Names, []string{"aurak8s-*"}) || !slices.Contains(aura.Indices[0].Privileges, "read") {
		t.Errorf("aura role indices %+v, want read on aurak8s-*", aura.Indices)
	}
	if slices.ContainsFunc(aura.Indices[0].Privileges, func(p string) bool { return p == "write" || p == "all" || p == "delete" }) {
		t.Errorf("aura role may change indices: %v", aura.Indices[0].Privileges)
	}
	if len(aura.Applications) != 1 || aura.Applications[0].Application != "kibana-.kibana" ||
		!slices.Contains(aura.Applications[0].Privileges, "feature_discover.read") {
		t.Errorf("aura role lacks read access to Kibana Discover: %+v", aura.Applications)
	}
}

// esSetup is what the Elasticsearch setup Job sends: requests in order and
// the parsed JSON bodies by file name.
type esSetup struct {
	job      *batchv1.Job
	requests [][3]string
	bodies   map[string]map[string]any
}

func elasticSetup(t *testing.T, ns string, stack []*unstructured.Unstructured) esSetup {
	t.Helper()
	cm := typed[corev1.ConfigMap](t, find(stack, "ConfigMap", ns, "aura-es-setup"))
	s := esSetup{bodies: map[string]map[string]any{}}
	for name, data := range cm.Data {
		if name == "requests" {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(data), &body); err != nil {
			t.Fatalf("%s is not valid JSON: %v", name, err)
		}
		s.bodies[name] = body
	}
	for _, line := range strings.Split(strings.TrimSpace(cm.Data["requests"]), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("request line %q is not METHOD PATH FILE", line)
		}
		if _, ok := s.bodies[f[2]]; f[2] != "-" && !ok {
			t.Errorf("request %q sends %s, which the ConfigMap lacks", line, f[2])
		}
		s.requests = append(s.requests, [3]string(f))
	}
	for _, o := range stack {
		if o.GetKind() == "Job" && strings.HasPrefix(o.GetName(), "aura-es-setup-") {
			if s.job != nil {
				t.Fatal("two Elasticsearch setup Jobs")
			}
			s.job = typed[batchv1.Job](t, o)
		}
	}
	if s.job == nil {
		t.Fatal("no Elasticsearch setup Job")
	}
	return s
}

// body returns the body sent by METHOD PATH, or nil when not requested.
func (s esSetup) body(t *testing.T, method, path string) map[string]any {
	t.Helper()
	for _, r := range s.requests {
		if r[0] == method && r[1] == path {
			if r[2] == "-" {
				return map[string]any{}
			}
			return s.bodies[r[2]]
		}
	}
	return nil
}

func dig(t *testing.T, m map[string]any, path ...string) any {
	t.Helper()
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object at %q", strings.Join(path, "."), p)
		}
		cur = mm[p]
	}
	return cur
}

func TestElasticSetupRequests(t *testing.T) {
	jobs := map[string]string{}
	for _, tc := range []struct {
		name      string
		readonly  bool
		nginxPlus bool
	}{
		{"readonly, no nginx plus", true, false},
		{"read-write, no nginx plus", false, false},
		{"readonly, nginx plus", true, true},
		{"read-write, nginx plus", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := "log_retention_time: 4\neck_azure_snapshot_expire: \"30d\"\neck_azure_snapshot_schedule: \"0 30 2 * * ?\"\n"
			if !tc.readonly {
				extra += "eck_azure_snapshot_readonly: false\n"
			}
			if tc.nginxPlus {
				extra += "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: true\n"
			}
			e, _, stack := elasticRender(t, extra, nil)
			ns := e.Cfg.Derived.SystemNamespace
			s := elasticSetup(t, ns, stack)
			jobs[tc.name] = s.job.Name
			if _, _, again := elasticRender(t, extra, nil); elasticSetup(t, ns, again).job.Name != s.job.Name {
				t.Error("setup Job name changes between identical runs: every deploy_system would re-run it")
			}

			repo := s.body(t, "PUT", "/_snapshot/azure-backups")
			if repo == nil {
				t.Fatal("no snapshot repository request")
			}
			if dig(t, repo, "type") != "azure" || dig(t, repo, "settings", "container") != "elasticsearch-snapshots" ||
				dig(t, repo, "settings", "base_path") != e.Cfg.Derived.EnvironmentName || dig(t, repo, "settings", "readonly") != tc.readonly {
				t.Errorf("repository body %v: want azure, elasticsearch-snapshots, base_path %s, readonly %v", repo, e.Cfg.Derived.EnvironmentName, tc.readonly)
			}
			slm := s.body(t, "PUT", "/_slm/policy/nightly-snapshots")
			del := s.body(t, "DELETE", "/_slm/policy/nightly-snapshots")
			if tc.readonly {
				if slm != nil || del == nil {
					t.Errorf("read-only repository: SLM policy %v (want none) and delete request %v (want one)", slm, del)
				}
			} else {
				if slm == nil || del != nil {
					t.Fatalf("read-write repository: SLM policy %v, delete %v", slm, del)
				}
				if dig(t, slm, "schedule") != "0 30 2 * * ?" || dig(t, slm, "repository") != "azure-backups" ||
					dig(t, slm, "retention", "expire_after") != "30d" {
					t.Errorf("SLM policy %v: want schedule, repository azure-backups, expire_after 30d", slm)
				}
			}
			ilm := s.body(t, "PUT", "/_ilm/policy/aurak8s-logs")
			if ilm == nil || dig(t, ilm, "policy", "phases", "delete", "min_age") != "4d" {
				t.Errorf("ILM policy %v: want delete at 4d", ilm)
			}
			tpl := s.body(t, "PUT", "/_index_template/aurak8s")
			if tpl == nil {
				t.Fatal("no aurak8s index template")
			}
			if p := dig(t, tpl, "index_patterns").([]any); len(p) != 1 || p[0] != "aurak8s-*" {
				t.Errorf("aurak8s index_patterns %v", p)
			}
			if dig(t, tpl, "template", "settings", "index", "lifecycle", "name") != "aurak8s-logs" {
				t.Errorf("aurak8s template does not use the ILM policy: %v", tpl)
			}
			waf := s.body(t, "PUT", "/_index_template/aurak8s-waf")
			if !tc.nginxPlus {
				if waf != nil {
					t.Error("aurak8s-waf index template without NGINX Plus")
				}
				return
			}
			if waf == nil {
				t.Fatal("no aurak8s-waf index template with NGINX Plus")
			}
			if p := dig(t, waf, "index_patterns").([]any); len(p) != 1 || p[0] != "aurak8s-waf-*" {
				t.Errorf("aurak8s-waf index_patterns %v", p)
			}
			if dig(t, waf, "priority").(float64) <= dig(t, tpl, "priority").(float64) {
				t.Error("aurak8s-waf priority does not exceed aurak8s: both match aurak8s-waf-* indices")
			}
			// Only the winning template applies: it must carry retention too.
			if dig(t, waf, "template", "settings", "index", "lifecycle", "name") != "aurak8s-logs" {
				t.Error("aurak8s-waf indices would be kept forever: no ILM policy")
			}
			for field, typ := range map[string]string{"policy_name": "keyword", "support_id": "keyword", "request_status": "keyword", "@timestamp": "date"} {
				if got := dig(t, waf, "template", "mappings", "properties", field, "type"); got != typ {
					t.Errorf("%s mapped as %v, want %s", field, got, typ)
				}
			}
		})
	}
	if len(jobs) == 4 && len(slices.Compact(slices.Sorted(func(yield func(string) bool) {
		for _, j := range jobs {
			if !yield(j) {
				return
			}
		}
	}))) != 4 {
		t.Errorf("setup Job names do not follow their requests (an immutable Job would keep old bodies): %v", jobs)
	}
}

func TestElasticSetupJobCredentials(t *testing.T) {
	_, _, stack := elasticRender(t, "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: true\n", nil)
	var n int
	for _, o := range stack {
		if o.GetKind() != "Job" {
			continue
		}
		n++
		job := typed[batchv1.Job](t, o)
		c := job.Spec.Template.Spec.Containers[0]
		var pw *corev1.EnvVar
		for i := range c.Env {
			if c.Env[i].Name == "ELASTIC_PASSWORD" {
				pw = &c.Env[i]
			}
		}
		if pw == nil || pw.Value != "" || pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil ||
			pw.ValueFrom.SecretKeyRef.Name != "elastic-admin" || pw.ValueFrom.SecretKeyRef.Key != "password" {
			t.Errorf("%s: ELASTIC_PASSWORD not from Secret elastic-admin: %+v", job.Name, pw)
		}
		script := strings.Join(c.Args, "\n")
		if strings.Contains(script, "-u ") || strings.Contains(script, "--user") || !strings.Contains(script, "--config /tmp/curlrc") {
			t.Errorf("%s: curl must read the credentials from a config file, not argv:\n%s", job.Name, script)
		}
		if strings.Contains(script, "set -x") {
			t.Errorf("%s: script traces its commands", job.Name)
		}
		if job.Spec.Template.Spec.Volumes[1].Secret == nil || !strings.HasSuffix(job.Spec.Template.Spec.Volumes[1].Secret.SecretName, "-http-certs-public") {
			t.Errorf("%s: does not verify ECK's certificate", job.Name)
		}
	}
	if n != 2 {
		t.Errorf("%d setup Jobs with NGINX Plus, want 2 (Elasticsearch, Kibana)", n)
	}
}

func TestElasticCluster(t *testing.T) {
	for _, tc := range []struct {
		provider          string
		count, replicas   int64
		storage, logsHost string
	}{
		{"local", 1, 0, "30Gi", "https://logs-ap-dev.auracognitive.com"},
		{"azure", 3, 1, "30Gi", "https://logs-ap-dev.auracognitive.com"},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			e, _, stack := elasticRender(t, "elasticsearch:\n  storage_size_gb: 30\n", func(ctx map[string]any) { ctx["provider"] = tc.provider })
			ns := e.Cfg.Derived.SystemNamespace
			es := find(stack, "Elasticsearch", ns, "aura")
			if es == nil || es.GetAPIVersion() != "elasticsearch.k8s.elastic.co/v1" {
				t.Fatalf("no elasticsearch.k8s.elastic.co/v1 Elasticsearch aura: %v", es)
			}
			str := func(o *unstructured.Unstructured, path ...string) string {
				v, _, _ := unstructured.NestedFieldNoCopy(o.Object, path...)
				s, _ := v.(string)
				return s
			}
			if v := str(es, "spec", "version"); v != "8.17.4" {
				t.Errorf("version %q", v)
			}
			sets, _, _ := unstructured.NestedSlice(es.Object, "spec", "nodeSets")
			if len(sets) != 1 {
				t.Fatalf("%d nodeSets, want 1", len(sets))
			}
			set := &unstructured.Unstructured{Object: sets[0].(map[string]any)}
			if count, _, _ := unstructured.NestedInt64(set.Object, "count"); set.GetName() != "" || count != tc.count || set.Object["name"] != "default" {
				t.Errorf("nodeSet %v count %d, want default with %d", set.Object["name"], count, tc.count)
			}
			if v, _, _ := unstructured.NestedFieldNoCopy(set.Object, "config", "node.store.allow_mmap"); v != false {
				t.Errorf("node.store.allow_mmap %v, want false", v)
			}
			vct, _, _ := unstructured.NestedSlice(set.Object, "volumeClaimTemplates")
			if len(vct) != 1 {
				t.Fatalf("%d volumeClaimTemplates", len(vct))
			}
			pvc := &unstructured.Unstructured{Object: vct[0].(map[string]any)}
			if pvc.GetName() != "elasticsearch-data" || str(pvc, "spec", "resources", "requests", "storage") != tc.storage {
				t.Errorf("volume claim %s %q, want elasticsearch-data %s", pvc.GetName(), str(pvc, "spec", "resources", "requests", "storage"), tc.storage)
			}
			for _, ref := range [][2]string{{"secureSettings", "eck-azure-snapshot"}} {
				l, _, _ := unstructured.NestedSlice(es.Object, "spec", ref[0])
				if len(l) != 1 || l[0].(map[string]any)["secretName"] != ref[1] {
					t.Errorf("spec.%s %v, want %s", ref[0], l, ref[1])
				}
			}
			roles, _, _ := unstructured.NestedSlice(es.Object, "spec", "auth", "roles")
			if len(roles) != 1 || roles[0].(map[string]any)["secretName"] != "aura-es-roles" {
				t.Errorf("auth.roles %v", roles)
			}
			kb := find(stack, "Kibana", ns, "aura")
			if kb == nil || kb.GetAPIVersion() != "kibana.k8s.elastic.co/v1" {
				t.Fatal("no kibana.k8s.elastic.co/v1 Kibana aura")
			}
			if str(kb, "spec", "elasticsearchRef", "name") != "aura" || str(kb, "spec", "version") != "8.17.4" {
				t.Errorf("Kibana %v", kb.Object["spec"])
			}
			if v, _, _ := unstructured.NestedFieldNoCopy(kb.Object, "spec", "config", "server.publicBaseUrl"); v != tc.logsHost {
				t.Errorf("server.publicBaseUrl %v, want %s", v, tc.logsHost)
			}
			tpl := elasticSetup(t, ns, stack).body(t, "PUT", "/_index_template/aurak8s")
			if got := dig(t, tpl, "template", "settings", "index", "number_of_replicas"); got != float64(tc.replicas) {
				t.Errorf("index replicas %v, want %d with %d nodes", got, tc.replicas, tc.count)
			}
		})
	}
}

func TestElasticKibanaSavedObjects(t *testing.T) {
	e, _, stack := elasticRender(t, "", nil)
	ns := e.Cfg.Derived.SystemNamespace
	for _, o := range stack {
		if strings.HasPrefix(o.GetName(), "aura-kibana-setup") {
			t.Errorf("%s %s rendered without NGINX Plus", o.GetKind(), o.GetName())
		}
	}

	_, _, stack = elasticRender(t, "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: true\n", nil)
	mapped := dig(t, elasticSetup(t, ns, stack).body(t, "PUT", "/_index_template/aurak8s-waf"), "template", "mappings", "properties").(map[string]any)
	cm := typed[corev1.ConfigMap](t, find(stack, "ConfigMap", ns, "aura-kibana-setup"))
	type object struct {
		Type       string         `json:"type"`
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
		References []struct {
			Name, Type, ID string
		} `json:"references"`
	}
	byID := map[string]object{}
	var dashboards []object
	for i, line := range strings.Split(strings.TrimSpace(cm.Data["saved-objects.ndjson"]), "\n") {
		var o object
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("NDJSON line %d is not JSON: %v", i+1, err)
		}
		byID[o.Type+"/"+o.ID] = o
		if o.Type == "dashboard" {
			dashboards = append(dashboards, o)
		}
	}
	dv, ok := byID["index-pattern/aurak8s-waf"]
	if !ok || dv.Attributes["title"] != "aurak8s-waf-*" || dv.Attributes["timeFieldName"] != "@timestamp" {
		t.Errorf("data view for aurak8s-waf-*: %+v", dv)
	}
	var titles []string
	for _, d := range dashboards {
		titles = append(titles, d.Attributes["title"].(string))
		var panels []map[string]any
		if err := json.Unmarshal([]byte(d.Attributes["panelsJSON"].(string)), &panels); err != nil {
			t.Fatalf("%s panelsJSON: %v", d.ID, err)
		}
		if len(panels) < 3 || len(panels) != len(d.References) {
			t.Errorf("%s: %d panels, %d references", d.ID, len(panels), len(d.References))
		}
		for i, ref := range d.References {
			if panels[i]["panelRefName"] != ref.Name {
				t.Errorf("%s panel %d refers to %v, reference is %s", d.ID, i, panels[i]["panelRefName"], ref.Name)
			}
			v, ok := byID[ref.Type+"/"+ref.ID]
			if !ok || ref.Type != "visualization" {
				t.Errorf("%s: panel %s is not among the imported objects", d.ID, ref.ID)
				continue
			}
			if len(v.References) != 1 || v.References[0].ID != "aurak8s-waf" {
				t.Errorf("%s does not read the aurak8s-waf data view", v.ID)
			}
			var vis struct {
				Type string `json:"type"`
				Aggs []struct {
					Type   string         `json:"type"`
					Params map[string]any `json:"params"`
				} `json:"aggs"`
			}
			if err := json.Unmarshal([]byte(v.Attributes["visState"].(string)), &vis); err != nil {
				t.Fatalf("%s visState: %v", v.ID, err)
			}
			var search map[string]any
			if err := json.Unmarshal([]byte(dig(t, v.Attributes, "kibanaSavedObjectMeta", "searchSourceJSON").(string)), &search); err != nil {
				t.Fatalf("%s searchSourceJSON: %v", v.ID, err)
			}
			if search["indexRefName"] != v.References[0].Name {
				t.Errorf("%s searchSource indexRefName %v, reference %s", v.ID, search["indexRefName"], v.References[0].Name)
			}
			terms := 0
			for _, a := range vis.Aggs {
				if a.Type != "terms" {
					continue
				}
				terms++
				if f, _ := a.Params["field"].(string); mapped[f] == nil {
					t.Errorf("%s aggregates on %q, which the aurak8s-waf template does not map", v.ID, f)
				}
			}
			if terms == 0 {
				t.Errorf("%s has no terms aggregation", v.ID)
			}
		}
	}
	slices.Sort(titles)
	if want := []string{"Nginx Plus - False Positives Interpretation", "Nginx Plus - Overview"}; !slices.Equal(titles, want) {
		t.Errorf("dashboards %q, want %q", titles, want)
	}
	job := typed[batchv1.Job](t, findPrefix(stack, "Job", "aura-kibana-setup-"))
	script := strings.Join(job.Spec.Template.Spec.Containers[0].Args, "\n")
	if !strings.Contains(script, "/api/saved_objects/_import?overwrite=true") || !strings.Contains(script, "kbn-xsrf") {
		t.Errorf("Kibana Job does not import the saved objects:\n%s", script)
	}
}

func findPrefix(objs []*unstructured.Unstructured, kind, prefix string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && strings.HasPrefix(o.GetName(), prefix) {
			return o
		}
	}
	return nil
}

// setupScript is a setup Job's shell script made runnable here: the paths the
// pod mounts point into dir and the retry pause is short. Everything else
// runs as the pod would run it, with curl against a TLS server.
type setupScript struct {
	script string
	env    []string
	dir    string
}

func newSetupScript(t *testing.T, job *batchv1.Job, cm *corev1.ConfigMap, url string, ca []byte, password string) setupScript {
	t.Helper()
	for _, bin := range []string{"sh", "curl", "sed", "grep"} {
		testtool.Need(t, bin, "needed to run the setup scripts")
	}
	dir := t.TempDir()
	for _, sub := range []string{"setup", "ca", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range cm.Data {
		if err := os.WriteFile(filepath.Join(dir, "setup", name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ca", "ca.crt"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	script := strings.Join(job.Spec.Template.Spec.Containers[0].Args, "\n")
	script = strings.NewReplacer("/setup/", dir+"/setup/", "/ca/", dir+"/ca/", "/tmp/", dir+"/tmp/", "sleep 10", "sleep 0.1").Replace(script)
	env := []string{"PATH=" + os.Getenv("PATH"), "ELASTIC_PASSWORD=" + password}
	for _, v := range job.Spec.Template.Spec.Containers[0].Env {
		if v.Name == "URL" {
			env = append(env, "URL="+url)
		}
	}
	return setupScript{script: script, env: env, dir: dir}
}

func (s setupScript) run(t *testing.T) (stderr string, err error) {
	t.Helper()
	cmd := exec.Command("sh", "-c", s.script)
	cmd.Env = s.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return errb.String(), err
}

func caPEM(ts *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
}

func TestElasticSetupScriptSendsRequests(t *testing.T) {
	// Characters that curl's config syntax and the shell could mangle.
	const password = `p"a\ss w$rd'` //nolint:gosec // test value
	e, _, stack := elasticRender(t, "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: true\nelastic_admin_password: '"+strings.ReplaceAll(password, "'", "''")+"'\n", nil)
	ns := e.Cfg.Derived.SystemNamespace
	setup := elasticSetup(t, ns, stack)
	cm := typed[corev1.ConfigMap](t, find(stack, "ConfigMap", ns, "aura-es-setup"))

	for _, tc := range []struct {
		name     string
		failPath string // answered 400
		wantErr  bool
	}{
		{"all requests succeed", "", false},
		{"a rejected request fails the Job", "/_ilm/policy/aurak8s-logs", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got [][3]string
			healthCalls := 0
			ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				user, pass, ok := r.BasicAuth()
				if !ok || user != "elastic" || pass != password {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if r.URL.Path == "/_cluster/health" {
					healthCalls++
					if healthCalls < 3 || r.URL.Query().Get("wait_for_status") != "yellow" {
						w.WriteHeader(http.StatusServiceUnavailable) // still starting
						return
					}
					_, _ = w.Write([]byte(`{"status":"yellow"}`))
					return
				}
				body, _ := io.ReadAll(r.Body)
				got = append(got, [3]string{r.Method, r.URL.Path, string(body)})
				switch {
				case r.URL.Path == tc.failPath:
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write([]byte(`{"error":"rejected by test"}`))
				case r.Method == http.MethodDelete:
					w.WriteHeader(http.StatusNotFound) // no SLM policy yet
				default:
					_, _ = w.Write([]byte(`{"acknowledged":true}`))
				}
			}))
			defer ts.Close()

			stderr, err := newSetupScript(t, setup.job, cm, ts.URL, caPEM(ts), password).run(t)
			if (err != nil) != tc.wantErr {
				t.Fatalf("script error %v, want error %v; stderr:\n%s", err, tc.wantErr, stderr)
			}
			if strings.Contains(stderr, password) {
				t.Error("script printed the password")
			}
			mu.Lock()
			defer mu.Unlock()
			if healthCalls < 3 {
				t.Errorf("script did not wait for the cluster: %d health calls", healthCalls)
			}
			var want [][3]string
			for _, r := range setup.requests {
				body := ""
				if r[2] != "-" {
					body = cm.Data[r[2]]
				}
				want = append(want, [3]string{r[0], r[1], body})
				if r[1] == tc.failPath {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("requests sent:\n%q\nwant:\n%q", got, want)
			}
			if tc.wantErr && !strings.Contains(stderr, tc.failPath+" failed: HTTP 400") {
				t.Errorf("stderr does not say which request failed:\n%s", stderr)
			}
		})
	}
}

func TestKibanaSetupScriptImportsSavedObjects(t *testing.T) {
	const password = "kb-secret-9" //nolint:gosec // test value
	e, _, stack := elasticRender(t, "nginx_plus_enabled: true\nprometheus_es_exporter_enabled: true\nelastic_admin_password: "+password+"\n", nil)
	ns := e.Cfg.Derived.SystemNamespace
	job := typed[batchv1.Job](t, findPrefix(stack, "Job", "aura-kibana-setup-"))
	cm := typed[corev1.ConfigMap](t, find(stack, "ConfigMap", ns, "aura-kibana-setup"))
	for _, tc := range []struct {
		name, answer string
		wantErr      bool
	}{
		{"import succeeds", `{"success":true,"successCount":11}`, false},
		{"import with errors fails the Job", `{"success":false,"successCount":0,"errors":[{"id":"x","error":{"type":"unknown"}}]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var imported string
			ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if u, p, ok := r.BasicAuth(); !ok || u != "elastic" || p != password {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				switch {
				case r.URL.Path == "/api/status":
					_, _ = w.Write([]byte(`{"status":{"overall":{"level":"available"}}}`))
				case r.Method == http.MethodPost && r.URL.Path == "/api/saved_objects/_import" && r.URL.Query().Get("overwrite") == "true":
					if r.Header.Get("kbn-xsrf") == "" {
						w.WriteHeader(http.StatusBadRequest)
						return
					}
					f, hdr, err := r.FormFile("file")
					if err != nil || !strings.HasSuffix(hdr.Filename, ".ndjson") {
						w.WriteHeader(http.StatusUnsupportedMediaType)
						return
					}
					b, _ := io.ReadAll(f)
					imported = string(b)
					_, _ = w.Write([]byte(tc.answer))
				default:
					w.WriteHeader(http.StatusNotFound)
				}
			}))
			defer ts.Close()
			stderr, err := newSetupScript(t, job, cm, ts.URL, caPEM(ts), password).run(t)
			if (err != nil) != tc.wantErr {
				t.Fatalf("script error %v, want error %v; stderr:\n%s", err, tc.wantErr, stderr)
			}
			if imported != cm.Data["saved-objects.ndjson"] {
				t.Errorf("imported %d bytes, want the ConfigMap's %d", len(imported), len(cm.Data["saved-objects.ndjson"]))
			}
		})
	}
}
