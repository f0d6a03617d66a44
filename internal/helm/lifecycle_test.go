package helm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/auracognitive/aurak8s/internal/helm"
)

// TestLifecycle walks one release through plan, install, a no-op apply, a
// values upgrade, a chart upgrade, a failed upgrade that is rolled back, and
// uninstall, checking the cluster after each step.
func TestLifecycle(t *testing.T) {
	env, cs, ns := cluster(t)
	c := newClient(t, env, ns, &helm.Source{Dir: chartDir(t)})
	ctx := ctx(t)

	// Plan of a new release: install, names the objects, creates nothing.
	rel := webRelease(ns, "0.1.0", map[string]any{"message": "one"})
	ch, err := c.Plan(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != helm.ActionInstall {
		t.Fatalf("plan of a new release = %s (%s), want install", ch.Action, ch.Reason)
	}
	wantObjs := []string{"create ConfigMap/web -n " + ns, "create Deployment/web -n " + ns, "create Secret/web -n " + ns, "create Service/web -n " + ns}
	if got := objStrings(ch.Objects); strings.Join(got, ";") != strings.Join(wantObjs, ";") {
		t.Errorf("plan objects = %q, want %q", got, wantObjs)
	}
	if s := fmt.Sprintf("%+v", ch); strings.Contains(s, testPassword) {
		t.Errorf("plan output contains the password: %s", s)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("plan created namespace %s (err %v)", ns, err)
	}

	// Install: revision 1, objects exist, the Deployment serves.
	ch, err = c.Apply(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != helm.ActionInstall || ch.Revision != 1 {
		t.Fatalf("install = %s revision %d, want install revision 1", ch.Action, ch.Revision)
	}
	if readyPods(t, cs, ns) != 1 || configMessage(t, cs, ns) != "one" {
		t.Fatalf("after install: %d ready pods, message %q", readyPods(t, cs, ns), configMessage(t, cs, ns))
	}
	st, err := c.Status(ctx, "web", ns)
	if err != nil || st.Revision != 1 || st.State != "deployed" || st.ChartVersion != "0.1.0" {
		t.Fatalf("status after install = %+v, %v", st, err)
	}

	// Same chart and values: no revision, no write.
	before := resourceVersions(t, cs, ns)
	ch, err = c.Apply(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != helm.ActionUnchanged || ch.Revision != 1 {
		t.Fatalf("second apply = %s revision %d, want unchanged revision 1", ch.Action, ch.Revision)
	}
	if after := resourceVersions(t, cs, ns); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("unchanged apply wrote objects: %v → %v", before, after)
	}
	if n := helmRevisions(t, cs, ns, "web"); n != 1 {
		t.Errorf("helm history has %d revisions after a no-op apply, want 1", n)
	}

	// A changed value: Plan says upgrade without writing, Apply makes revision 2.
	rel2 := webRelease(ns, "0.1.0", map[string]any{"message": "two"})
	ch, err = c.Plan(ctx, rel2)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != helm.ActionUpgrade || ch.Reason != "values changed" || ch.Revision != 1 {
		t.Fatalf("plan with a new value = %+v, want upgrade of revision 1 because values changed", ch)
	}
	if got, want := objStrings(ch.Objects), []string{"update ConfigMap/web -n " + ns, "update Deployment/web -n " + ns}; strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("plan objects = %q, want %q", got, want)
	}
	if after := resourceVersions(t, cs, ns); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("plan wrote objects: %v → %v", before, after)
	}
	if n := helmRevisions(t, cs, ns, "web"); n != 1 {
		t.Errorf("plan added helm revisions: %d", n)
	}
	ch, err = c.Apply(ctx, rel2)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != helm.ActionUpgrade || ch.Revision != 2 || configMessage(t, cs, ns) != "two" {
		t.Fatalf("upgrade = %s revision %d message %q, want upgrade revision 2 message two", ch.Action, ch.Revision, configMessage(t, cs, ns))
	}

	// A new chart version (from the .tgz) upgrades too.
	rel3 := webRelease(ns, "0.2.0", map[string]any{"message": "two"})
	ch, err = c.Apply(ctx, rel3)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != helm.ActionUpgrade || ch.Revision != 3 || ch.Reason != "chart web 0.1.0 → web 0.2.0" {
		t.Fatalf("chart upgrade = %+v, want upgrade to revision 3 for the chart version", ch)
	}

	// An upgrade whose pods can never be scheduled fails within its timeout
	// and is rolled back: revision 3's objects keep serving.
	bad := webRelease(ns, "0.2.0", map[string]any{"message": "never", "nodeSelector": map[string]any{"aura.test/no-such-pool": "x"}})
	bad.Timeout = 8 * time.Second
	t0 := time.Now()
	_, err = c.Apply(ctx, bad)
	took := time.Since(t0)
	if err == nil {
		t.Fatal("upgrade to an unschedulable Deployment succeeded")
	}
	t.Logf("failed upgrade after %s: %v", took.Round(time.Millisecond), err)
	if !strings.Contains(err.Error(), "rolled back, revision 5 (chart web 0.2.0) is deployed") {
		t.Errorf("failed upgrade error does not say what is serving: %v", err)
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("error leaks the password: %v", err)
	}
	if took > bad.Timeout+45*time.Second {
		t.Errorf("failed upgrade took %s with an 8s timeout", took)
	}
	st, err = c.Status(ctx, "web", ns)
	if err != nil || st.Revision != 5 || st.State != "deployed" || st.ChartVersion != "0.2.0" {
		t.Fatalf("status after the rollback = %+v, %v; want revision 5 deployed", st, err)
	}
	if m := configMessage(t, cs, ns); m != "two" {
		t.Errorf("after rollback the ConfigMap says %q, want two", m)
	}
	d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Spec.Template.Spec.NodeSelector) != 0 {
		t.Errorf("after rollback the Deployment still selects nodes %v", d.Spec.Template.Spec.NodeSelector)
	}
	if err := waitFor(30*time.Second, func() bool { return readyPods(t, cs, ns) >= 1 }); err != nil {
		t.Errorf("no ready pod after the rollback: %v", err)
	}
	// The rolled-back state is what is desired for rel3: nothing to do.
	if ch, err := c.Plan(ctx, rel3); err != nil || ch.Action != helm.ActionUnchanged {
		t.Errorf("plan after rollback = %+v, %v; want unchanged", ch, err)
	}

	// Uninstall removes the objects; a second one has nothing to do.
	removed, err := c.Uninstall(ctx, "web", ns)
	if err != nil || !removed {
		t.Fatalf("uninstall = %v, %v", removed, err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap still there after uninstall: %v", err)
	}
	if _, err := c.Status(ctx, "web", ns); !errors.Is(err, helm.ErrNotInstalled) {
		t.Errorf("status after uninstall: %v, want ErrNotInstalled", err)
	}
	if removed, err := c.Uninstall(ctx, "web", ns); err != nil || removed {
		t.Errorf("second uninstall = %v, %v; want false, nil", removed, err)
	}
}

// TestFailedInstallIsRemoved: an install that never becomes ready leaves no
// release and no objects behind, and a later good Apply installs cleanly.
func TestFailedInstallIsRemoved(t *testing.T) {
	env, cs, ns := cluster(t)
	c := newClient(t, env, ns, &helm.Source{Dir: chartDir(t)})
	ctx := ctx(t)
	bad := webRelease(ns, "0.1.0", map[string]any{"nodeSelector": map[string]any{"aura.test/no-such-pool": "x"}})
	bad.Timeout = 5 * time.Second
	_, err := c.Apply(ctx, bad)
	if err == nil || !strings.Contains(err.Error(), "the release was removed") {
		t.Fatalf("failed install error = %v", err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment left after a failed install: %v", err)
	}
	ch, err := c.Apply(ctx, webRelease(ns, "0.1.0", nil))
	if err != nil || ch.Action != helm.ActionInstall {
		t.Fatalf("install after a failed one = %+v, %v", ch, err)
	}
}

func objStrings(objs []helm.ObjectChange) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.String())
	}
	return out
}

func waitFor(d time.Duration, ok func() bool) error {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if ok() {
			return nil
		}
	}
	return fmt.Errorf("not within %s", d)
}
