package helm_test

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	hrelease "helm.sh/helm/v3/pkg/release"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/auracognitive/aurak8s/internal/helm"
)

// TestInterruptedUpgradeIsResumed: a run killed mid-upgrade leaves a
// pending-upgrade revision, which plain Helm refuses to touch ("another
// operation is in progress"). Re-running Apply converges anyway.
func TestInterruptedUpgradeIsResumed(t *testing.T) {
	env, _, ns := cluster(t)
	c := newClient(t, env, ns, &helm.Source{Dir: chartDir(t)})
	ctx := ctx(t)
	rel := webRelease(ns, "0.1.0", map[string]any{"message": "one"})
	if _, err := c.Apply(ctx, rel); err != nil {
		t.Fatal(err)
	}

	// What an interrupted `helm upgrade` leaves behind: revision 2, pending.
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &env.Kubeconfig, &ns
	cfg := new(action.Configuration)
	if err := cfg.Init(flags, ns, "secret", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	r1, err := cfg.Releases.Last("web")
	if err != nil {
		t.Fatal(err)
	}
	r2 := *r1
	r2.Version = 2
	r2.Info = &hrelease.Info{Status: hrelease.StatusPendingUpgrade, Description: "killed"}
	if err := cfg.Releases.Create(&r2); err != nil {
		t.Fatal(err)
	}

	ch, err := c.Plan(ctx, rel)
	if err != nil || ch.Action != helm.ActionUpgrade || !strings.Contains(ch.Reason, "revision 2 was interrupted") {
		t.Fatalf("plan after an interrupted upgrade = %+v, %v", ch, err)
	}
	ch, err = c.Apply(ctx, rel)
	if err != nil || ch.Revision != 3 {
		t.Fatalf("apply after an interrupted upgrade = %+v, %v", ch, err)
	}
	st, err := c.Status(ctx, "web", ns)
	if err != nil || st.State != "deployed" || st.Revision != 3 {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if ch, err := c.Apply(ctx, rel); err != nil || ch.Action != helm.ActionUnchanged {
		t.Fatalf("apply after recovery = %+v, %v; want unchanged", ch, err)
	}
}
