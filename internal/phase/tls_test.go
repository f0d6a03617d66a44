package phase

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/testcert"
)

func tlsConfig(t *testing.T, names ...string) (extra, key string) {
	cert, key := testcert.New(t, time.Now().AddDate(1, 0, 0), names...)
	return "tls:\n  certificate: " + strconv.Quote(cert) + "\n  key: " + strconv.Quote(key) + "\n", key
}

// checkServesTLS fails unless every VirtualServer of objs serves aura-tls
// and redirects to HTTPS (or, want false, none has a tls block).
func checkServesTLS(t *testing.T, objs []*unstructured.Unstructured, want bool) int {
	t.Helper()
	n := 0
	for _, o := range objs {
		if o.GetKind() != "VirtualServer" {
			continue
		}
		n++
		secret, _, _ := unstructured.NestedString(o.Object, "spec", "tls", "secret")
		redirect, _, _ := unstructured.NestedBool(o.Object, "spec", "tls", "redirect", "enable")
		if strings.Contains(o.GetName(), "-legacy-") {
			if secret != "" { // outside the zone's certificate
				t.Errorf("legacy VirtualServer %s serves the zone's certificate", o.GetName())
			}
			continue
		}
		if want && (secret != tlsSecretName || !redirect) || !want && secret != "" {
			t.Errorf("VirtualServer %s/%s: tls secret %q, redirect %v", o.GetNamespace(), o.GetName(), secret, redirect)
		}
	}
	return n
}

// TestEndpointsServeTheConfiguredCertificate: with tls.certificate, every
// core and management VirtualServer serves it from the aura-tls Secret of
// its namespace, and cert-manager is neither installed nor asked.
func TestEndpointsServeTheConfiguredCertificate(t *testing.T) {
	extra, key := tlsConfig(t, "*."+config.DNSZone)
	e, _ := operatorEnv(t, extra+"next_domains_enabled: true\nlegacy_services_domain: aura.example.de\n")
	objs := renderedCore(t, e)
	if n := checkServesTLS(t, objs, true); n == 0 {
		t.Fatal("no VirtualServer rendered")
	}
	sec := find(objs, "Secret", e.CoreNamespace(), tlsSecretName)
	if sec == nil {
		t.Fatal("no TLS Secret in the core namespace")
	}
	if typ, _, _ := unstructured.NestedString(sec.Object, "type"); typ != "kubernetes.io/tls" {
		t.Errorf("Secret type %q", typ)
	}
	// The -next VirtualServers live in the system namespace, whose aura-tls
	// deploy_system creates.
	if find(objs, "VirtualServer", e.Cfg.Derived.SystemNamespace, "services-next-"+e.Cfg.Derived.EnvironmentName) == nil {
		t.Error("no -next VirtualServer in the system namespace")
	}
	if s := e.tlsObject(e.Cfg.Derived.SystemNamespace); s == nil || s.GetKind() != "Secret" {
		t.Error("no TLS Secret for the system namespace")
	}
	if on, err := chartEnabled(certManagerRelease(t, e), e.templateContext()); err != nil || on {
		t.Errorf("cert-manager enabled %v (%v) with a configured certificate", on, err)
	}
	if cm, err := e.certManagerStackObjects(); err != nil || len(cm) != 0 {
		t.Errorf("cert-manager objects with a configured certificate: %v %v", cm, err)
	}
	if find(objs, "Certificate", e.CoreNamespace(), tlsSecretName) != nil {
		t.Error("a Certificate beside the configured certificate")
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{strings.Split(key, "\n")[1]})
	}

	me, _, stack := monitoringObjects(t, extra)
	checkServesTLS(t, stack, true)
	if err := me.checkCertCovers(stack); err != nil {
		t.Errorf("management pages: %v", err)
	}
}

// TestCertificateMustCoverEveryHost: a host the certificate does not cover
// stops the phase before it changes anything, naming the host.
func TestCertificateMustCoverEveryHost(t *testing.T) {
	extra, _ := tlsConfig(t, "services-ap-dev."+config.DNSZone)
	e := testEnv(t, extra)
	vs := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"host": "gateway-ap-dev." + config.DNSZone,
		"tls": map[string]any{"secret": tlsSecretName}}}}
	vs.SetKind("VirtualServer")
	vs.SetName("gateway-ap-dev")
	vs.SetNamespace("aura-ap-dev")
	err := e.checkCertCovers([]*unstructured.Unstructured{vs})
	if err == nil || !strings.Contains(err.Error(), "does not cover gateway-ap-dev."+config.DNSZone) {
		t.Fatalf("error %v, want the uncovered host named", err)
	}
}
