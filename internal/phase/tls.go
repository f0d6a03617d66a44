package phase

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// tlsSecretName is the TLS Secret every VirtualServer of the environment
// serves, in its own namespace (NGINX reads a VirtualServer's secret from
// the VirtualServer's namespace): the configured certificate, or the one
// cert-manager issues (tls_certmanager.go).
const tlsSecretName = "aura-tls"

// tlsObject is what makes namespace ns's aura-tls: the configured
// certificate as a Secret, or the cert-manager Certificate that issues it
// (nil when ns serves no host).
func (e *Env) tlsObject(ns string) *unstructured.Unstructured {
	t := e.Cfg.TLS
	if t.Issued() {
		return e.certificate(ns)
	}
	return newSecret(tlsSecretName, ns, "kubernetes.io/tls", map[string]any{"tls.crt": t.Certificate, "tls.key": t.Key})
}

// tlsContext is what the route templates need: the Secret to name. There
// always is one, configured or issued.
func (e *Env) tlsContext() string { return tlsSecretName }

// checkCertCovers refuses, before anything changes, a VirtualServer whose
// host the certificate of its namespace does not cover: every client (Bot
// Service first) would refuse the connection. The configured certificate
// is checked by its names; an issued one by the names aura asks for.
func (e *Env) checkCertCovers(objs []*unstructured.Unstructured) error {
	issued := e.Cfg.TLS.Issued()
	var verify func(host, ns string) error
	if issued {
		verify = func(host, ns string) error {
			if names := e.tlsDNSNames(ns); !slices.Contains(names, host) {
				return fmt.Errorf("the certificate cert-manager issues for namespace %s names %q", ns, names)
			}
			return nil
		}
	} else {
		leaf, err := e.Cfg.TLS.Leaf()
		if err != nil {
			return fmt.Errorf("tls.certificate: %w", err)
		}
		verify = func(host, _ string) error {
			if err := leaf.VerifyHostname(host); err != nil {
				return fmt.Errorf("tls.certificate names %q", leaf.DNSNames)
			}
			return nil
		}
	}
	for _, o := range objs {
		if o.GetKind() != "VirtualServer" {
			continue
		}
		if secret, _, _ := unstructured.NestedString(o.Object, "spec", "tls", "secret"); secret != tlsSecretName {
			continue
		}
		host, _, _ := unstructured.NestedString(o.Object, "spec", "host")
		if err := verify(host, o.GetNamespace()); err != nil {
			what := "tls.certificate"
			if issued {
				what = "the issued certificate"
			}
			return fmt.Errorf("%s does not cover %s (VirtualServer %s/%s): %w", what, host, o.GetNamespace(), o.GetName(), err)
		}
	}
	return nil
}
