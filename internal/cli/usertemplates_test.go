package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/release"
)

// A policy file an OB drops into deploy/templates/k8s/core/nginx-plus/ next
// to its config is rendered by deploy_core with the config's values, by
// the aura binary as built (guide: "The nginx-plus policy files should be
// in deploy/templates/k8s/core/nginx-plus"); without NGINX Plus it is not.
func TestUserNginxPlusPolicyNextToTheConfig(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(t.TempDir()) // the config's directory, not the working one, holds the templates
	base, err := os.ReadFile(filepath.Join(examplesDir, "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, base, 0o600); err != nil {
		t.Fatal(err)
	}
	policies := filepath.Join(dir, "deploy", "templates", "k8s", "core", "nginx-plus")
	if err := os.MkdirAll(policies, 0o755); err != nil {
		t.Fatal(err)
	}
	const policy = `apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ob-rate-limit
  namespace: {{ kubernetes_core_namespace }}
spec:
  waf:
    enable: true
    apPolicy: "{{ kubernetes_core_namespace }}/dataguard-alarm"
    securityLogs:
      - enable: true
        apLogConf: "{{ nginx_plus.log_conf }}"
        logDest: "{{ nginx_plus.log_dest }}"
`
	if err := os.WriteFile(filepath.Join(policies, "ob-rate-limit.yaml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		ecfg := t.TempDir()
		extra := "aura_operator_enabled: false\nnginx_plus_enabled: false\nnginx_plus_dos_enabled: false\n"
		if on {
			extra = "aura_operator_enabled: false\nnginx_plus_enabled: true\n"
		}
		if err := os.WriteFile(filepath.Join(ecfg, "x.yml"), []byte(extra), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(config.LoadOptions{CfgFile: cfgFile, ExtraDir: ecfg})
		if err != nil {
			t.Fatal(err)
		}
		p, err := local.New(local.Options{StateDir: filepath.Join(t.TempDir(), "state")})
		if err != nil {
			t.Fatal(err)
		}
		rel, err := release.Default()
		if err != nil {
			t.Fatal(err)
		}
		e := &phase.Env{Cfg: cfg, Provider: p, Release: rel, Templates: userTemplates(cfgFile)}
		bundles, err := e.RenderCore(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		for _, b := range bundles {
			for _, o := range b.Objects {
				if o.GetKind() == "Policy" && o.GetName() == "ob-rate-limit" {
					got = o.Object
				}
			}
		}
		if (got != nil) != on {
			t.Fatalf("nginx_plus_enabled %v: user policy rendered: %v", on, got != nil)
		}
		if !on {
			continue
		}
		ns := "aura-" + cfg.Derived.EnvironmentName
		logs := got["spec"].(map[string]any)["waf"].(map[string]any)["securityLogs"].([]any)[0].(map[string]any)
		if got["metadata"].(map[string]any)["namespace"] != ns || logs["apLogConf"] != ns+"/logconf" ||
			logs["logDest"] != "syslog:server=fluent-bit-aggregator.aura-system:5140" {
			t.Errorf("user policy not rendered with the config's values: %v", got)
		}
	}
}
