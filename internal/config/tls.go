package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"
)

// EndpointTLS is the certificate every endpoint core and deploy_system expose
// is served with (Azure Bot Service accepts only an HTTPS messaging
// endpoint): a certificate covering the environment's host names, usually
// the wildcard of the DNS zone, and its key. Without it the ingress
// controller's default certificate is served.
type EndpointTLS struct {
	// PEM certificate, then its intermediates.
	Certificate string `yaml:"certificate"`
	// PEM private key (vault it).
	Key string `yaml:"key" secret:"true"`
}

// certWarnDays is how long before expiry every command warns.
const certWarnDays = 30

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
		return
	case t.Key == "":
		v.missing("tls.key", " with tls.certificate")
		return
	case t.Certificate == "":
		v.missing("tls.certificate", " with tls.key")
		return
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
	case left < certWarnDays*24*time.Hour:
		v.warnf("tls.certificate", "expires on %s (in %d days): renew it and run deploy_system and deploy_core", leaf.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24))
	}
	if probe := "services-" + v.cfg.Derived.EnvironmentName + "." + DNSZone; leaf.VerifyHostname(probe) != nil {
		v.errf("tls.certificate", "does not cover the environment's host names (e.g. %s): it names %s; use a certificate for *.%s", probe, certNames(leaf), DNSZone)
	}
}

func certNames(c *x509.Certificate) string {
	if len(c.DNSNames) == 0 {
		return fmt.Sprintf("only %q", c.Subject.CommonName)
	}
	return fmt.Sprintf("%q", c.DNSNames)
}
