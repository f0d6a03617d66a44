package release

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	k8stemplates "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/operatorconfig"
	"github.com/auracognitive/aurak8s/internal/render"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const testEncryptionKey = "5eb23be8ba10455e78455c84b4512af3"

// testContext has the keys config.TemplateContext returns (contracts.md).
func testContext(enabled ...string) map[string]any {
	comps := map[string]any{}
	for _, n := range canonical {
		comps[n] = false
	}
	for _, n := range enabled {
		comps[n] = true
	}
	return map[string]any{
		"environment_type":            "dev",
		"environment_profile":         "es",
		"environment_name":            "es-dev",
		"cluster_name":                "auraclusterdeves",
		"kubernetes_core_namespace":   "aura-es-dev",
		"kubernetes_system_namespace": "aura-system",
		"kubernetes_agents_namespace": "aura-agents-es-dev",
		"aura_encryption_key":         testEncryptionKey,
		"aura_encryption_algorithm":   "aes-256-cbc",
		"aura_encryption_iv_position": 35,
		"aura_bot_services_api_key":   "bot-api-key-value",
		"context_expiration_days":     15,
		"context_agents_settings":     map[string]any{},
		"bot_channel":                 map[string]any{"name": "aura-bot-es-dev", "endpoint": "https://services-es-dev.auracognitive.com/api/messages"},
		"nlp_packages":                map[string]any{"resources_xxxx": "0.10.0", "resources_es": "1.4.2"},
		"next_domains_enabled":        false,
		"nginx_plus_enabled":          false,
		"fourth_platform":             map[string]any{"client_id": "aura-bot", "client_secret": "kernel-secret-value"},
		"genesys":                     map[string]any{"user": "aura", "secret": "genesys-secret-value"},
		"components":                  comps,
		"aura_operator":               testOperatorValues(),
	}
}

// testOperatorValues are the operator's settings as deploy_core computes
// them (internal/phase/operatorcontext.go).
func testOperatorValues() map[string]any {
	m, err := Default()
	if err != nil {
		panic(err)
	}
	c, _ := m.Component("aura-operator")
	v, err := operatorconfig.TemplateValues(operatorconfig.Settings{Environment: "es-dev", LeaderElectionNamespace: "aura-es-dev",
		S3Bucket: c.Env[operatorconfig.EnvS3Bucket], S3Region: "eu-west-1", S3AccessKeyID: "AKIAEXAMPLE", S3SecretAccessKey: "s3-secret-value",
		BlobAccountURL: "https://auraclusterdevessa.blob.core.windows.net", BlobContainer: "aura-packages",
		BlobAccountName: "auraclusterdevessa", BlobAccountKey: "c3RvcmFnZS1rZXk="}, c.Env)
	if err != nil {
		panic(err)
	}
	return v
}

func renderCore(t *testing.T, ctx map[string]any, userDir string) map[string]*unstructured.Unstructured {
	t.Helper()
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := m.RenderCore(render.New(render.OverlayDir(k8stemplates.FS(), userDir)), ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*unstructured.Unstructured{}
	for _, b := range bundles {
		for _, o := range b.Objects {
			out[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	return out
}

func TestRenderCoreEveryComponent(t *testing.T) {
	objs := renderCore(t, testContext(canonical...), "")
	m, _ := Default()
	for _, c := range m.Components {
		for _, kind := range []string{"Deployment", "ConfigMap", "Service"} {
			o, ok := objs[kind+" aura-es-dev/"+c.ObjectName]
			if !ok {
				t.Errorf("%s: no %s %s", c.Name, kind, c.ObjectName)
				continue
			}
			if o.GetLabels()["app.kubernetes.io/component"] != c.Name {
				t.Errorf("%s %s: labels %v", kind, c.ObjectName, o.GetLabels())
			}
		}
		d := objs["Deployment aura-es-dev/"+c.ObjectName]
		if d == nil {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		if img := containers[0].(map[string]any)["image"]; img != c.ImageRef(m) {
			t.Errorf("%s image %v, want %s", c.Name, img, c.ImageRef(m))
		}
		if r, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); int(r) != c.Replicas {
			t.Errorf("%s replicas %d, want %d", c.Name, r, c.Replicas)
		}
	}
	for _, want := range []string{
		"Namespace /aura-es-dev", "Secret aura-es-dev/aura-encryption", "Secret aura-es-dev/aura-apikeys",
		"Secret aura-es-dev/aura-kernel", "Secret aura-es-dev/genesys-credentials",
		"ServiceAccount aura-es-dev/aura-operator", "ClusterRole /aura-operator-aura-es-dev", "ClusterRoleBinding /aura-operator-aura-es-dev",
		"VirtualServer aura-es-dev/services-es-dev", "VirtualServerRoute aura-es-dev/services-aura-bot",
	} {
		if objs[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
	if sa, _, _ := unstructured.NestedString(objs["Deployment aura-es-dev/aura-operator"].Object, "spec", "template", "spec", "serviceAccountName"); sa != "aura-operator" {
		t.Errorf("aura-operator runs as %q", sa)
	}
}

func TestRenderCoreOperatorConfigMaps(t *testing.T) {
	ctx := testContext("nlp", "user-helper")
	objs := renderCore(t, ctx, "")
	nlp := objs["ConfigMap aura-es-dev/aura-nlp"]
	raw, _, _ := unstructured.NestedString(nlp.Object, "data", "NLP_PACKAGES")
	var pkgs map[string]string
	if err := json.Unmarshal([]byte(raw), &pkgs); err != nil {
		t.Fatalf("NLP_PACKAGES %q is not JSON: %v", raw, err)
	}
	if pkgs["resources_xxxx"] != "0.10.0" || pkgs["resources_es"] != "1.4.2" || len(pkgs) != 2 {
		t.Errorf("NLP_PACKAGES %v", pkgs)
	}
	uh := objs["ConfigMap aura-es-dev/user-helper"]
	if v, _, _ := unstructured.NestedString(uh.Object, "data", "RESOLUTION_RESOURCES_VERSION"); v != "0.0.0" {
		t.Errorf("default RESOLUTION_RESOURCES_VERSION %q, want 0.0.0", v)
	}

	hash := func(objs map[string]*unstructured.Unstructured, name string) string {
		a, _, _ := unstructured.NestedString(objs["Deployment aura-es-dev/"+name].Object, "spec", "template", "metadata", "annotations", ConfigHashAnnotation)
		return a
	}
	data, _, _ := unstructured.NestedStringMap(nlp.Object, "data")
	if hash(objs, "aura-nlp") != ConfigHash(data) {
		t.Errorf("aura-nlp config hash %q does not match its ConfigMap", hash(objs, "aura-nlp"))
	}

	// A new training or resolutions version changes only its consumer's hash, which rolls it.
	ctx2 := testContext("nlp", "user-helper")
	ctx2["nlp_packages"] = map[string]any{"resources_xxxx": "0.11.0", "resources_es": "1.4.2"}
	ctx2["resolutions"] = "2.3.0"
	objs2 := renderCore(t, ctx2, "")
	if hash(objs2, "aura-nlp") == hash(objs, "aura-nlp") {
		t.Error("aura-nlp's config hash did not change with nlp_packages")
	}
	if v, _, _ := unstructured.NestedString(objs2["ConfigMap aura-es-dev/user-helper"].Object, "data", "RESOLUTION_RESOURCES_VERSION"); v != "2.3.0" {
		t.Errorf("RESOLUTION_RESOURCES_VERSION %q, want 2.3.0", v)
	}
}

func TestRenderCoreFollowsFlags(t *testing.T) {
	ctx := testContext("aura-bot", "nlp", "nginx", "aura-gateway-api", "aura-manager")
	ctx["next_domains_enabled"] = true
	ctx["nginx_plus_enabled"] = true
	delete(ctx, "fourth_platform")
	objs := renderCore(t, ctx, "")
	for _, absent := range []string{"Deployment aura-es-dev/genesys", "Secret aura-es-dev/genesys-credentials", "Secret aura-es-dev/aura-kernel", "Deployment aura-es-dev/whatsapp"} {
		if objs[absent] != nil {
			t.Errorf("%s rendered although disabled", absent)
		}
	}
	hosts := map[string]string{}
	for k, o := range objs {
		if o.GetKind() == "VirtualServer" {
			h, _, _ := unstructured.NestedString(o.Object, "spec", "host")
			hosts[h] = k
		}
	}
	want := map[string]string{
		"services-es-dev.auracognitive.com":      "VirtualServer aura-es-dev/services-es-dev",
		"gateway-es-dev.auracognitive.com":       "VirtualServer aura-es-dev/gateway-es-dev",
		"manager-es-dev.auracognitive.com":       "VirtualServer aura-es-dev/manager-es-dev",
		"services-es-dev-next.auracognitive.com": "VirtualServer aura-system/services-next-es-dev",
		"gateway-es-dev-next.auracognitive.com":  "VirtualServer aura-system/gateway-next-es-dev",
		"manager-es-dev-next.auracognitive.com":  "VirtualServer aura-system/manager-next-es-dev",
	}
	for h, k := range want {
		if hosts[h] != k {
			t.Errorf("host %s served by %q, want %q", h, hosts[h], k)
		}
	}
	if len(hosts) != len(want) {
		t.Errorf("hosts %v", hosts)
	}
	routes, _, _ := unstructured.NestedSlice(objs["VirtualServer aura-system/services-next-es-dev"].Object, "spec", "routes")
	var paths []string
	for _, r := range routes {
		paths = append(paths, r.(map[string]any)["route"].(string))
	}
	if !slices.Equal(paths, []string{"aura-es-dev/services-next-aura-bot", "aura-es-dev/services-next-aura-nlp"}) {
		t.Errorf("next routes %v", paths)
	}
	if objs["VirtualServerRoute aura-es-dev/services-next-aura-bot"] == nil {
		t.Error("next VirtualServerRoute missing")
	}
	waf := objs["Policy aura-es-dev/waf-policy"]
	if waf == nil {
		t.Fatal("NGINX Plus waf-policy missing")
	}
	logs, _, _ := unstructured.NestedSlice(waf.Object, "spec", "waf", "securityLogs")
	if l := logs[0].(map[string]any); l["apLogConf"] != "aura-es-dev/logconf" || l["logDest"] != "syslog:server=fluent-bit-aggregator.aura-system:5140" {
		t.Errorf("waf security log %v", l)
	}
	pol, _, _ := unstructured.NestedSlice(objs["VirtualServer aura-es-dev/services-es-dev"].Object, "spec", "policies")
	if len(pol) != 1 {
		t.Errorf("VirtualServer does not reference the WAF policy: %v", pol)
	}

	ctx["nginx_plus_enabled"] = false
	if objs := renderCore(t, ctx, ""); objs["Policy aura-es-dev/waf-policy"] != nil {
		t.Error("waf-policy rendered with nginx_plus_enabled false")
	}
}

func TestRenderCoreSecrets(t *testing.T) {
	objs := renderCore(t, testContext("genesys"), "")
	enc := objs["Secret aura-es-dev/aura-encryption"]
	if v, _, _ := unstructured.NestedString(enc.Object, "stringData", "AURA_ENCRYPTION_KEY"); v != testEncryptionKey {
		t.Errorf("encryption key %q", v)
	}
	if v, _, _ := unstructured.NestedString(enc.Object, "stringData", "AURA_ENCRYPTION_IV_POSITION"); v != "35" {
		t.Errorf("iv position %q", v)
	}
	kernel := objs["Secret aura-es-dev/aura-kernel"]
	if v, _, _ := unstructured.NestedString(kernel.Object, "stringData", "KERNEL_CLIENT_SECRET"); v != "kernel-secret-value" {
		t.Errorf("kernel secret %q", v)
	}
	gen := objs["Secret aura-es-dev/genesys-credentials"]
	if v, _, _ := unstructured.NestedString(gen.Object, "stringData", "GENESYS_SECRET"); v != "genesys-secret-value" {
		t.Errorf("genesys secret %q", v)
	}
	for k, o := range objs {
		if o.GetKind() == "Secret" {
			continue
		}
		js, _ := o.MarshalJSON()
		for _, secret := range []string{testEncryptionKey, "kernel-secret-value", "genesys-secret-value", "bot-api-key-value"} {
			if strings.Contains(string(js), secret) {
				t.Errorf("%s carries a secret value outside a Secret", k)
			}
		}
	}
}

func TestRenderCoreErrors(t *testing.T) {
	m, _ := Default()
	r := render.New(k8stemplates.FS(), "genesys-secret-value")

	ctx := testContext("aura-bot")
	delete(ctx, "aura_encryption_key")
	_, err := m.RenderCore(r, ctx)
	if err == nil || !strings.Contains(err.Error(), "core/secrets.yaml:") || !strings.Contains(err.Error(), "aura_encryption_key") {
		t.Errorf("missing key: error %v, want one naming core/secrets.yaml and aura_encryption_key", err)
	}

	ctx = testContext("genesys")
	ctx["genesys"] = map[string]any{"user": nil, "secret": "genesys-secret-value"}
	_, err = m.RenderCore(r, ctx)
	if err == nil || !strings.Contains(err.Error(), "genesys.user is required") || strings.Contains(err.Error(), "genesys-secret-value") {
		t.Errorf("genesys without user: error %v", err)
	}

	ctx = testContext("aura-bot")
	ctx["components"] = []string{"aura-bot"}
	if _, err := m.RenderCore(r, ctx); err == nil || !strings.Contains(err.Error(), `"components" must be a map`) {
		t.Errorf("bad components: %v", err)
	}
}

func TestRenderCoreUserNginxPlusPolicies(t *testing.T) {
	user := t.TempDir()
	dir := filepath.Join(user, "core", "nginx-plus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	policy := `apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ob-policy
  namespace: {{ kubernetes_core_namespace }}
spec:
  waf:
    enable: true
    apPolicy: "{{ kubernetes_core_namespace }}/dataguard-alarm"
`
	if err := os.WriteFile(filepath.Join(dir, "ob-policy.yaml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := testContext("nginx")
	ctx["nginx_plus_enabled"] = true
	objs := renderCore(t, ctx, user)
	if objs["Policy aura-es-dev/ob-policy"] == nil || objs["Policy aura-es-dev/waf-policy"] == nil {
		t.Error("the user's policy must be added next to the embedded ones")
	}
}

func BenchmarkRenderCoreAllComponents(b *testing.B) {
	m, _ := Default()
	r := render.New(k8stemplates.FS())
	ctx := testContext(canonical...)
	ctx["next_domains_enabled"] = true
	ctx["nginx_plus_enabled"] = true
	for b.Loop() {
		if _, err := m.RenderCore(r, ctx); err != nil {
			b.Fatal(err)
		}
	}
}
