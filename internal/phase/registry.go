package phase

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// registryDockerConfig is the .dockerconfigjson of the release's pull
// secret, or "" without registry credentials. Username and password, not
// "auth": the password stays a plain substring that log redaction finds.
func (e *Env) registryDockerConfig() string {
	r := e.Cfg.Registry
	if r.Username == "" {
		return ""
	}
	data, _ := json.Marshal(map[string]any{"auths": map[string]any{
		e.Release.Registry: map[string]string{"username": r.Username, "password": r.Password}}})
	return string(data)
}

// registrySecret is the pull secret for namespace ns (core, system and
// agents namespaces), or nil without registry credentials.
func (e *Env) registrySecret(ns string) *unstructured.Unstructured {
	cfg := e.registryDockerConfig()
	if cfg == "" {
		return nil
	}
	if e.LearnSecrets != nil {
		// The password is redacted on its own; the document holding it is
		// too, so its base64 form (the Secret's data) is never shown.
		e.LearnSecrets(cfg)
	}
	return newSecret(e.Release.ImagePullSecret, ns, "kubernetes.io/dockerconfigjson", map[string]any{".dockerconfigjson": cfg})
}

// newSecret is a Secret aura builds in Go (from config values no template
// needs to see).
func newSecret(name, ns, typ string, stringData map[string]any) *unstructured.Unstructured {
	s := &unstructured.Unstructured{Object: map[string]any{"type": typ, "stringData": stringData}}
	s.SetAPIVersion("v1")
	s.SetKind("Secret")
	s.SetName(name)
	s.SetNamespace(ns)
	s.SetLabels(map[string]string{"app.kubernetes.io/part-of": "aura"})
	return s
}
