package phase

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// tlsSecretName is the TLS Secret every VirtualServer of the environment
// serves, in its own namespace (NGINX reads a VirtualServer's secret from
// the VirtualServer's namespace).
const tlsSecretName = "aura-tls"

// tlsSecret is the configured certificate as a Secret of namespace ns, or
// nil when the config gives none.
func (e *Env) tlsSecret(ns string) *unstructured.Unstructured {
	t := e.Cfg.TLS
	if t.Certificate == "" {
		return nil
	}
	return newSecret(tlsSecretName, ns, "kubernetes.io/tls", map[string]any{"tls.crt": t.Certificate, "tls.key": t.Key})
}

// tlsContext is what the route templates need: the Secret to name, or "".
func (e *Env) tlsContext() string {
	if e.Cfg.TLS.Certificate == "" {
		return ""
	}
	return tlsSecretName
}

// checkCertCovers refuses, before anything changes, a certificate that
// does not cover a host a VirtualServer serves it on: every client (Bot
// Service first) would refuse the connection.
func (e *Env) checkCertCovers(objs []*unstructured.Unstructured) error {
	if e.Cfg.TLS.Certificate == "" {
		return nil
	}
	leaf, err := e.Cfg.TLS.Leaf()
	if err != nil {
		return fmt.Errorf("tls.certificate: %w", err)
	}
	for _, o := range objs {
		if o.GetKind() != "VirtualServer" {
			continue
		}
		if secret, _, _ := unstructured.NestedString(o.Object, "spec", "tls", "secret"); secret != tlsSecretName {
			continue
		}
		host, _, _ := unstructured.NestedString(o.Object, "spec", "host")
		if err := leaf.VerifyHostname(host); err != nil {
			return fmt.Errorf("tls.certificate does not cover %s (VirtualServer %s/%s): it names %q", host, o.GetNamespace(), o.GetName(), leaf.DNSNames)
		}
	}
	return nil
}
