package config

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/testcert"
)

// TestEndpointCertificate: tls.certificate and tls.key are checked when the
// config loads: a pair, a key that is the certificate's, not expired,
// covering the environment's hosts; 30 days before expiry every command
// warns. The key never shows in a message.
func TestEndpointCertificate(t *testing.T) {
	base := readFile(t, examplePath)
	year := time.Now().AddDate(1, 0, 0)
	cert, key := testcert.New(t, year, "*."+DNSZone)
	otherCert, otherKey := testcert.New(t, year, "*.example.com")
	soonCert, soonKey := testcert.New(t, time.Now().AddDate(0, 0, 10), "*."+DNSZone)
	oldCert, oldKey := testcert.New(t, time.Now().AddDate(0, 0, -1), "*."+DNSZone)
	q := strconv.Quote
	pair := func(c, k string) []edit { return []edit{{"tls", "{certificate: " + q(c) + ", key: " + q(k) + "}"}} }

	for _, tc := range []struct {
		name  string
		edits []edit
		path  string
		msg   string
	}{
		{"key without certificate", []edit{{"tls", "{key: " + q(key) + "}"}}, "tls.certificate", "is required with tls.key"},
		{"certificate without key", []edit{{"tls", "{certificate: " + q(cert) + "}"}}, "tls.key", "is required with tls.certificate"},
		{"another certificate's key", pair(cert, otherKey), "tls.certificate", "private key does not match public key"},
		{"not a certificate", pair("hello", key), "tls.certificate", "failed to find any PEM data in certificate input"},
		{"expired", pair(oldCert, oldKey), "tls.certificate", "expired on"},
		{"another domain", pair(otherCert, otherKey), "tls.certificate", `does not cover the environment's host names (e.g. services-ap-dev.auracognitive.com): it names ["*.example.com"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, _ := loadErrors(t, mutate(t, base, tc.edits...))
			if errs == nil {
				t.Fatal("config loaded, want a problem")
			}
			for _, k := range []string{key, otherKey, oldKey} {
				if strings.Contains(errs.Error(), strings.TrimSpace(strings.Split(k, "\n")[1])) {
					t.Errorf("a private key shows in %v", errs)
				}
			}
			for _, p := range errs.Problems {
				if p.Path == tc.path && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Fatalf("want %s: %s; got %v", tc.path, tc.msg, errs)
		})
	}

	cfg, errs, _ := loadErrors(t, mutate(t, base, pair(cert, key)...))
	if errs != nil || len(cfg.Warnings) != 0 && strings.Contains(strings.Join(cfg.Warnings, "\n"), "tls.") {
		t.Fatalf("a valid certificate: %v %q", errs, cfg.Warnings)
	}
	cfg, errs, _ = loadErrors(t, mutate(t, base, pair(soonCert, soonKey)...))
	if errs != nil || !strings.Contains(strings.Join(cfg.Warnings, "\n"), "tls.certificate: expires on") {
		t.Fatalf("a certificate expiring in 10 days: %v, warnings %q", errs, cfg.Warnings)
	}
}

// TestACMEAccount: without tls.certificate cert-manager issues it; on
// azure through an ACME account whose email defaults to
// notifications_email. Bad ACME keys are named; keys that would be ignored
// are said to be.
func TestACMEAccount(t *testing.T) {
	base := readFile(t, examplePath)
	cert, key := testcert.New(t, time.Now().AddDate(1, 0, 0), "*."+DNSZone)
	q := strconv.Quote
	azure := edit{"provider", "azure"}
	for _, tc := range []struct {
		name    string
		edits   []edit
		path    string
		msg     string
		warning bool
	}{
		{"email not an address", []edit{azure, {"tls", "{acme: {email: 'certs at example.com'}}"}}, "tls.acme.email", "must be an email address", false},
		{"bad email on local too", []edit{{"tls", "{acme: {email: 'certs at example.com'}}"}}, "tls.acme.email", "must be an email address", false},
		{"server not https", []edit{azure, {"tls", "{acme: {server: 'http://acme.example.com/directory'}}"}}, "tls.acme.server", "must be the https:// URL of an ACME directory", false},
		{"no email at all on azure", []edit{azure, {"notifications_email", `""`}}, "tls.acme.email", "is required on azure without tls.certificate", false},
		{"email with a certificate", []edit{{"tls", "{certificate: " + q(cert) + ", key: " + q(key) + ", acme: {email: certs@example.com}}"}}, "tls.acme.email", "is not used: tls.certificate is given", true},
		{"custom cloud", []edit{azure, {"azure.cloud", "Custom"}, {"azure.authority_host", "https://login.test/"},
			{"azure.resource_manager_endpoint", "https://management.test/"}, {"azure.storage_endpoint_suffix", "core.test"}, {"azure.graph_endpoint", "https://graph.test"}}, "tls.certificate", "no certificate will be issued", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, errs, _ := loadErrors(t, mutate(t, base, tc.edits...))
			if tc.warning {
				if errs != nil {
					t.Fatalf("want only a warning, got %v", errs)
				}
				if w := strings.Join(cfg.Warnings, "\n"); !strings.Contains(w, tc.path+": ") || !strings.Contains(w, tc.msg) {
					t.Fatalf("want warning %s: %s; got %q", tc.path, tc.msg, cfg.Warnings)
				}
				return
			}
			if errs == nil {
				t.Fatal("config loaded, want a problem")
			}
			for _, p := range errs.Problems {
				if p.Path == tc.path && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Fatalf("want %s: %s; got %v", tc.path, tc.msg, errs)
		})
	}

	// On azure, notifications_email suffices; the server defaults to Let's
	// Encrypt production; a certificate turns cert-manager off.
	cfg, errs, _ := loadErrors(t, mutate(t, base, azure))
	if errs != nil {
		t.Fatal(errs)
	}
	if !cfg.TLS.Issued() || cfg.TLS.ACME.Server != "https://acme-v02.api.letsencrypt.org/directory" || cfg.TLS.ACME.Email != "" {
		t.Errorf("defaults: issued %v, acme %+v", cfg.TLS.Issued(), cfg.TLS.ACME)
	}
	cfg, errs, _ = loadErrors(t, mutate(t, base, azure, edit{"tls", "{certificate: " + q(cert) + ", key: " + q(key) + "}"}))
	if errs != nil || cfg.TLS.Issued() {
		t.Fatalf("a configured certificate: issued %v, %v", cfg != nil && cfg.TLS.Issued(), errs)
	}
}
