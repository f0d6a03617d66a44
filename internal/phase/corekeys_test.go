package phase

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// envFromSecrets are the Secrets a Deployment's first container reads.
func envFromSecrets(t *testing.T, objs []*unstructured.Unstructured, ns, name string) []string {
	t.Helper()
	d := typed[appsv1.Deployment](t, find(objs, "Deployment", ns, name))
	var out []string
	for _, f := range d.Spec.Template.Spec.Containers[0].EnvFrom {
		if f.SecretRef != nil {
			out = append(out, f.SecretRef.Name)
		}
	}
	return out
}

func cmData(t *testing.T, objs []*unstructured.Unstructured, ns, name string) map[string]string {
	t.Helper()
	return typed[corev1.ConfigMap](t, find(objs, "ConfigMap", ns, name)).Data
}

// aura-context gets the context expiration and the agents; an external
// account's SAS token reaches only a Secret; an agent with part of the
// external fields uses the default account, with a warning.
func TestCoreContextSettings(t *testing.T) {
	const token = "sv=2024-05-04&sig=sas-Tok-ext-1"
	e := keysEnv(t, `context_expiration_days: 3
context_agents:
  sales: {}
  ext: {azure_account: extacct, azure_sas_token: "`+token+`", azure_container: agents}
  half: {azure_account: halfacct}
`)
	objs := renderedCore(t, e)
	ns := e.CoreNamespace()
	data := cmData(t, objs, ns, "aura-context")
	if data["CONTEXT_EXPIRATION_DAYS"] != "3" || data["CONTEXT_EXPIRATION_SECONDS"] != "259200" {
		t.Errorf("context expiration: %q days, %q seconds", data["CONTEXT_EXPIRATION_DAYS"], data["CONTEXT_EXPIRATION_SECONDS"])
	}
	var agents map[string]map[string]string
	if err := json.Unmarshal([]byte(data["CONTEXT_AGENTS"]), &agents); err != nil {
		t.Fatalf("CONTEXT_AGENTS %q: %v", data["CONTEXT_AGENTS"], err)
	}
	want := map[string]map[string]string{
		"sales": {"storage": "default", "azure_account": "auracommonapdev", "azure_container": "agent-sales"},
		"half":  {"storage": "default", "azure_account": "auracommonapdev", "azure_container": "agent-half"},
		"ext":   {"storage": "external", "azure_account": "extacct", "azure_container": "agents"},
	}
	if !reflect.DeepEqual(agents, want) {
		t.Errorf("CONTEXT_AGENTS = %v, want %v", agents, want)
	}
	if got := secretData(t, objs, ns, "aura-context-agents"); !reflect.DeepEqual(got, map[string]string{"CONTEXT_AGENT_EXT_SAS_TOKEN": token}) {
		t.Errorf("aura-context-agents = %v", got)
	}
	if s := envFromSecrets(t, objs, ns, "aura-context"); !slices.Contains(s, "aura-context-agents") {
		t.Errorf("aura-context reads the Secrets %v, not aura-context-agents", s)
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{token})
	}
	if !slices.ContainsFunc(e.Cfg.Warnings, func(w string) bool { return strings.HasPrefix(w, "context_agents.half: external account needs") }) {
		t.Errorf("no warning for the half-configured agent: %q", e.Cfg.Warnings)
	}

	// Without external agents there is no Secret to keep.
	objs = renderedCore(t, keysEnv(t, "context_agents: {sales: {}}"))
	if find(objs, "Secret", ns, "aura-context-agents") != nil {
		t.Error("aura-context-agents rendered without an external agent")
	}
}

// aura-genesys gets the Genesys API URL and push provider; the push
// provider defaults to aura-{{ environment_name }}.
func TestCoreGenesysSettings(t *testing.T) {
	const on = "genesys_enabled: true\ngenesys: {api_url: 'https://genesys.example.com/chat', user: g, secret: gsecret-1}"
	for _, tc := range []struct{ extra, provider string }{
		{"", "aura-ap-dev"},
		{"genesys: {push_provider: Aura}", "Aura"},
	} {
		e := keysEnv(t, on, tc.extra)
		data := cmData(t, renderedCore(t, e), e.CoreNamespace(), "genesys")
		if data["GENESYS_API_URL"] != "https://genesys.example.com/chat" || data["GENESYS_PUSH_PROVIDER"] != tc.provider {
			t.Errorf("%q: GENESYS_API_URL %q, GENESYS_PUSH_PROVIDER %q (want %q)", tc.extra, data["GENESYS_API_URL"], data["GENESYS_PUSH_PROVIDER"], tc.provider)
		}
	}
}

// aura-gateway-api and aura-manager are reachable only from their allowed
// origins, or from the TID VPN when none is set; aura-services is not
// restricted.
func TestCoreAllowedOrigins(t *testing.T) {
	for _, tc := range []struct {
		extra            string
		gateway, manager []string
	}{
		{"", config.TIDVPNRanges, config.TIDVPNRanges},
		{"aura_gateway_api_allowed_origins: [10.20.0.0/16, 10.21.0.0/16]\naura_manager_allowed_origins: [10.30.0.0/16]",
			[]string{"10.20.0.0/16", "10.21.0.0/16"}, []string{"10.30.0.0/16"}},
	} {
		e := keysEnv(t, tc.extra)
		objs := renderedCore(t, e)
		ns, env := e.CoreNamespace(), e.Cfg.Derived.EnvironmentName
		for host, want := range map[string][]string{"gateway": tc.gateway, "manager": tc.manager} {
			policy := map[string]string{"gateway": "aura-gateway-api-access", "manager": "aura-manager-access"}[host]
			p := find(objs, "Policy", ns, policy)
			if p == nil {
				t.Fatalf("%q: Policy %s not rendered", tc.extra, policy)
			}
			allow, _, _ := unstructured.NestedStringSlice(p.Object, "spec", "accessControl", "allow")
			if !reflect.DeepEqual(allow, want) {
				t.Errorf("%q: %s allows %v, want %v", tc.extra, policy, allow, want)
			}
			if refs := vsPolicies(t, find(objs, "VirtualServer", ns, host+"-"+env)); !slices.Contains(refs, ns+"/"+policy) {
				t.Errorf("%q: VirtualServer %s-%s uses %v, not %s", tc.extra, host, env, refs, policy)
			}
		}
		if refs := vsPolicies(t, find(objs, "VirtualServer", ns, "services-"+env)); len(refs) != 0 {
			t.Errorf("services is restricted by %v", refs)
		}
	}
}

func vsPolicies(t *testing.T, vs *unstructured.Unstructured) []string {
	t.Helper()
	if vs == nil {
		t.Fatal("VirtualServer not rendered")
	}
	list, _, _ := unstructured.NestedSlice(vs.Object, "spec", "policies")
	var out []string
	for _, p := range list {
		m := p.(map[string]any)
		out = append(out, m["namespace"].(string)+"/"+m["name"].(string))
	}
	return out
}

// legacy_services_domain serves the services routes under the old name and
// keeps its DNS record pointing at this deployment's ingress.
func TestCoreLegacyServicesDomain(t *testing.T) {
	const legacy = "ai-services-xx.auracognitive.com"
	e := keysEnv(t, "legacy_services_domain: "+legacy)
	objs := renderedCore(t, e)
	ns, env := e.CoreNamespace(), e.Cfg.Derived.EnvironmentName
	vs := find(objs, "VirtualServer", ns, "services-legacy-"+env)
	if vs == nil {
		t.Fatal("no VirtualServer for the legacy services domain")
	}
	if host, _, _ := unstructured.NestedString(vs.Object, "spec", "host"); host != legacy {
		t.Errorf("legacy VirtualServer host %q", host)
	}
	routes := func(vsName string) []string {
		list, _, _ := unstructured.NestedSlice(find(objs, "VirtualServer", ns, vsName).Object, "spec", "routes")
		var out []string
		for _, r := range list {
			out = append(out, r.(map[string]any)["path"].(string))
		}
		return out
	}
	if got, want := routes("services-legacy-"+env), routes("services-"+env); !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("legacy routes %v, services routes %v", got, want)
	}
	for _, o := range objs {
		if o.GetKind() == "VirtualServerRoute" && strings.HasPrefix(o.GetName(), "services-legacy-") {
			if host, _, _ := unstructured.NestedString(o.Object, "spec", "host"); host != legacy {
				t.Errorf("%s host %q", o.GetName(), host)
			}
		}
	}
	want := provider.RecordSet{Name: "ai-services-xx", Type: "CNAME", TTL: dnsTTL, Values: []string{e.ingressTarget()}}
	if recs := e.records(false); !slices.ContainsFunc(recs, func(r provider.RecordSet) bool { return reflect.DeepEqual(r, want) }) {
		t.Errorf("records %v lack %v", recs, want)
	}
	for _, r := range e.records(true) {
		if r.Name == want.Name {
			t.Errorf("the -next records hold the legacy name")
		}
	}

	// Outside the zone aura manages: the ingress serves it, the record is
	// the owner's.
	e = keysEnv(t, "legacy_services_domain: ai-services.example.org")
	if find(renderedCore(t, e), "VirtualServer", ns, "services-legacy-"+env) == nil {
		t.Error("no VirtualServer for a legacy domain in another zone")
	}
	for _, r := range e.records(false) {
		if strings.Contains(r.Name, "example.org") {
			t.Errorf("record %v for a name outside %s", r, config.DNSZone)
		}
	}
}

// Brazil's aurapush-sendfeedback-service reads its endpoint and
// subscription key from a Secret; other profiles deploy neither.
func TestCoreAurapushFeedback(t *testing.T) {
	e := keysEnv(t, brazil)
	objs := renderedCore(t, e)
	ns := e.CoreNamespace()
	want := map[string]string{"AURAPUSH_FEEDBACK_ENDPOINT": "https://feedback.example.com/a", "AURAPUSH_FEEDBACK_SUBSCRIPTION_KEY": "sub-key-0001"}
	if got := secretData(t, objs, ns, "aurapush-feedback"); !reflect.DeepEqual(got, want) {
		t.Errorf("aurapush-feedback = %v", got)
	}
	if s := envFromSecrets(t, objs, ns, "aurapush-sendfeedback-service"); !slices.Contains(s, "aurapush-feedback") {
		t.Errorf("aurapush-sendfeedback-service reads %v", s)
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{"sub-key-0001"})
	}
	e = keysEnv(t)
	if find(renderedCore(t, e), "Secret", e.CoreNamespace(), "aurapush-feedback") != nil {
		t.Error("aurapush-feedback rendered outside profile br")
	}
}

// resources_tags reach every Azure resource deploy_common, deploy_infra and
// deploy_core create.
func TestResourcesTagsOnEveryResource(t *testing.T) {
	e := keysEnv(t, `resources_tags: {cost_center: cc42}
databricks_enabled: true
enable_customer_key_encryption: true
openai_enabled: true
next_domains_enabled: true
next_bot_channel_enabled: true
`)
	log := &callLog{}
	real := e.Provider
	e.Provider = &recordingProvider{Provider: real, log: log}
	for _, ph := range []Phase{Common(e), Infra(e), Core(e)} {
		observeAll(ph)
	}
	e.Provider = real
	untagged := map[string]bool{"EnsureKey": true, "EnsureRoleAssignment": true, "PutRecordSet": true} // no tags in Azure
	kinds := map[string]int{}
	for _, call := range log.calls {
		method, args, _ := strings.Cut(call, " ")
		if untagged[method] {
			continue
		}
		kinds[method]++
		var list []map[string]any
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			t.Fatal(err)
		}
		tags, ok := list[0]["tags"].(map[string]any)
		if !ok {
			tags, _ = list[0]["Tags"].(map[string]any)
		}
		if tags["cost_center"] != "cc42" {
			t.Errorf("%s without the configured tags: %s", method, args)
		}
	}
	for _, m := range []string{"EnsureResourceGroup", "EnsureStorageAccount", "EnsureKeyVault", "EnsureDNSZone", "EnsureCluster",
		"EnsureDatabricksWorkspace", "EnsureDatabricksJob", "EnsureBotChannel", "EnsureAIService"} {
		if kinds[m] == 0 {
			t.Errorf("no %s call seen", m)
		}
	}
}
