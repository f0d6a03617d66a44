package phase

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/render"
)

// ElasticStackVersion is the Elasticsearch and Kibana version the ECK
// resources ask for; it must be one the pinned eck-operator supports.
const ElasticStackVersion = "8.17.4"

// managementPages are the system web pages (guide "Allowed source ranges"),
// by their config key.
var managementPages = []string{"dashboard", "metrics", "logs", "raw_logs", "alerts"}

// generatedSecrets are passwords nobody configures: each is made once, kept
// in its Secret in the system namespace, and read back on later runs so that
// re-runs change nothing.
var generatedSecrets = []struct{ key, secret, field string }{
	{"atlas_admin_password", "mongodb-adminuser-password", "password"},
	{"redis_password", "redis", "redis-password"},
	{"grafana_secret_key", "grafana-admin", "secret-key"},
}

// systemInputs is what deploy_system renders with: the template context
// (the config's plus what only the provider and the cluster know) and a
// renderer that redacts every secret that context holds.
type systemInputs struct {
	vars     map[string]any
	secrets  []string
	renderer *render.Renderer
}

// context returns a copy of the template context for one rendering.
func (in *systemInputs) context() map[string]any { return maps.Clone(in.vars) }

// systemInputs computes, once per command, the storage account key, the
// outbound IPs and the generated passwords, and the context built on them.
func (e *Env) systemInputs(ctx context.Context) (*systemInputs, error) {
	e.sysMu.Lock()
	defer e.sysMu.Unlock()
	if e.sys != nil {
		return e.sys, nil
	}
	acct := provider.ResourceRef{ResourceGroup: e.commonRG(), Name: e.Cfg.Derived.CommonStorageAccount}
	key, err := e.Provider.StorageAccountKey(ctx, acct)
	if provider.IsNotFound(err) {
		return nil, fmt.Errorf("storage account %s (resource group %s) does not exist: run `aura deploy_common` first", acct.Name, acct.ResourceGroup)
	}
	if err != nil {
		return nil, err
	}
	ips, err := e.outboundIPs(ctx)
	if err != nil {
		return nil, err
	}
	generated := map[string]string{}
	for _, g := range generatedSecrets {
		if generated[g.key], err = e.generatedSecret(ctx, g.secret, g.field); err != nil {
			return nil, err
		}
	}
	vars, secrets := e.buildSystemContext(key, ips, generated)
	if e.LearnSecrets != nil {
		e.LearnSecrets(secrets...)
	}
	e.sys = &systemInputs{vars: vars, secrets: secrets, renderer: render.New(e.Templates, secrets...)}
	return e.sys, nil
}

// buildSystemContext adds to the config's context what deploy_system
// learnt from the provider and the cluster; it returns the context and every
// secret value it holds.
func (e *Env) buildSystemContext(storageKey string, outboundIPs []string, generated map[string]string) (map[string]any, []string) {
	c := e.templateContext()
	c["common_storage_account_key"] = storageKey
	c["cluster_outbound_ips"] = outboundIPs
	hosts := map[string]any{}
	for _, p := range managementPages {
		hosts[p] = e.managementHost(p)
	}
	c["management_hosts"] = hosts
	c["load_balancer"] = e.Provider.Capabilities().LoadBalancer
	c["elastic_stack_version"] = ElasticStackVersion
	c["release"] = e.Release.AsMap()
	secrets := append(append([]string(nil), e.Cfg.SecretValues()...), storageKey)
	for _, g := range generatedSecrets {
		c[g.key] = generated[g.key]
		secrets = append(secrets, generated[g.key])
	}
	return c, secrets
}

// generatedSecret returns the value the cluster already holds in
// Secret/name[field] of the system namespace, or a new random one.
func (e *Env) generatedSecret(ctx context.Context, name, field string) (string, error) {
	kc, err := e.Kube(ctx)
	if err != nil {
		return "", err
	}
	ns := e.Cfg.Derived.SystemNamespace
	obj, err := kc.Dynamic.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		enc, _, _ := unstructured.NestedString(obj.Object, "data", field)
		if v, derr := base64.StdEncoding.DecodeString(enc); derr == nil && len(v) > 0 {
			return string(v), nil
		}
	case !apierrors.IsNotFound(err):
		return "", fmt.Errorf("read Secret %s/%s: %w", ns, name, err)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
