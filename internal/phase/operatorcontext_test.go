package phase

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/operatorconfig"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// operatorEnv is the example environment with the storage account
// deploy_infra creates for the operator's packages.
func operatorEnv(t *testing.T, extra string) (*Env, string) {
	t.Helper()
	e := testEnv(t, extra)
	e.Templates = k8s.FS()
	ctx := context.Background()
	pc := e.PackagesContainer()
	if _, err := e.Provider.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: pc.ResourceGroup, Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Provider.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: pc.ResourceGroup, Name: pc.Account,
		Containers: []string{pc.Container}}); err != nil {
		t.Fatal(err)
	}
	key, err := e.Provider.StorageAccountKey(ctx, provider.ResourceRef{ResourceGroup: pc.ResourceGroup, Name: pc.Account})
	if err != nil {
		t.Fatal(err)
	}
	return e, key
}

// deployedOperatorSettings reads the rendered aura-operator Deployment the
// way the operator reads its settings: its env (ConfigMap and Secret
// included) and its flags.
func deployedOperatorSettings(t *testing.T, e *Env, objs []*unstructured.Unstructured) *operatorconfig.Settings {
	t.Helper()
	dep := find(objs, "Deployment", e.CoreNamespace(), "aura-operator")
	if dep == nil {
		t.Fatal("no aura-operator Deployment")
	}
	env, args, err := operatorconfig.ContainerEnv(dep, "aura-operator", objs)
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("aura-operator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	got := operatorconfig.BindFlags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return got
}

func renderedCore(t *testing.T, e *Env) []*unstructured.Unstructured {
	t.Helper()
	bundles, err := e.RenderCore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, b := range bundles {
		out = append(out, b.Objects...)
	}
	return out
}

// The operator's Deployment, read the way the operator reads its settings,
// starts with everything it needs: from the config, the release and the
// provider, credentials only through its Secret.
func TestOperatorDeploymentSettings(t *testing.T) {
	e, key := operatorEnv(t, "")
	var learnt []string
	e.LearnSecrets = func(v ...string) { learnt = append(learnt, v...) }
	objs := renderedCore(t, e)
	got := deployedOperatorSettings(t, e, objs)
	if err := got.Validate(); err != nil {
		t.Fatalf("the operator would exit: %v", err)
	}
	pc := e.PackagesContainer()
	comp, _ := e.Release.Component("aura-operator")
	want := operatorconfig.Settings{
		Environment: e.Cfg.Derived.EnvironmentName, AgentsNamespace: e.Cfg.Derived.AgentsNamespace, LeaderElectionNamespace: e.CoreNamespace(), WatchNamespace: e.CoreNamespace(),
		S3Bucket: comp.Env[operatorconfig.EnvS3Bucket], S3Region: "eu-west-1",
		S3AccessKeyID: e.Cfg.AuraOperatorS3.AccessKeyID, S3SecretAccessKey: e.Cfg.AuraOperatorS3.SecretAccessKey,
		BlobAccountURL: "http://127.0.0.1:10000/" + pc.Account, BlobContainer: "aura-packages",
		BlobAccountName: pc.Account, BlobAccountKey: key,
	}
	if *got != want {
		t.Errorf("the operator would start with\n%+v\nwant\n%+v", *got, want)
	}
	if want.S3Bucket == "" || want.S3SecretAccessKey == "" {
		t.Fatalf("test config has no bucket or S3 secret: %+v", want)
	}
	if !slices.Contains(learnt, key) {
		t.Error("the storage key was not handed to the output redaction")
	}
	for _, o := range objs {
		if o.GetKind() == "Secret" {
			continue
		}
		js, _ := o.MarshalJSON()
		for _, s := range []string{key, want.S3SecretAccessKey} {
			if strings.Contains(string(js), s) {
				t.Errorf("%s %s carries a secret outside a Secret", o.GetKind(), o.GetName())
			}
		}
	}

	// Its probe and Service use the ports the binary serves on.
	dep := find(objs, "Deployment", e.CoreNamespace(), "aura-operator")
	ports := map[string]int64{}
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	for _, p := range cs[0].(map[string]any)["ports"].([]any) {
		pm := p.(map[string]any)
		ports[pm["name"].(string)] = pm["containerPort"].(int64)
	}
	probe, _, _ := unstructured.NestedString(cs[0].(map[string]any), "readinessProbe", "httpGet", "port")
	if ports["metrics"] != operatorconfig.MetricsPort || ports[probe] != operatorconfig.HealthPort {
		t.Errorf("ports %v, readiness probe on %q; the operator serves metrics on %d and /readyz on %d",
			ports, probe, operatorconfig.MetricsPort, operatorconfig.HealthPort)
	}
}

// The rendered ClusterRole grants every permission controller-gen derived
// from the reconcilers' markers (config/rbac/role.yaml).
func TestOperatorClusterRoleCoversMarkers(t *testing.T) {
	e, _ := operatorEnv(t, "")
	role := find(renderedCore(t, e), "ClusterRole", "", "aura-operator-"+e.CoreNamespace())
	if role == nil {
		t.Fatal("no ClusterRole")
	}
	var got rbacv1.ClusterRole
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(role.Object, &got); err != nil {
		t.Fatal(err)
	}
	need, err := operatorconfig.Rules()
	if err != nil {
		t.Fatal(err)
	}
	granted := permissions(got.Rules)
	for p := range permissions(need) {
		if !granted[p] {
			t.Errorf("the rendered ClusterRole lacks %s", p)
		}
	}
	if !permissions(need)["/namespaces create"] {
		t.Error("role.yaml does not let the Agent controller create aura-agents-{environment}")
	}
}

// permissions expands rules to "group/resource verb" (no wildcards in ours).
func permissions(rules []rbacv1.PolicyRule) map[string]bool {
	out := map[string]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[fmt.Sprintf("%s/%s %s", g, res, v)] = true
				}
			}
		}
	}
	return out
}

func TestOperatorRenderNeeds(t *testing.T) {
	t.Run("storage account missing", func(t *testing.T) {
		e := testEnv(t, "")
		e.Templates = k8s.FS()
		_, err := e.RenderCore(context.Background())
		if err == nil || !strings.Contains(err.Error(), "run `aura deploy_infra` first") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("operator off needs no storage", func(t *testing.T) {
		e := testEnv(t, "aura_operator_enabled: false\n")
		e.Templates = k8s.FS()
		objs := renderedCore(t, e)
		if find(objs, "Deployment", e.CoreNamespace(), "aura-operator") != nil || find(objs, "Secret", e.CoreNamespace(), "aura-operator") != nil {
			t.Fatal("the operator is rendered while disabled")
		}
	})
	t.Run("azure blob endpoint", func(t *testing.T) {
		e, _ := operatorEnv(t, "")
		e.Provider = namedProvider{e.Provider, "azure"}
		cm := find(renderedCore(t, e), "ConfigMap", e.CoreNamespace(), "aura-operator")
		pc := e.PackagesContainer()
		if u, _, _ := unstructured.NestedString(cm.Object, "data", operatorconfig.EnvBlobAccountURL); u != "https://"+pc.Account+".blob.core.windows.net" {
			t.Fatalf("blob account URL %q", u)
		}
	})
	t.Run("anonymous S3", func(t *testing.T) {
		e, _ := operatorEnv(t, "aura_operator_s3: {access_key_id: \"\", secret_access_key: \"\"}\n")
		sec := find(renderedCore(t, e), "Secret", e.CoreNamespace(), "aura-operator")
		sd, _, _ := unstructured.NestedStringMap(sec.Object, "stringData")
		if _, ok := sd[operatorconfig.EnvS3AccessKeyID]; ok || sd[operatorconfig.EnvBlobAccountKey] == "" {
			t.Fatalf("Secret keys %v", slices.Sorted(maps.Keys(sd)))
		}
	})
}

// namedProvider is a provider that says it is another one.
type namedProvider struct {
	provider.Provider
	name string
}

func (p namedProvider) Name() string { return p.name }
