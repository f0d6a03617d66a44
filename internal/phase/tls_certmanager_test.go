package phase

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/testcert"
)

func certManagerRelease(t *testing.T, e *Env) release.Chart {
	t.Helper()
	for _, ch := range e.Release.Charts {
		if ch.Name == certManagerChart {
			return ch
		}
	}
	t.Fatal("the release manifest has no cert-manager chart")
	return release.Chart{}
}

func nested(t *testing.T, o *unstructured.Unstructured, path ...string) string {
	t.Helper()
	if o == nil {
		t.Fatalf("no object to read %v from", path)
	}
	s, _, err := unstructured.NestedString(o.Object, path...)
	if err != nil {
		t.Fatalf("%s %s: %v: %v", o.GetKind(), o.GetName(), path, err)
	}
	return s
}

func dnsNamesOf(t *testing.T, c *unstructured.Unstructured) []string {
	t.Helper()
	if c == nil {
		t.Fatal("no Certificate")
	}
	names, _, err := unstructured.NestedStringSlice(c.Object, "spec", "dnsNames")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestCertManagerIssuesOnLocal: without tls.certificate, deploy_system
// installs cert-manager and a local CA (self-signed issuer → CA
// certificate → CA issuer), and each namespace's aura-tls comes from a
// Certificate naming exactly the hosts its VirtualServers serve: every
// VirtualServer serves aura-tls, as with a configured certificate.
func TestCertManagerIssuesOnLocal(t *testing.T) {
	e, _ := operatorEnv(t, "next_domains_enabled: true\n")
	env, sys := e.Cfg.Derived.EnvironmentName, e.Cfg.Derived.SystemNamespace
	if on, err := chartEnabled(certManagerRelease(t, e), e.templateContext()); err != nil || !on {
		t.Fatalf("cert-manager chart enabled %v (%v) without tls.certificate", on, err)
	}

	core := renderedCore(t, e)
	if n := checkServesTLS(t, core, true); n == 0 {
		t.Fatal("no VirtualServer rendered")
	}
	if find(core, "Secret", e.CoreNamespace(), tlsSecretName) != nil {
		t.Error("deploy_core renders aura-tls itself: cert-manager's copy would be overwritten")
	}
	cert := find(core, "Certificate", e.CoreNamespace(), tlsSecretName)
	var hosts []string
	for _, o := range core {
		if o.GetKind() == "VirtualServer" && o.GetNamespace() == e.CoreNamespace() && nested(t, o, "spec", "tls", "secret") != "" {
			hosts = append(hosts, nested(t, o, "spec", "host"))
		}
	}
	sort.Strings(hosts)
	if got := dnsNamesOf(t, cert); !slices.Equal(got, hosts) {
		t.Errorf("core Certificate names %q, want the core VirtualServers' hosts %q", got, hosts)
	}
	if nested(t, cert, "spec", "secretName") != tlsSecretName || nested(t, cert, "spec", "issuerRef", "kind") != "ClusterIssuer" ||
		nested(t, cert, "spec", "issuerRef", "name") != "aura-"+env {
		t.Errorf("core Certificate spec %v", cert.Object["spec"])
	}
	if err := e.checkCertCovers(core); err != nil {
		t.Errorf("core: %v", err)
	}

	pre, err := e.certManagerSystemObjects()
	if err != nil || len(pre) != 0 {
		t.Errorf("local: objects before the charts %v, %v; want none (no solver credentials)", pre, err)
	}
	stack, err := e.certManagerStackObjects()
	if err != nil {
		t.Fatal(err)
	}
	self := find(stack, "ClusterIssuer", "", "aura-"+env+"-selfsigned")
	ca := find(stack, "Certificate", e.certManagerNamespace(), "aura-"+env+"-ca")
	issuer := find(stack, "ClusterIssuer", "", "aura-"+env)
	if self == nil || ca == nil || issuer == nil {
		t.Fatalf("local CA chain incomplete: %v", stack)
	}
	if isCA, _, _ := unstructured.NestedBool(ca.Object, "spec", "isCA"); !isCA || nested(t, ca, "spec", "issuerRef", "name") != self.GetName() {
		t.Errorf("CA certificate spec %v", ca.Object["spec"])
	}
	if nested(t, issuer, "spec", "ca", "secretName") != nested(t, ca, "spec", "secretName") {
		t.Errorf("the CA issuer signs with %q, the CA certificate is in %q", nested(t, issuer, "spec", "ca", "secretName"), nested(t, ca, "spec", "secretName"))
	}
	if _, acme, _ := unstructured.NestedMap(issuer.Object, "spec", "acme"); acme {
		t.Error("an ACME issuer on local, which has no public DNS")
	}

	// The system namespace: the management pages and, whatever the flags,
	// every -next name (deploy_core's -next VirtualServers live there).
	sysCert := find(stack, "Certificate", sys, tlsSecretName)
	names := dnsNamesOf(t, sysCert)
	for _, want := range []string{e.managementHost("dashboard"), e.managementHost("raw_logs"), e.DNSNameOf("services", true), e.DNSNameOf("gateway", true)} {
		if !slices.Contains(names, want) {
			t.Errorf("system Certificate lacks %s: %q", want, names)
		}
	}
	var next int
	for _, o := range core {
		if o.GetKind() == "VirtualServer" && o.GetNamespace() == sys {
			next++
		}
	}
	if next == 0 {
		t.Fatal("no -next VirtualServer in the system namespace")
	}
	_, _, mgmt := monitoringObjects(t, "")
	if n := checkServesTLS(t, mgmt, true); n == 0 {
		t.Fatal("no management VirtualServer")
	}
	if err := e.checkCertCovers(mgmt); err != nil {
		t.Errorf("management pages: %v", err)
	}
}

// TestCertManagerIssuesThroughAzureDNS: on azure the ClusterIssuer is an
// ACME account (tls.acme, the email defaulting to notifications_email)
// solving DNS-01 in the environment's zone with the service principal,
// whose secret is only in the Secret the issuer names and is redacted.
func TestCertManagerIssuesThroughAzureDNS(t *testing.T) {
	const spSecret = "sp-Secret~value.1234567890"
	creds := &credentials.Credentials{ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: credentials.Secret(spSecret),
		SubscriptionID: "66666666-7777-8888-9999-000000000000", TenantID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}
	azureEnv := func(extra string) (*Env, *[]string) {
		e, _ := operatorEnv(t, extra)
		e.Cfg.Provider, e.Credentials = "azure", creds
		var learnt []string
		e.LearnSecrets = func(v ...string) { learnt = append(learnt, v...) }
		return e, &learnt
	}

	for _, tc := range []struct {
		name, extra, cloud, email, server, environment string
	}{
		{"defaults", "", "", "", "https://acme-v02.api.letsencrypt.org/directory", "AzurePublicCloud"},
		{"staging, own email, China", "tls: {acme: {email: certs@example.com, server: 'https://acme-staging-v02.api.letsencrypt.org/directory'}}\n",
			"AzureChina", "certs@example.com", "https://acme-staging-v02.api.letsencrypt.org/directory", "AzureChinaCloud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, learnt := azureEnv(tc.extra)
			e.Cfg.Azure.Cloud = tc.cloud
			if tc.email == "" {
				tc.email = e.Cfg.NotificationsEmail
			}
			pre, err := e.certManagerSystemObjects()
			if err != nil {
				t.Fatal(err)
			}
			stack, err := e.certManagerStackObjects()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(*learnt, spSecret) {
				t.Error("the client secret is not redacted from output")
			}
			secret := find(pre, "Secret", e.certManagerNamespace(), e.azureDNSSecretName())
			issuer := find(stack, "ClusterIssuer", "", e.issuerName())
			if secret == nil || issuer == nil {
				t.Fatalf("rendered %v and %v; want the solver's Secret and the ClusterIssuer", pre, stack)
			}
			ref := []string{"spec", "acme", "solvers"}
			solvers, _, _ := unstructured.NestedSlice(issuer.Object, ref...)
			if len(solvers) != 1 {
				t.Fatalf("solvers %v", solvers)
			}
			dns := &unstructured.Unstructured{Object: solvers[0].(map[string]any)}
			z := e.zone()
			for path, want := range map[string]string{
				"dns01.azureDNS.clientID":                   creds.ClientID,
				"dns01.azureDNS.tenantID":                   creds.TenantID,
				"dns01.azureDNS.subscriptionID":             creds.SubscriptionID,
				"dns01.azureDNS.resourceGroupName":          z.ResourceGroup,
				"dns01.azureDNS.hostedZoneName":             z.Name,
				"dns01.azureDNS.environment":                tc.environment,
				"dns01.azureDNS.clientSecretSecretRef.name": secret.GetName(),
			} {
				if got := nested(t, dns, strings.Split(path, ".")...); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
			key := nested(t, dns, "dns01", "azureDNS", "clientSecretSecretRef", "key")
			if got := nested(t, secret, "stringData", key); got != spSecret {
				t.Errorf("the Secret's %q holds %q, not the client secret", key, got)
			}
			if got := nested(t, issuer, "spec", "acme", "email"); got != tc.email {
				t.Errorf("ACME email %q, want %q", got, tc.email)
			}
			if got := nested(t, issuer, "spec", "acme", "server"); got != tc.server {
				t.Errorf("ACME server %q, want %q", got, tc.server)
			}
			for _, o := range append(stack, renderedCore(t, e)...) {
				checkNoSecret(t, o, []string{spSecret})
			}
			if c := find(stack, "Certificate", e.Cfg.Derived.SystemNamespace, tlsSecretName); c == nil || nested(t, c, "spec", "issuerRef", "name") != issuer.GetName() {
				t.Errorf("the system Certificate does not use the ACME issuer: %v", c)
			}
			if find(stack, "ClusterIssuer", "", e.issuerName()+"-selfsigned") != nil {
				t.Error("the local CA on azure")
			}
		})
	}

	e, _ := azureEnv("")
	e.Credentials = nil
	if _, err := e.certManagerSystemObjects(); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("no credentials: %v, want an error naming them", err)
	}
}

// TestIssuedCertificateMustCoverEveryHost: a VirtualServer serving a host
// the namespace's Certificate does not name stops the phase, naming it.
func TestIssuedCertificateMustCoverEveryHost(t *testing.T) {
	e := testEnv(t, "")
	vs := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"host": "other-ap-dev.auracognitive.com",
		"tls": map[string]any{"secret": tlsSecretName}}}}
	vs.SetKind("VirtualServer")
	vs.SetName("other-ap-dev")
	vs.SetNamespace(e.CoreNamespace())
	err := e.checkCertCovers([]*unstructured.Unstructured{vs})
	if err == nil || !strings.Contains(err.Error(), "does not cover other-ap-dev.auracognitive.com") {
		t.Fatalf("error %v, want the uncovered host named", err)
	}
}

// TestCertificateExpiryInThePlan: the plan says when a configured
// certificate expires (an issued one's expiry is read from the cluster:
// internal/phase/integration TestCertManagerLifecycle).
func TestCertificateExpiryInThePlan(t *testing.T) {
	notAfter := time.Now().AddDate(0, 0, 200)
	cert, key := testcert.New(t, notAfter, "*.auracognitive.com")
	extra := "tls:\n  certificate: " + strconv.Quote(cert) + "\n  key: " + strconv.Quote(key) + "\n"
	for _, tc := range []struct{ name, extra, want string }{
		{"configured", extra, "tls.certificate, expires on " + notAfter.UTC().Format(time.DateOnly) + " (in 199 days)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv(t, tc.extra)
			var notes, warnings []string
			e.Notify = func(m string) { notes = append(notes, m) }
			e.Warn = func(m string) { warnings = append(warnings, m) }
			a := e.tlsExpiryAction(e.CoreNamespace())
			ch, err := a.Observe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(ch) != 1 || ch[0].Changed() || ch[0].Detail != tc.want {
				t.Errorf("changes %v, want one unchanged %q", ch, tc.want)
			}
			if len(notes) != 1 || !strings.Contains(notes[0], tc.want) || len(warnings) != 0 {
				t.Errorf("notes %q, warnings %q", notes, warnings)
			}
		})
	}
}
