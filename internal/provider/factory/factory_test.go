package factory

import (
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/credentials"
)

func TestAzureProvider(t *testing.T) {
	for _, k := range []string{credentials.KeyClientID, credentials.KeySecret, credentials.KeyTenant, credentials.KeySubscriptionID, "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"} {
		t.Setenv(k, "")
	}
	cfg := &config.Config{Provider: "azure", Azure: config.AzureConfig{Cloud: "AzureChina"}, Local: config.LocalConfig{StateDir: t.TempDir()}}
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), credentials.KeySecret) {
		t.Errorf("without credentials: %v, want an error naming %s", err, credentials.KeySecret)
	}
	creds := &credentials.Credentials{ClientID: "11111111-1111-1111-1111-111111111111", ClientSecret: "s3cr3t",
		TenantID: "22222222-2222-2222-2222-222222222222", SubscriptionID: "33333333-3333-3333-3333-333333333333", Source: "credentials.json"}
	p, err := New(cfg, nil, WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	if caps := p.Capabilities(); p.Name() != "azure" || !caps.LoadBalancer || caps.BuiltinCharts {
		t.Errorf("provider %s with %+v", p.Name(), caps)
	}
	cfg.Azure = config.AzureConfig{Cloud: "Custom", AuthorityHost: "http://login.test/", ResourceManagerEndpoint: "https://arm.test/"}
	if _, err := New(cfg, nil, WithCredentials(creds)); err == nil || !strings.Contains(err.Error(), "azure.authority_host") {
		t.Errorf("plain-HTTP custom authority: %v", err)
	}
	cfg.Provider = "gcp"
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "local or azure") {
		t.Errorf("unknown provider: %v", err)
	}
}
