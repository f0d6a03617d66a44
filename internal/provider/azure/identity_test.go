package azure

import (
	"context"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestRoleAssignmentsForClusterIdentities: each identity gets its role on
// its scope, once.
func TestRoleAssignmentsForClusterIdentities(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	spec := testCluster()
	ras := []provider.RoleAssignment{
		{Cluster: spec.Ref(), Identity: provider.IdentityCluster, Role: "Network Contributor", Scope: provider.Scope{ResourceGroup: testRG}},
		{Cluster: spec.Ref(), Identity: provider.IdentityKubelet, Role: "Storage Blob Data Contributor",
			Scope: provider.Scope{ResourceGroup: testRG, Kind: provider.ScopeStorageAccount, Name: "auraesdev1sa"}},
		{Cluster: spec.Ref(), Identity: provider.IdentityKubelet, Role: "AcrPull",
			Scope: provider.Scope{ResourceGroup: testRG, Kind: provider.ScopeContainerRegistry, Name: "auraregistry"}},
	}
	// Planned before the cluster exists, created after.
	for _, ra := range ras {
		if c := must(t)(e.p.DryRun().EnsureRoleAssignment(ctx, ra)); c.Op != provider.OpCreate || !strings.Contains(c.Detail, "once the cluster exists") {
			t.Errorf("plan: %q", c)
		}
	}
	must(t)(e.p.EnsureCluster(ctx, spec))
	for _, ra := range ras {
		if c := must(t)(e.p.EnsureRoleAssignment(ctx, ra)); c.Op != provider.OpCreate {
			t.Errorf("%q", c)
		}
	}
	mc := e.cloud.Cluster(testRG, spec.Name)
	got := strings.Join(e.cloud.Assignments(), "\n")
	for _, want := range []string{
		"Network Contributor → " + str(mc.Identity.PrincipalID) + " @ /subscriptions/" + fakecloud.Subscription + "/resourceGroups/" + testRG,
		"Storage Blob Data Contributor → " + str(mc.Properties.IdentityProfile[kubeletIdentity].ObjectID) + " @ /subscriptions/" + fakecloud.Subscription +
			"/resourceGroups/" + testRG + "/providers/Microsoft.Storage/storageAccounts/auraesdev1sa",
		"AcrPull → " + str(mc.Properties.IdentityProfile[kubeletIdentity].ObjectID) + " @ /subscriptions/" + fakecloud.Subscription +
			"/resourceGroups/" + testRG + "/providers/Microsoft.ContainerRegistry/registries/auraregistry",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no assignment %q in:\n%s", want, got)
		}
	}
	e.rec.reset()
	for _, ra := range ras {
		if c := must(t)(e.p.EnsureRoleAssignment(ctx, ra)); c.Changed() {
			t.Errorf("second run: %q", c)
		}
	}
	if len(e.rec.writes()) != 0 {
		t.Errorf("second run wrote %q", e.rec.writes())
	}
	bad := ras[0]
	bad.Role = "Cluster Overlord"
	if _, err := e.p.EnsureRoleAssignment(ctx, bad); err == nil || !strings.Contains(err.Error(), `no role named "Cluster Overlord"`) {
		t.Errorf("unknown role: %v", err)
	}
}
