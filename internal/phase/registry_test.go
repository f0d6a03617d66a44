package phase

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestSystemRegistrySecret: registry.username/password from the config
// become the system namespace's aura-registry pull secret, which the
// backup CronJobs name; without them no Secret is rendered.
func TestSystemRegistrySecret(t *testing.T) {
	_, objs := systemObjects(t, "")
	if find(objs, "Secret", "aura-system", "aura-registry") != nil {
		t.Error("aura-registry rendered without registry credentials")
	}
	_, objs = systemObjects(t, "registry:\n  username: ob-es\n  password: pull-s3cret\n")
	sec := find(objs, "Secret", "aura-system", "aura-registry")
	if sec == nil {
		t.Fatal("no Secret aura-system/aura-registry")
	}
	raw, _, _ := unstructured.NestedString(sec.Object, "stringData", ".dockerconfigjson")
	var cfg struct {
		Auths map[string]struct{ Username, Password string } `json:"auths"`
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	if a := cfg.Auths["auraregistry.azurecr.io"]; a.Username != "ob-es" || a.Password != "pull-s3cret" {
		t.Errorf("auths = %+v", cfg.Auths)
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{"pull-s3cret"})
		if o.GetKind() != "CronJob" {
			continue
		}
		ps, _, _ := unstructured.NestedSlice(o.Object, "spec", "jobTemplate", "spec", "template", "spec", "imagePullSecrets")
		if len(ps) != 1 || ps[0].(map[string]any)["name"] != "aura-registry" {
			t.Errorf("CronJob %s pulls with %v, want aura-registry", o.GetName(), ps)
		}
	}
}
