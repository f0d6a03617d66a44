package integration

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/testcert"
	"github.com/auracognitive/aurak8s/internal/testenv"
	"github.com/auracognitive/aurak8s/internal/ui"
)

var (
	gvrCertificate   = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}
	gvrClusterIssuer = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "clusterissuers"}
)

// planOutput runs `aura plan deploy_system` as the command does: the
// runner's events and the phase's notes and warnings through one printer.
func planOutput(t *testing.T, e *phase.Env) string {
	t.Helper()
	var buf bytes.Buffer
	p := ui.New(&buf, ui.Options{})
	e.Notify = func(m string) { p.Info("deploy_system", m) }
	e.Warn = func(m string) { p.Warn("deploy_system", m) }
	if _, err := (&phase.Runner{DryRun: true, Reporter: p}).Run(context.Background(), phase.System(e)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	return buf.String()
}

// TestCertManagerLifecycle: without tls.certificate, deploy_system on the
// local provider installs cert-manager, its CA issuer and the system
// namespace's Certificate; `aura plan` says the certificate is to be
// issued, then, once cert-manager wrote aura-tls, when it expires, warning
// 30 days ahead; a re-run changes nothing (cert-manager's Secret included)
// and delete_system takes cert-manager, its CRDs and namespace along.
func TestCertManagerLifecycle(t *testing.T) {
	w := newWorld(t)
	run(t, phase.Common(w.env()), false)
	e := w.env()
	env := e.Cfg.Derived.EnvironmentName

	out := planOutput(t, e)
	for _, want := range []string{"certificate aura-system/aura-tls: to be issued by cert-manager, ClusterIssuer aura-" + env,
		"create helm release cert-manager/cert-manager (cert-manager v1.16.2)", "create ClusterIssuer aura-" + env, "create Certificate aura-system/aura-tls"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan of a fresh cluster lacks %q:\n%s", want, out)
		}
	}

	// deploy_core before deploy_system stops before it changes anything.
	if _, err := (&phase.Runner{}).Run(context.Background(), phase.Core(w.env())); err == nil ||
		!strings.Contains(err.Error(), "Certificate (cert-manager.io/v1, from cert-manager)") || !strings.Contains(err.Error(), "run `aura deploy_system` first") {
		t.Errorf("deploy_core before deploy_system: %v", err)
	}
	if botChannel(t, w.env()) {
		t.Error("deploy_core before deploy_system registered the bot channel")
	}

	run(t, phase.System(w.env()), false)
	issuer := get(t, gvrClusterIssuer, "", "aura-"+env)
	if field(t, issuer, "spec", "ca", "secretName") != "aura-"+env+"-ca" {
		t.Errorf("ClusterIssuer spec %v", issuer.Object["spec"])
	}
	get(t, gvrCertificate, "cert-manager", "aura-"+env+"-ca")
	cert := get(t, gvrCertificate, sysNS, "aura-tls")
	if field(t, cert, "spec", "secretName") != "aura-tls" || field(t, cert, "spec", "issuerRef", "name") != "aura-"+env {
		t.Errorf("Certificate spec %v", cert.Object["spec"])
	}
	if revisions(t)["cert-manager"] != 1 {
		t.Errorf("cert-manager release revisions %v", revisions(t))
	}

	// What cert-manager does on a real cluster: write the Secret. Ten days
	// left means it failed to renew.
	notAfter := time.Now().AddDate(0, 0, 10)
	crt, key := testcert.New(t, notAfter, "dashboard-"+env+".auracognitive.com")
	s := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
		"metadata":   map[string]any{"name": "aura-tls", "namespace": sysNS, "annotations": map[string]any{"cert-manager.io/certificate-name": "aura-tls"}},
		"stringData": map[string]any{"tls.crt": crt, "tls.key": key}}}
	dyn := dynamic.NewForConfigOrDie(testenv.Get(t).Config)
	created, err := dyn.Resource(gvrSecret).Namespace(sysNS).Create(context.Background(), s, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out = planOutput(t, w.env())
	want := "warning: certificate aura-system/aura-tls: issued by cert-manager, ClusterIssuer aura-" + env + ", expires on " +
		notAfter.UTC().Format(time.DateOnly) + " (in 9 days): cert-manager has not renewed it"
	if !strings.Contains(out, want) {
		t.Errorf("the plan does not warn %q:\n%s", want, out)
	}
	if strings.Contains(out, strings.Split(key, "\n")[1]) {
		t.Error("the plan shows the private key")
	}

	again := run(t, phase.System(w.env()), false)
	if n := again.Count(ui.StateChanged); n != 0 {
		t.Errorf("re-run: %d actions changed something: %v", n, changedNames(again))
	}
	if got := get(t, gvrSecret, sysNS, "aura-tls"); got.GetResourceVersion() != created.GetResourceVersion() {
		t.Error("deploy_system touched the Secret cert-manager wrote")
	}

	run(t, phase.DeleteSystem(w.env()), false)
	if _, ok := revisions(t)["cert-manager"]; ok {
		t.Error("cert-manager still installed after delete_system")
	}
	if !absent(t, gvrNamespace, "", "cert-manager") || !absent(t, gvrCRD, "", "certificates.cert-manager.io") ||
		!absent(t, gvrClusterIssuer, "", "aura-"+env) {
		t.Error("delete_system left cert-manager's namespace, CRDs or issuer behind")
	}
}
