package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/mail"
	"net/url"
	"time"
)

// EndpointTLS is the certificate every endpoint core and deploy_system expose
// is served with (Azure Bot Service accepts only an HTTPS messaging
// endpoint): a certificate covering the environment's host names, usually
// the wildcard of the DNS zone, and its key. Without it deploy_system
// installs cert-manager, which issues the same Secret (tls_certmanager.go in
// internal/phase): through ACME DNS-01 on the environment's Azure DNS zone
// on azure, from a local CA on the local provider.
type EndpointTLS struct {
	// PEM certificate, then its intermediates.
	Certificate string `yaml:"certificate"`
	// PEM private key (vault it).
	Key string `yaml:"key" secret:"true"`
	// The ACME account cert-manager uses when no certificate is given.
	ACME ACME `yaml:"acme"`
}

// ACME is the certificate authority cert-manager asks on azure.
type ACME struct {
	// Where the CA tells of expiry and problems; required on azure without
	// tls.certificate.
	Email string `yaml:"email" jsonschema:"format=email"`
	// The ACME directory (default Let's Encrypt production).
	Server string `yaml:"server"`
}

// Issued reports whether cert-manager issues the endpoints' certificate:
// the config gives none.
func (t EndpointTLS) Issued() bool { return t.Certificate == "" }

// CertWarnDays is how long before expiry every command (and the plan, for
// an issued certificate) warns.
const CertWarnDays = 30

// DefaultACMEServer is tls.acme.server's default: Let's Encrypt production.
const DefaultACMEServer = "https://acme-v02.api.letsencrypt.org/directory"

// Leaf parses the certificate and checks that the key is its key.
func (t EndpointTLS) Leaf() (*x509.Certificate, error) {
	pair, err := tls.X509KeyPair([]byte(t.Certificate), []byte(t.Key))
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(pair.Certificate[0])
}

func init() { rules = append(rules, ruleTLS) }

func ruleTLS(v *validator) {
	t := v.cfg.TLS
	switch {
	case t.Certificate == "" && t.Key == "":
		ruleACME(v)
		return
	case t.Key == "":
		v.missing("tls.key", " with tls.certificate")
		return
	case t.Certificate == "":
		v.missing("tls.certificate", " with tls.key")
		return
	}
	if t.ACME.Email != "" {
		v.warnf("tls.acme.email", "is not used: tls.certificate is given, so cert-manager is not installed")
	}
	leaf, err := t.Leaf()
	if err != nil {
		// crypto/tls's messages name the PEM blocks, never key material.
		v.errf("tls.certificate", "with tls.key: %v", err)
		return
	}
	left := time.Until(leaf.NotAfter)
	switch {
	case left <= 0:
		v.errf("tls.certificate", "expired on %s", leaf.NotAfter.UTC().Format(time.DateOnly))
	case left < CertWarnDays*24*time.Hour:
		v.warnf("tls.certificate", "expires on %s (in %d days): renew it and run deploy_system and deploy_core", leaf.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24))
	}
	if probe := "services-" + v.cfg.Derived.EnvironmentName + "." + DNSZone; leaf.VerifyHostname(probe) != nil {
		v.errf("tls.certificate", "does not cover the environment's host names (e.g. %s): it names %s; use a certificate for *.%s", probe, certNames(leaf), DNSZone)
	}
}

// CertManagerClouds are cert-manager's names (its azureDNS solver's
// "environment") of the azure.cloud values it knows; a Custom cloud has
// none there.
var CertManagerClouds = map[string]string{
	"":                  "AzurePublicCloud",
	"AzurePublic":       "AzurePublicCloud",
	"AzureChina":        "AzureChinaCloud",
	"AzureUSGovernment": "AzureUSGovernmentCloud",
}

// ruleACME checks what cert-manager needs on azure, where the certificate
// comes from the ACME server (the local provider's comes from a local CA).
// The ACME account's email defaults to notifications_email, which every
// configuration has: expiry mail goes where the alerts go.
func ruleACME(v *validator) {
	a := v.cfg.TLS.ACME
	if a.Server != "" {
		if u, err := url.Parse(a.Server); err != nil || u.Scheme != "https" || u.Host == "" {
			v.errf("tls.acme.server", "must be the https:// URL of an ACME directory, not %q", a.Server)
		}
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			v.errf("tls.acme.email", "must be an email address such as ops@example.com, not %q", a.Email)
		}
	}
	if v.cfg.Provider != "azure" {
		return
	}
	if a.Email == "" && v.cfg.NotificationsEmail == "" {
		v.missing("tls.acme.email", " on azure without tls.certificate: cert-manager registers the ACME account that issues the endpoints' certificate with it")
	}
	if _, ok := CertManagerClouds[v.cfg.Azure.Cloud]; !ok {
		// A warning, not an error: a Custom cloud is also how aura is tested
		// against a cloud on this machine, where nothing is issued anyway.
		v.warnf("tls.certificate", "is needed with azure.cloud %s: cert-manager's Azure DNS solver knows only the public, China and US Government clouds, so no certificate will be issued", v.cfg.Azure.Cloud)
	}
}

func certNames(c *x509.Certificate) string {
	if len(c.DNSNames) == 0 {
		return fmt.Sprintf("only %q", c.Subject.CommonName)
	}
	return fmt.Sprintf("%q", c.DNSNames)
}
