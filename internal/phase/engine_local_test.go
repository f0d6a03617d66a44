package phase

import (
	"context"
	"reflect"
	"testing"

	"github.com/auracognitive/aurak8s/internal/dirtree"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// commonPhase is a deploy_common-like phase on the local provider: the
// resource group first, then its independent resources concurrently.
func commonPhase(p provider.Provider) Phase {
	const rg = "aura-es-dev"
	return Phase{Name: "deploy_common", Steps: []Step{
		{ProviderAction("resource group", p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg, Location: "westeurope"})
		})},
		{
			ProviderAction("storage account", p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg, Name: "auraesdev", Containers: []string{"aura-backups"}})
			}),
			ProviderAction("key vault", p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: rg, Name: "aura-es-dev-kv"})
			}),
			ProviderAction("dns zone", p, func(ctx context.Context, p provider.Provider) (Change, error) {
				return p.EnsureDNSZone(ctx, provider.Zone{ResourceGroup: rg, Name: "aura.example.com"})
			}),
		},
		{ProviderAction("dns records", p, func(ctx context.Context, p provider.Provider) (Change, error) {
			return p.PutRecordSet(ctx, provider.Zone{ResourceGroup: rg, Name: "aura.example.com"},
				provider.RecordSet{Name: "api", Type: "A", TTL: 300, Values: []string{"10.1.2.3"}})
		})},
	}}
}

func TestDryRunLeavesLocalStateUntouched(t *testing.T) {
	ctx := context.Background()
	p, err := local.New(local.Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ph := commonPhase(p)
	all := func(s string) []string {
		return []string{"resource group=" + s, "storage account=" + s, "key vault=" + s, "dns zone=" + s, "dns records=" + s}
	}
	for _, tc := range []struct {
		name   string
		dryRun bool
		want   []string
		writes bool
	}{
		{"plan on empty state", true, all(ui.StatePlanned), false},
		{"deploy", false, all(ui.StateChanged), true},
		{"plan after deploy", true, all(ui.StateOK), false},
		{"deploy again", false, all(ui.StateOK), false},
	} {
		before := stateTree(t, p.StateDir())
		res, err := (&Runner{DryRun: tc.dryRun}).Run(ctx, ph)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := states(res); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: states %v, want %v", tc.name, got, tc.want)
		}
		if after := stateTree(t, p.StateDir()); (after != before) != tc.writes {
			t.Errorf("%s: state changed = %v, want %v\nbefore:\n%s\nafter:\n%s", tc.name, after != before, tc.writes, before, after)
		}
	}
}

// stateTree fingerprints a state directory (internal/dirtree).
func stateTree(t *testing.T, dir string) string {
	t.Helper()
	s, err := dirtree.Fingerprint(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
