package integration

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/render"
)

// A values template that does not render stops deploy_system before its
// first change: no namespace, no release.
func TestSystemRenderErrorChangesNothing(t *testing.T) {
	w := newWorld(t)
	run(t, phase.Common(w.env()), false)
	before := snapshot(t, sysNS, "elastic-system")
	e := w.env()
	e.Templates = render.Overlay(k8s.FS(), fstest.MapFS{
		"helm/redis.yaml": {Data: []byte("architecture: {{ redis_architecture_typo }}\n")},
	})
	_, err := (&phase.Runner{}).Run(context.Background(), phase.System(e))
	if err == nil || !strings.Contains(err.Error(), "helm/redis.yaml") {
		t.Fatalf("deploy_system with a broken values template: %v, want an error naming helm/redis.yaml", err)
	}
	if d := diff(before, snapshot(t, sysNS, "elastic-system")); len(d) > 0 {
		t.Errorf("a failed render changed the cluster:\n%s", strings.Join(d, "\n"))
	}
	if !absent(t, gvrNamespace, "", sysNS) || len(revisions(t)) != 0 {
		t.Error("a failed render created the system namespace or a release")
	}
}
