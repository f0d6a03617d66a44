package phase

import (
	"errors"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/config"
)

// Without tls.certificate, cert-manager (a chart of the release manifest,
// enabled by cert_manager_enabled) issues aura-tls in every namespace that
// serves the environment's hosts:
//   - a ClusterIssuer aura-<environment>: on azure an ACME account (tls.acme)
//     solving DNS-01 in the environment's Azure DNS zone with the service
//     principal; on local, where no public DNS exists, a CA of its own
//     (a self-signed ClusterIssuer signs the CA, the CA signs aura-tls), so
//     the same objects and the same Secret exist on both;
//   - a Certificate aura-tls per namespace, naming exactly the hosts its
//     VirtualServers serve, not the zone's wildcard: every environment
//     and namespace then asks the ACME server for a different set of names
//     (Let's Encrypt refuses a sixth identical set in a week) and writes
//     its own _acme-challenge records (a shared wildcard's challenge record
//     would be written by every environment at once).
// deploy_system makes the issuer and the system namespace's Certificate
// (system/stack's step, after the chart brought the CRDs); deploy_core the
// core namespace's.

const (
	certManagerChart = "cert-manager"
	certManagerGroup = "cert-manager.io"
	certManagerAPI   = certManagerGroup + "/v1"
	// The key of the Azure DNS solver's Secret holding the client secret.
	azureDNSSecretKey = "client-secret"
)

// certManagerNamespace is where the chart runs: its cluster resource
// namespace, where a ClusterIssuer's Secrets live.
func (e *Env) certManagerNamespace() string {
	for _, ch := range e.Release.Charts {
		if ch.Name == certManagerChart && ch.Namespace != "" {
			return ch.Namespace
		}
	}
	return certManagerChart
}

func (e *Env) issuerName() string { return "aura-" + e.Cfg.Derived.EnvironmentName }

// acmeIssuer: on azure the certificate comes from the ACME server; the
// local provider has no public DNS for a DNS-01 challenge.
func (e *Env) acmeIssuer() bool { return e.Cfg.Provider == "azure" }

func (e *Env) azureDNSSecretName() string { return e.issuerName() + "-azuredns" }

// tlsDNSNames are the hosts namespace ns serves with aura-tls: the core
// namespace the enabled components' names; the system namespace the
// management pages and the -next names, which the -next VirtualServers
// deploy_core puts there serve. The -next names of every component of the
// release are asked for whatever next_domains_enabled and the component
// flags say, so that deploy_core's changes of them never need a new
// deploy_system (a DNS-01 challenge needs no record of the name itself).
func (e *Env) tlsDNSNames(ns string) []string {
	var out []string
	if ns != e.Cfg.Derived.SystemNamespace {
		for _, h := range e.serviceHosts() {
			out = append(out, e.DNSNameOf(h, false))
		}
		return out
	}
	for _, p := range managementPages {
		out = append(out, e.managementHost(p))
	}
	for _, c := range e.Release.Components {
		if c.Ingress != nil {
			if n := e.DNSNameOf(c.Ingress.Host, true); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// certificate is the Certificate that issues aura-tls in namespace ns, or
// nil when ns serves no host.
func (e *Env) certificate(ns string) *unstructured.Unstructured {
	names := e.tlsDNSNames(ns)
	if len(names) == 0 {
		return nil
	}
	c := e.cmObject("Certificate", tlsSecretName, ns, map[string]any{
		"secretName": tlsSecretName,
		"dnsNames":   toAny(names),
		"issuerRef":  map[string]any{"group": certManagerGroup, "kind": "ClusterIssuer", "name": e.issuerName()},
		// A renewal gets a new key: a key that leaked stops working.
		"privateKey": map[string]any{"rotationPolicy": "Always"},
	})
	return c
}

// certManagerSystemObjects are the objects deploy_system applies before
// the charts: the Azure DNS solver's client secret (in cert-manager's
// namespace, which that step creates). Nil with a configured certificate
// or on local.
func (e *Env) certManagerSystemObjects() ([]*unstructured.Unstructured, error) {
	if !e.Cfg.TLS.Issued() || !e.acmeIssuer() {
		return nil, nil
	}
	cr := e.Credentials
	if cr == nil || cr.ClientSecret == "" {
		return nil, errors.New("tls: without tls.certificate, cert-manager writes the ACME DNS-01 records with the service principal's credentials, and there are none (-c credentials.json or the AZURE_* variables)")
	}
	secret := cr.ClientSecret.Reveal()
	if e.LearnSecrets != nil {
		e.LearnSecrets(secret)
	}
	return []*unstructured.Unstructured{newSecret(e.azureDNSSecretName(), e.certManagerNamespace(), "Opaque", map[string]any{azureDNSSecretKey: secret})}, nil
}

// certManagerStackObjects are the issuer and the system namespace's
// Certificate, applied after the chart installed their CRDs.
func (e *Env) certManagerStackObjects() ([]*unstructured.Unstructured, error) {
	if !e.Cfg.TLS.Issued() {
		return nil, nil
	}
	var out []*unstructured.Unstructured
	if e.acmeIssuer() {
		iss, err := e.acmeClusterIssuer()
		if err != nil {
			return nil, err
		}
		out = append(out, iss)
	} else {
		out = append(out, e.localCA()...)
	}
	if c := e.certificate(e.Cfg.Derived.SystemNamespace); c != nil {
		out = append(out, c)
	}
	return out, nil
}

// acmeClusterIssuer asks the ACME server, proving each name through a TXT
// record in the environment's Azure DNS zone; the client secret stays in its
// Secret, referenced by name.
func (e *Env) acmeClusterIssuer() (*unstructured.Unstructured, error) {
	cr := e.Credentials
	if cr == nil {
		return nil, errors.New("tls: without tls.certificate, cert-manager writes the ACME DNS-01 records with the service principal's credentials, and there are none (-c credentials.json or the AZURE_* variables)")
	}
	a := e.Cfg.TLS.ACME
	email, server := a.Email, a.Server
	if email == "" {
		email = e.Cfg.NotificationsEmail
	}
	if server == "" {
		server = config.DefaultACMEServer
	}
	z := e.zone()
	solver := map[string]any{
		"clientID":              cr.ClientID,
		"clientSecretSecretRef": map[string]any{"name": e.azureDNSSecretName(), "key": azureDNSSecretKey},
		"subscriptionID":        cr.SubscriptionID,
		"tenantID":              cr.TenantID,
		"resourceGroupName":     z.ResourceGroup,
		"hostedZoneName":        z.Name,
	}
	if env, ok := config.CertManagerClouds[e.Cfg.Azure.Cloud]; ok {
		solver["environment"] = env
	}
	return e.cmObject("ClusterIssuer", e.issuerName(), "", map[string]any{"acme": map[string]any{
		"server":              server,
		"email":               email,
		"privateKeySecretRef": map[string]any{"name": e.issuerName() + "-acme-account"},
		"solvers":             []any{map[string]any{"dns01": map[string]any{"azureDNS": solver}}},
	}}), nil
}

// localCA is the local provider's issuer: a self-signed issuer signs a CA
// certificate, whose ClusterIssuer signs aura-tls (one CA to trust, not
// one self-signed certificate per namespace).
func (e *Env) localCA() []*unstructured.Unstructured {
	self, ca := e.issuerName()+"-selfsigned", e.issuerName()+"-ca"
	return []*unstructured.Unstructured{
		e.cmObject("ClusterIssuer", self, "", map[string]any{"selfSigned": map[string]any{}}),
		e.cmObject("Certificate", ca, e.certManagerNamespace(), map[string]any{
			"isCA":       true,
			"commonName": "Aura " + e.Cfg.Derived.EnvironmentName + " local CA",
			"secretName": ca,
			"privateKey": map[string]any{"algorithm": "ECDSA", "size": int64(256)},
			"issuerRef":  map[string]any{"group": certManagerGroup, "kind": "ClusterIssuer", "name": self},
		}),
		e.cmObject("ClusterIssuer", e.issuerName(), "", map[string]any{"ca": map[string]any{"secretName": ca}}),
	}
}

func (e *Env) cmObject(kind, name, ns string, spec map[string]any) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	o.SetAPIVersion(certManagerAPI)
	o.SetKind(kind)
	o.SetName(name)
	if ns != "" {
		o.SetNamespace(ns)
	}
	o.SetLabels(map[string]string{"app.kubernetes.io/part-of": "aura", "app.kubernetes.io/instance": e.Cfg.Derived.EnvironmentName})
	return o
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
