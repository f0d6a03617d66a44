package fakecloud_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestServerDatabricksJobs: over HTTPS, the workspace's URL points at the
// server, whose Jobs API takes only a token for the Databricks scope; the
// provider's job is created once and a second run writes nothing.
func TestServerDatabricksJobs(t *testing.T) {
	ctx := context.Background()
	c := fakecloud.New()
	s := fakecloud.NewServer(c, sp)
	defer s.Close()
	p := overHTTPS(t, s, sp.ClientSecret)
	ws := provider.DatabricksWorkspace{ResourceGroup: "rg", Name: "dbw", Location: "westeurope", ManagedResourceGroup: "dbw-managed"}
	job := provider.DatabricksJob{Workspace: provider.ResourceRef{ResourceGroup: "rg", Name: "dbw"}, Name: "aura-job",
		Schedule: "59 59 23 * * ?", Timezone: "Europe/Berlin", NodeType: "Standard_D8as_v4", SparkVersion: "15.4.x-scala2.12", Workers: 1,
		NotebookPath: "/Shared/aura/aura-job"}
	for _, f := range []func() (provider.Change, error){
		func() (provider.Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg", Location: "westeurope"})
		},
		func() (provider.Change, error) { return p.EnsureDatabricksWorkspace(ctx, ws) },
	} {
		if _, err := f(); err != nil {
			t.Fatal(err)
		}
	}
	s.Reset()
	if ch, err := p.EnsureDatabricksJob(ctx, job); err != nil || ch.Op != provider.OpCreate {
		t.Fatalf("create: %q, %v", ch, err)
	}
	w := s.Writes()
	if len(w) != 1 || !strings.HasPrefix(w[0], "POST /databricks/") || !strings.HasSuffix(w[0], "/api/2.1/jobs/create") {
		t.Errorf("writes %q, want one Jobs API create at the workspace", w)
	}
	if jobs := c.Jobs("rg", "dbw"); len(jobs) != 1 {
		t.Errorf("jobs %v, want 1", jobs)
	}
	s.Reset()
	if ch, err := p.EnsureDatabricksJob(ctx, job); err != nil || ch.Changed() || len(s.Writes()) != 0 {
		t.Errorf("second run: %q, %v, writes %q", ch, err, s.Writes())
	}

	// An ARM token does not open the Jobs API.
	cloud := azure.Cloud{Name: azure.CloudCustom, AuthorityHost: s.URL + "/", ResourceManagerEndpoint: s.URL + "/", ResourceManagerAudience: fakecloud.Audience}
	cred, err := azure.Credential(&credentials.Credentials{TenantID: sp.TenantID, ClientID: sp.ClientID, ClientSecret: credentials.Secret(sp.ClientSecret), Source: "test"},
		cloud, &azcore.ClientOptions{Transport: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	armTok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{fakecloud.Audience + ".default"}})
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSuffix(w[0][len("POST "):], "create") + "list"
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+url, nil)
	req.Header.Set("Authorization", "Bearer "+armTok.Token)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Jobs API with an ARM token: %d, want 401", resp.StatusCode)
	}
}
