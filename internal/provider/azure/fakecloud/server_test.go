package fakecloud_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

var sp = fakecloud.ServicePrincipal{TenantID: "00000000-0000-0000-0000-0000000000bb", ClientID: "00000000-0000-0000-0000-0000000000cc", ClientSecret: "fakecloud-secret"}

// overHTTPS is the Azure provider of a separate process: it logs in at the
// server and reaches ARM over HTTPS, with the SDK's own pollers.
func overHTTPS(t *testing.T, s *fakecloud.Server, secret string) *azure.Provider {
	t.Helper()
	cloud := azure.Cloud{Name: azure.CloudCustom, AuthorityHost: s.URL + "/", ResourceManagerEndpoint: s.URL + "/",
		ResourceManagerAudience: fakecloud.Audience, StorageEndpointSuffix: "fakecloud.test"}
	// The test trusts the server's certificate through its client; the aura
	// binary does through SSL_CERT_FILE.
	client := azcore.ClientOptions{Transport: s.Client()}
	creds := &credentials.Credentials{TenantID: sp.TenantID, ClientID: sp.ClientID, ClientSecret: credentials.Secret(secret),
		SubscriptionID: fakecloud.Subscription, Source: "test"}
	cred, err := azure.Credential(creds, cloud, &client)
	if err != nil {
		t.Fatal(err)
	}
	p, err := azure.New(azure.Options{SubscriptionID: fakecloud.Subscription, TenantID: sp.TenantID, Credential: cred, Cloud: cloud,
		Tokens: &provider.MemoryTokenStore{}, Transport: s.Client(),
		Retry: &policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond}, BusyTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServerLongRunningOperations: creates and deletes that ARM runs as
// long-running operations end through Azure-AsyncOperation polls, and a
// second run of the same Ensures writes nothing.
func TestServerLongRunningOperations(t *testing.T) {
	ctx := context.Background()
	c := fakecloud.New()
	c.LROSteps = 2
	s := fakecloud.NewServer(c, sp)
	defer s.Close()
	p := overHTTPS(t, s, sp.ClientSecret)
	spec := provider.ClusterSpec{ResourceGroup: "rg", Name: "aks", Location: "westeurope", KubernetesVersion: "1.31.2", Nodes: 1,
		Pools: []provider.NodePool{{Name: "system", Mode: "System", MinSize: 1, MaxSize: 2, VMSize: "Standard_D2as_v4"}}}
	ws := provider.DatabricksWorkspace{ResourceGroup: "rg", Name: "dbw", Location: "westeurope", ManagedResourceGroup: "dbw-managed", RequireInfrastructureEncryption: true}
	ensure := func() {
		t.Helper()
		for _, f := range []func() (provider.Change, error){
			func() (provider.Change, error) {
				return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg", Location: "westeurope"})
			},
			func() (provider.Change, error) {
				return p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: "rg", Name: "fakecloudsa", Location: "westeurope", Containers: []string{"backups"}})
			},
			func() (provider.Change, error) { return p.EnsureCluster(ctx, spec) },
			func() (provider.Change, error) { return p.EnsureDatabricksWorkspace(ctx, ws) },
		} {
			if _, err := f(); err != nil {
				t.Fatal(err)
			}
		}
	}
	ensure()
	// Both operations were polled at their status URL until they ended.
	for _, res := range []string{"/storageAccounts/fakecloudsa/", "/managedClusters/aks/"} {
		if !slices.ContainsFunc(s.Requests(), func(r string) bool {
			return strings.HasPrefix(r, "GET /fakecloud/operations/") && strings.Contains(r, res)
		}) {
			t.Errorf("no status poll of %s:\n%s", res, strings.Join(s.Requests(), "\n"))
		}
	}
	if st, err := p.ClusterState(ctx, spec.Ref()); err != nil || st != provider.ClusterRunning {
		t.Errorf("cluster %s, %v", st, err)
	}
	if kc, err := p.Kubeconfig(ctx, spec.Ref()); err != nil || !strings.Contains(string(kc), "aks.hcp") {
		t.Errorf("kubeconfig %q, %v", kc, err)
	}
	if w := c.Workspace("rg", "dbw"); w == nil || w.Properties.ProvisioningState == nil || *w.Properties.ProvisioningState != "Succeeded" {
		t.Errorf("workspace as Databricks holds it: %+v", w)
	}
	s.Reset()
	ensure()
	if w := s.Writes(); len(w) != 0 {
		t.Errorf("second run wrote %q", w)
	}
	if _, err := p.DeleteResourceGroup(ctx, "rg"); err != nil {
		t.Fatal(err)
	}
	if left := c.Resources(); len(left) != 0 {
		t.Errorf("left after the group's delete: %q", left)
	}
}

// TestServerRefusesWrongCredentials: a wrong secret gets no token, and a
// request without a token issued by the login host reaches no fake.
func TestServerRefusesWrongCredentials(t *testing.T) {
	c := fakecloud.New()
	s := fakecloud.NewServer(c, sp)
	defer s.Close()
	p := overHTTPS(t, s, "not-the-S3cret")
	_, err := p.EnsureResourceGroup(context.Background(), provider.ResourceGroup{Name: "rg", Location: "westeurope"})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("wrong secret: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-S3cret") {
		t.Errorf("the error shows the secret: %v", err)
	}
	resp, err := s.Client().Get(s.URL + "/subscriptions/" + fakecloud.Subscription + "/resourceGroups/rg?api-version=2024-11-01")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(s.Requests()) != 0 || len(c.Resources()) != 0 {
		t.Errorf("without a token: %d, requests %q", resp.StatusCode, s.Requests())
	}
}

// TestIsWrite: ARM's list… actions are reads; other POSTs act.
func TestIsWrite(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/subscriptions/s/resourceGroups/rg", false},
		{"PUT", "/subscriptions/s/resourceGroups/rg", true},
		{"PATCH", "/x", true},
		{"DELETE", "/x", true},
		{"POST", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys", false},
		{"POST", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/listClusterAdminCredential", false},
		{"POST", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/stop", true},
	} {
		if got := fakecloud.IsWrite(tc.method, tc.path); got != tc.want {
			t.Errorf("IsWrite(%s %s) = %v", tc.method, tc.path, got)
		}
	}
}

// TestListErrorsDoNotStick: a list answered with an error (the permissions
// of a resource group that does not exist yet) is answered afresh next
// time, as by Azure.
func TestListErrorsDoNotStick(t *testing.T) {
	ctx := context.Background()
	s := fakecloud.NewServer(fakecloud.New(), sp)
	defer s.Close()
	ra := provider.RoleAssignment{Cluster: provider.ClusterRef{ResourceGroup: "rg", Name: "aks"}, Identity: provider.IdentityCluster,
		Role: "Network Contributor", Scope: provider.Scope{ResourceGroup: "rg"}}
	for i := range 2 {
		// A new process each time, so nothing is remembered client-side.
		if c, err := overHTTPS(t, s, sp.ClientSecret).DryRun().EnsureRoleAssignment(ctx, ra); err != nil || c.Op != provider.OpCreate {
			t.Fatalf("plan %d: %v, %v", i+1, c, err)
		}
	}
}

// TestRoleAssignmentOverHTTP: the role assignment of a cluster's identity
// is made once and found again by the next run, through a real HTTP
// server (which, like Azure, refuses a URL with a space in it).
func TestRoleAssignmentOverHTTP(t *testing.T) {
	ctx := context.Background()
	s := fakecloud.NewServer(fakecloud.New(), sp)
	defer s.Close()
	p := overHTTPS(t, s, sp.ClientSecret)
	spec := provider.ClusterSpec{ResourceGroup: "rg", Name: "aks", Location: "westeurope", Nodes: 1,
		Pools: []provider.NodePool{{Name: "system", Mode: "System", MinSize: 1, MaxSize: 2, VMSize: "Standard_D2as_v4"}}}
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg", Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureCluster(ctx, spec); err != nil {
		t.Fatal(err)
	}
	ra := provider.RoleAssignment{Cluster: spec.Ref(), Identity: provider.IdentityCluster, Role: "Network Contributor", Scope: provider.Scope{ResourceGroup: "rg"}}
	if c, err := p.EnsureRoleAssignment(ctx, ra); err != nil || c.Op != provider.OpCreate {
		t.Fatalf("first: %v, %v", c, err)
	}
	s.Reset()
	if c, err := overHTTPS(t, s, sp.ClientSecret).EnsureRoleAssignment(ctx, ra); err != nil || c.Op != provider.OpNone || len(s.Writes()) != 0 {
		t.Fatalf("second: %v, %v, writes %q", c, err, s.Writes())
	}
}

// TestOperationsEndWithoutPolls: an operation ends on its own, as Azure's
// do, when its client went away before it learnt where to poll.
func TestOperationsEndWithoutPolls(t *testing.T) {
	ctx := context.Background()
	c := fakecloud.New()
	c.LROSteps = 5
	s := fakecloud.NewServer(c, sp)
	defer s.Close()
	p := overHTTPS(t, s, sp.ClientSecret)
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg", Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	spec := provider.ClusterSpec{ResourceGroup: "rg", Name: "aks", Location: "westeurope", Nodes: 1,
		Pools: []provider.NodePool{{Name: "system", Mode: "System", MinSize: 1, MaxSize: 2, VMSize: "Standard_D2as_v4"}}}
	// The create is sent, then the client stops waiting at once.
	stop, cancel := context.WithCancel(ctx)
	go func() {
		for len(s.Writes()) < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := p.EnsureCluster(stop, spec); err == nil {
		t.Fatal("the create waited for its end despite the cancel")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mc := c.Cluster("rg", "aks")
		if mc != nil && *mc.Properties.ProvisioningState == "Succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster's create never ended: %+v", mc)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if slices.ContainsFunc(s.Requests(), func(r string) bool { return strings.HasPrefix(r, "GET /fakecloud/operations/") }) {
		t.Errorf("the test meant no client to poll: %q", s.Requests())
	}
}
