package helm_test

import (
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/helm"
)

// TestErrorsRedactSecretsNotNames: a chart that fails with a message holding
// object names and a secret: the plan and apply errors hide the secret and
// still name the release, chart, namespace and Secret, though the values hold
// those names under secret-looking keys (as the Redis and Grafana values do).
func TestErrorsRedactSecretsNotNames(t *testing.T) {
	env, _, ns := cluster(t)
	c := newClient(t, env, ns, &helm.Source{Dir: chartDir(t)})
	rel := webRelease(ns, "0.1.0", map[string]any{
		"existingSecret":     ns,
		"passwordSecretName": "web-credentials",
		"failWith":           "cannot read Secret web-credentials: the password " + testPassword + " expired",
	})
	_, planErr := c.Plan(ctx(t), rel)
	_, applyErr := c.Apply(ctx(t), rel)
	for what, err := range map[string]error{"plan": planErr, "apply": applyErr} {
		if err == nil {
			t.Fatalf("%s of a failing chart succeeded", what)
		}
		msg := err.Error()
		if strings.Contains(msg, testPassword) || !strings.Contains(msg, "the password <redacted> expired") {
			t.Errorf("%s error does not hide the password: %s", what, msg)
		}
		want := []string{"release web", "web 0.1.0", "cannot read Secret web-credentials"}
		if what == "apply" {
			want = append(want, "in "+ns)
		}
		for _, name := range want {
			if !strings.Contains(msg, name) {
				t.Errorf("%s error does not say %q: %s", what, name, msg)
			}
		}
	}
}
