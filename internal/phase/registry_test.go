package phase

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const registryCreds = "registry:\n  username: ob-es\n  password: pull-s3cret\n"

// checkPullSecret fails unless o is a dockerconfigjson Secret that lets
// kubelet pull from the release's registry as ob-es.
func checkPullSecret(t *testing.T, e *Env, o *unstructured.Unstructured) {
	t.Helper()
	if o == nil {
		t.Fatal("no pull secret")
	}
	if typ, _, _ := unstructured.NestedString(o.Object, "type"); typ != "kubernetes.io/dockerconfigjson" || o.GetName() != e.Release.ImagePullSecret {
		t.Errorf("Secret %s of type %q", o.GetName(), typ)
	}
	raw, _, _ := unstructured.NestedString(o.Object, "stringData", ".dockerconfigjson")
	var cfg struct {
		Auths map[string]struct{ Username, Password string } `json:"auths"`
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	if a := cfg.Auths[e.Release.Registry]; a.Username != "ob-es" || a.Password != "pull-s3cret" {
		t.Errorf("auths = %+v, want ob-es for %s", cfg.Auths, e.Release.Registry)
	}
}

// TestRegistryPullSecret: registry.username/password from the config become
// the pull secret of the core namespace (which core workloads name), of the
// agents namespace (which the operator puts on agent pods) and of the system
// namespace (which its CronJobs name); without them there is none.
func TestRegistryPullSecret(t *testing.T) {
	e, _ := operatorEnv(t, "")
	if s := find(renderedCore(t, e), "Secret", e.CoreNamespace(), e.Release.ImagePullSecret); s != nil || e.registrySecret("x") != nil {
		t.Fatal("a pull secret without registry credentials")
	}

	e, _ = operatorEnv(t, registryCreds)
	var learnt []string
	e.LearnSecrets = func(v ...string) { learnt = append(learnt, v...) }
	objs := renderedCore(t, e)
	sec := find(objs, "Secret", e.CoreNamespace(), e.Release.ImagePullSecret)
	checkPullSecret(t, e, sec)
	// The whole document is redacted too: its base64 form is the Secret's data.
	doc, _, _ := unstructured.NestedString(sec.Object, "stringData", ".dockerconfigjson")
	if !slices.Contains(learnt, doc) {
		t.Error("the .dockerconfigjson is not among the secrets output redacts")
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{"pull-s3cret"})
		if o.GetKind() != "Deployment" {
			continue
		}
		ps, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "imagePullSecrets")
		if len(ps) != 1 || ps[0].(map[string]any)["name"] != e.Release.ImagePullSecret {
			t.Errorf("Deployment %s pulls with %v", o.GetName(), ps)
		}
	}

	agents, err := e.agentsObjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkPullSecret(t, e, find(agents, "Secret", e.Cfg.Derived.AgentsNamespace, e.Release.ImagePullSecret))
	if got := deployedOperatorSettings(t, e, objs); got.ImagePullSecret != e.Release.ImagePullSecret {
		t.Errorf("the operator puts %q on agent pods, want %q", got.ImagePullSecret, e.Release.ImagePullSecret)
	}

	checkPullSecret(t, e, e.registrySecret(e.Cfg.Derived.SystemNamespace))
	_, sys := systemObjects(t, registryCreds)
	for _, o := range sys {
		if o.GetKind() != "CronJob" {
			continue
		}
		ps, _, _ := unstructured.NestedSlice(o.Object, "spec", "jobTemplate", "spec", "template", "spec", "imagePullSecrets")
		if len(ps) != 1 || ps[0].(map[string]any)["name"] != e.Release.ImagePullSecret {
			t.Errorf("CronJob %s pulls with %v, want %s", o.GetName(), ps, e.Release.ImagePullSecret)
		}
	}
}
