package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const rg = "aura-es-dev-common"

type op struct {
	name string
	run  func(ctx context.Context, p provider.Provider) (provider.Change, error)
}

var (
	acct     = provider.StorageAccount{ResourceGroup: rg, Name: "auraesdevcommon", Location: "westeurope", Containers: []string{"aura-backups", "dns"}}
	backups  = provider.ContainerRef{ResourceGroup: rg, Account: acct.Name, Container: "aura-backups"}
	vaultRef = provider.VaultRef{ResourceGroup: rg, Name: "aura-es-dev-kv"}
	zone     = provider.Zone{ResourceGroup: rg, Name: "aura.example.com"}
	cluster  = provider.ClusterSpec{ResourceGroup: rg, Name: "aura-es-dev-1", KubernetesVersion: "1.36.5", Nodes: 2}
	bot      = provider.BotChannel{ResourceGroup: rg, Name: "aura-es-dev-bot", AppID: "00000000-0000-0000-0000-000000000001", Endpoint: "https://bot.aura.example.com/api/messages"}
)

// ensureOps is every Ensure-like operation of the provider, in the order a
// deployment runs them, each writing something new on an empty state.
func ensureOps() []op {
	next := bot
	next.Name = provider.NextName(bot.Name)
	next.Endpoint = "https://bot-next.aura.example.com/api/messages"
	return []op{
		{"resource group", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg, Location: "westeurope", Tags: map[string]string{"env": "es-dev"}})
		}},
		{"storage account", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureStorageAccount(ctx, acct)
		}},
		{"blob", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutBlob(ctx, provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "aura-backups", Name: "mongodb/2026-11-24.gz"}, []byte("dump"))
		}},
		{"key vault", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: rg, Name: vaultRef.Name, Location: "westeurope"})
		}},
		{"key", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureKey(ctx, vaultRef, provider.VaultKey{Name: "aura-cmk"})
		}},
		{"dns zone", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureDNSZone(ctx, zone)
		}},
		{"dns record", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "api", Type: "A", TTL: 300, Values: []string{"10.0.0.1"}})
		}},
		{"dns next record", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutRecordSet(ctx, zone, provider.RecordSet{Name: provider.NextName("api"), Type: "A", TTL: 300, Values: []string{"10.0.0.2"}})
		}},
		{"cluster", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureCluster(ctx, cluster)
		}},
		{"bot channel", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureBotChannel(ctx, bot)
		}},
		{"bot channel -next", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureBotChannel(ctx, next)
		}},
		{"clu", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureAIService(ctx, provider.AIService{ResourceGroup: rg, Name: "aura-es-dev-clu", Kind: provider.AIKindCLU, SKU: "S"})
		}},
		{"openai", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureAIService(ctx, provider.AIService{ResourceGroup: rg, Name: "aura-es-dev-openai", Kind: provider.AIKindOpenAI, SKU: "S0",
				Deployments: []provider.AIDeployment{{Name: "gpt-4o", Model: "gpt-4o", Version: "2024-08-06", Capacity: 10}, {Name: "embed", Model: "text-embedding-3-small"}}})
		}},
	}
}

// deleteOps undo ensureOps, children first.
func deleteOps() []op {
	return []op{
		{"delete openai", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteAIService(ctx, provider.ResourceRef{ResourceGroup: rg, Name: "aura-es-dev-openai"})
		}},
		{"delete bot -next", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: rg, Name: provider.NextName(bot.Name)})
		}},
		{"delete next record", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteRecordSet(ctx, zone, provider.RecordKey{Name: "api-next", Type: "a"})
		}},
		{"stop cluster", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.StopCluster(ctx, cluster.Ref())
		}},
		{"delete cluster", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteCluster(ctx, cluster.Ref())
		}},
		{"delete blob", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteBlob(ctx, provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "aura-backups", Name: "mongodb/2026-11-24.gz"})
		}},
		{"delete key vault", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteKeyVault(ctx, vaultRef)
		}},
		{"delete storage account", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteStorageAccount(ctx, provider.ResourceRef{ResourceGroup: rg, Name: acct.Name})
		}},
		{"delete resource group", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteResourceGroup(ctx, rg)
		}},
	}
}

func TestEnsureTwiceReportsUnchanged(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	for _, o := range ensureOps() {
		c, err := o.run(ctx, p)
		if err != nil {
			t.Fatalf("%s: first run: %v", o.name, err)
		}
		if c.Op != provider.OpCreate {
			t.Errorf("%s: first run reported %q, want create", o.name, c)
		}
	}
	before := tree(t, p.StateDir())
	for _, o := range ensureOps() {
		c, err := o.run(ctx, p)
		if err != nil {
			t.Fatalf("%s: second run: %v", o.name, err)
		}
		if c.Changed() {
			t.Errorf("%s: second run reported %q, want unchanged", o.name, c)
		}
	}
	if after := tree(t, p.StateDir()); after != before {
		t.Errorf("second run rewrote the state:\n%s\n---\n%s", before, after)
	}
}

func TestDeleteTwiceReportsUnchanged(t *testing.T) {
	ctx := context.Background()
	p, be := newProvider(t)
	for _, o := range ensureOps() {
		if _, err := o.run(ctx, p); err != nil {
			t.Fatalf("%s: %v", o.name, err)
		}
	}
	for _, o := range deleteOps() {
		c, err := o.run(ctx, p)
		if err != nil {
			t.Fatalf("%s: %v", o.name, err)
		}
		if !c.Changed() {
			t.Errorf("%s: first run reported %q, want a change", o.name, c)
		}
	}
	if _, err := os.Stat(p.groupDir(rg)); !os.IsNotExist(err) {
		t.Errorf("resource group directory still there after delete: %v", err)
	}
	if s, _ := be.State(ctx, cluster.Name); s != provider.ClusterAbsent {
		t.Errorf("cluster state after delete = %s", s)
	}
	for _, o := range deleteOps() {
		if o.name == "stop cluster" {
			continue // a deleted cluster cannot be stopped: tested in cluster_test.go
		}
		c, err := o.run(ctx, p)
		if err != nil {
			t.Fatalf("%s: second run: %v", o.name, err)
		}
		if c.Changed() {
			t.Errorf("%s: second run reported %q, want unchanged", o.name, c)
		}
	}
}

// A dry run must change nothing and predict exactly what the real run does.
func TestDryRunChangesNothingAndPredictsTheRun(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup []op // applied for real first
		ops   []op // planned, then run
	}{
		{"deploy on empty state", nil, ensureOps()},
		{"re-deploy", ensureOps(), ensureOps()},
		{"undeploy", ensureOps(), deleteOps()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, be := newProvider(t)
			for _, o := range tc.setup {
				if _, err := o.run(ctx, p); err != nil {
					t.Fatalf("setup %s: %v", o.name, err)
				}
			}
			before, calls := tree(t, p.StateDir()), len(be.Calls())
			var plan []provider.Change
			for _, o := range tc.ops {
				c, err := o.run(ctx, p.DryRun())
				if err != nil {
					t.Fatalf("plan %s: %v", o.name, err)
				}
				plan = append(plan, c)
			}
			if after := tree(t, p.StateDir()); after != before {
				t.Fatalf("dry run changed the state dir:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if n := len(be.Calls()); n != calls {
				t.Fatalf("dry run called the cluster backend: %v", be.Calls()[calls:])
			}
			for i, o := range tc.ops {
				c, err := o.run(ctx, p)
				if err != nil {
					t.Fatalf("run %s: %v", o.name, err)
				}
				if c != plan[i] {
					t.Errorf("%s: plan said %q, run did %q", o.name, plan[i], c)
				}
			}
		})
	}
}

func TestKeyVaultFileIsPrivate(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	for _, o := range ensureOps()[:5] {
		if _, err := o.run(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(filepath.Join(p.groupDir(rg), "keyvaults", vaultRef.Name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key vault file mode %v, want 0600", perm)
	}
	key, err := p.GetKey(ctx, vaultRef, "aura-cmk")
	if err != nil {
		t.Fatal(err)
	}
	// Re-ensuring the vault keeps its keys.
	if _, err := p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: rg, Name: vaultRef.Name, Location: "northeurope"}); err != nil {
		t.Fatal(err)
	}
	if got, err := p.GetKey(ctx, vaultRef, "aura-cmk"); err != nil || got.ID != key.ID {
		t.Errorf("after EnsureKeyVault the key is %+v, %v; want %+v", got, err, key)
	}
	if _, err := p.GetKey(ctx, vaultRef, "missing"); !provider.IsNotFound(err) {
		t.Errorf("missing key: %v, want not found", err)
	}
}
