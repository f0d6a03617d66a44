package azure

import (
	"context"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// TestPlanSaysWhatCreatesSet: a dry run of each create names the settings
// it would send to Azure (region, SKU, security settings, tags), so an
// operator reads in the plan what the real run makes — and the real run's
// Change says the same.
func TestPlanSaysWhatCreatesSet(t *testing.T) {
	ctx := context.Background()
	tags := map[string]string{"env": "es-dev", "owner": "aura"}
	vault := provider.VaultRef{ResourceGroup: testRG, Name: "aura-kv-es-dev"}
	spec := testCluster()
	spec.CustomerManagedKey = &provider.KeyRef{Vault: vault, Key: "aura-cmk"}
	cases := []struct {
		name   string
		ensure func(p provider.Provider) (provider.Change, error)
		want   []string
	}{
		{"resource group", func(p provider.Provider) (provider.Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "westeurope", Tags: tags})
		}, []string{"location westeurope", "tags env=es-dev, owner=aura"}},
		{"storage account", func(p provider.Provider) (provider.Change, error) {
			sa := testAccount()
			sa.Tags = tags
			return p.EnsureStorageAccount(ctx, sa)
		}, []string{"location westeurope", "StorageV2", "Standard_LRS", "access tier Hot", "minimum TLS1_2", "HTTPS only", "no public blob access",
			"containers: aura-backups, dns", "blob expiry: aura-backups/ after 7 days", "tags env=es-dev, owner=aura"}},
		{"key vault", func(p provider.Provider) (provider.Change, error) {
			return p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: testRG, Name: vault.Name, Location: "westeurope", Tags: tags})
		}, []string{"location westeurope", "SKU standard", "soft delete 90 days", "purge protection", "RBAC authorization", "tags env=es-dev, owner=aura"}},
		{"dns zone", func(p provider.Provider) (provider.Change, error) {
			return p.EnsureDNSZone(ctx, provider.Zone{ResourceGroup: testRG, Name: "auracognitive.com", Tags: tags})
		}, []string{"global", "tags env=es-dev, owner=aura"}},
		{"cluster", func(p provider.Provider) (provider.Change, error) { return p.EnsureCluster(ctx, spec) },
			[]string{"location westeurope", "disk encryption set", "tags env=es-dev"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.name != "resource group" {
				e.group(t, testRG)
			}
			planned := must(t)(tc.ensure(e.p.DryRun()))
			for _, w := range tc.want {
				if planned.Op != provider.OpCreate || !strings.Contains(planned.Detail, w) {
					t.Errorf("plan %q does not say %q", planned, w)
				}
			}
			if tc.name == "cluster" {
				return // its key does not exist: the real create needs deploy_common's
			}
			if made := must(t)(tc.ensure(e.p)); made != planned {
				t.Errorf("made %q, planned %q", made, planned)
			}
		})
	}
}
