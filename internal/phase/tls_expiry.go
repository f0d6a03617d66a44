package phase

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"

	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// tlsExpiryAction tells, in the plan and on every run, when namespace ns's
// aura-tls expires: the configured certificate's date from its PEM; an
// issued one's from the Secret cert-manager wrote, or "to be issued". It
// warns 30 days ahead about an issued certificate: cert-manager renews
// Let's Encrypt's 90-day certificates 30 days before they expire, so one
// that close has failed to renew. (The configured certificate's warning is
// the config's, shown by every command.) It changes nothing.
func (e *Env) tlsExpiryAction(ns string) Action {
	run := func(ctx context.Context) ([]Change, error) {
		c, msg, warn, err := e.tlsExpiry(ctx, ns, time.Now())
		if err != nil {
			return nil, err
		}
		if warn {
			e.warn(msg)
		} else {
			e.notify(msg)
		}
		return []Change{c}, nil
	}
	return Action{Name: "certificate " + ns + "/" + tlsSecretName, Observe: run, Converge: run}
}

func (e *Env) warn(msg string) {
	if e.Warn != nil {
		e.Warn(msg)
		return
	}
	e.notify("warning: " + msg)
}

// tlsExpiry is the certificate's state as a change (never a change: the
// ingress serves whatever the Secret holds), the message to show and
// whether it is a warning.
func (e *Env) tlsExpiry(ctx context.Context, ns string, now time.Time) (Change, string, bool, error) {
	c := Change{Op: provider.OpNone, Kind: "certificate", Name: ns + "/" + tlsSecretName}
	if !e.Cfg.TLS.Issued() {
		leaf, err := e.Cfg.TLS.Leaf()
		if err != nil {
			return c, "", false, fmt.Errorf("tls.certificate: %w", err)
		}
		c.Detail = "tls.certificate, " + expiresIn(leaf.NotAfter, now)
		return c, "certificate " + c.Name + ": " + c.Detail, false, nil
	}
	issuer := "cert-manager, ClusterIssuer " + e.issuerName()
	leaf, err := e.issuedLeaf(ctx, ns)
	if err != nil {
		return c, "", false, err
	}
	if leaf == nil {
		c.Detail = "to be issued by " + issuer
		return c, "certificate " + c.Name + ": " + c.Detail, false, nil
	}
	c.Detail = "issued by " + issuer + ", " + expiresIn(leaf.NotAfter, now)
	msg := "certificate " + c.Name + ": " + c.Detail
	if leaf.NotAfter.Sub(now) < config.CertWarnDays*24*time.Hour {
		return c, msg + ": cert-manager has not renewed it; see `kubectl describe certificate " + tlsSecretName + " -n " + ns + "`", true, nil
	}
	return c, msg, false, nil
}

// issuedLeaf is the certificate cert-manager wrote to ns's aura-tls, or nil
// when there is none yet (no cluster, no Secret, an empty Secret).
func (e *Env) issuedLeaf(ctx context.Context, ns string) (*x509.Certificate, error) {
	st, err := e.Provider.ClusterState(ctx, e.clusterRef())
	if err != nil || st != provider.ClusterRunning {
		return nil, err
	}
	kc, err := e.Kube(ctx)
	if err != nil {
		return nil, err
	}
	obj, err := kc.Dynamic.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(ns).Get(ctx, tlsSecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Secret %s/%s: %w", ns, tlsSecretName, err)
	}
	enc, _, _ := unstructured.NestedString(obj.Object, "data", corev1.TLSCertKey)
	if enc == "" {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("read Secret %s/%s: %s: %w", ns, tlsSecretName, corev1.TLSCertKey, err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("read Secret %s/%s: %s holds no PEM certificate", ns, tlsSecretName, corev1.TLSCertKey)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read Secret %s/%s: %s: %w", ns, tlsSecretName, corev1.TLSCertKey, err)
	}
	return leaf, nil
}

// expiresIn says when a certificate expires, or that it has.
func expiresIn(notAfter, now time.Time) string {
	day := notAfter.UTC().Format(time.DateOnly)
	left := notAfter.Sub(now)
	if left <= 0 {
		return "expired on " + day
	}
	return fmt.Sprintf("expires on %s (in %d days)", day, int(left.Hours()/24))
}
