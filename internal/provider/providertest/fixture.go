package providertest

import (
	"context"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// The fixture is an environment's resources with names valid on every
// cloud (Azure's storage account and key vault rules are the strictest).
const (
	RG       = "aura-common-es-ct"
	Location = "westeurope"
)

var (
	tags    = map[string]string{"owner": "aura", "env": "es-ct"}
	account = provider.StorageAccount{ResourceGroup: RG, Name: "auracommonesct", Location: Location,
		Containers: []string{"aura-backups", "dns"}, Expiry: []provider.BlobExpiry{{Prefix: "aura-backups/", Days: 7}}, Tags: tags}
	accountRef = provider.ResourceRef{ResourceGroup: RG, Name: account.Name}
	blob       = provider.BlobRef{ResourceGroup: RG, Account: account.Name, Container: "aura-backups", Name: "mongodb/2026-11-24.gz"}
	vault      = provider.KeyVault{ResourceGroup: RG, Name: "aura-kv-es-ct", Location: Location, Tags: tags}
	vaultRef   = provider.VaultRef{ResourceGroup: RG, Name: vault.Name}
	zone       = provider.Zone{ResourceGroup: RG, Name: "aura.example.com", Tags: tags}
	cluster    = provider.ClusterSpec{ResourceGroup: RG, Name: "aura-es-ct-1", Location: Location, KubernetesVersion: "1.33.5",
		Nodes: 3, SKUTier: "Paid", Zones: []string{"1", "2", "3"}, APIServerAuthorizedRanges: []string{"195.235.92.0/23"},
		SSHPublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 aura", Tags: tags,
		Pools: []provider.NodePool{
			{Name: "system", Mode: "System", MinSize: 1, MaxSize: 3, VMSize: "Standard_D2as_v4"},
			{Name: "common", Mode: "User", MinSize: 2, MaxSize: 15, VMSize: "Standard_D4as_v4"},
		}}
	role = provider.RoleAssignment{Cluster: cluster.Ref(), Identity: provider.IdentityKubelet, Role: "Storage Blob Data Contributor",
		Scope: provider.Scope{ResourceGroup: RG, Kind: provider.ScopeStorageAccount, Name: account.Name}}
	bot = provider.BotChannel{ResourceGroup: RG, Name: "aura-bot-es-ct", AppID: "00000000-0000-0000-0000-000000000001",
		Endpoint: "https://bot-es-ct.aura.example.com/api/messages", Tags: tags}
	ai = provider.AIService{ResourceGroup: RG, Name: "aura-openai-es-ct", Kind: provider.AIKindOpenAI, SKU: "S0", Location: Location, Tags: tags,
		AllowedRanges: []string{"195.235.92.0/23"},
		Deployments:   []provider.AIDeployment{{Name: "gpt-4o", Model: "gpt-4o", Version: "2024-08-06", Capacity: 10}}}
	databricks = provider.DatabricksWorkspace{ResourceGroup: RG, Name: "aura-dbw-es-ct", Location: Location,
		ManagedResourceGroup: "aura-dbw-es-ct-managed", Tags: tags}
	dbxJob = provider.DatabricksJob{Workspace: provider.ResourceRef{ResourceGroup: RG, Name: databricks.Name}, Name: "aura-job-es-ct",
		Schedule: "59 59 23 * * ?", Timezone: "Europe/Madrid", NodeType: "Standard_D8as_v4", SparkVersion: "15.4.x-scala2.12", Workers: 1,
		NotebookPath: "/Shared/aura/aura-job", Tags: tags}
	records = []provider.RecordSet{
		{Name: "api", Type: "A", TTL: 300, Values: []string{"10.0.0.1", "10.0.0.2"}},
		{Name: "bot", Type: "CNAME", TTL: 3600, Values: []string{"bot.example.net"}},
		{Name: "verify", Type: "TXT", TTL: 60, Values: []string{"aura-site-verification=abc"}},
	}
)

// Op is one call of the provider, named for test output.
type Op struct {
	Name string
	Run  func(ctx context.Context, p provider.Provider) (provider.Change, error)
}

// EnsureOps are every Ensure-like operation, in the order a deployment runs
// them, each creating something on an empty state.
func EnsureOps() []Op {
	ops := []Op{
		{"resource group", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: RG, Location: Location, Tags: tags})
		}},
		{"storage account", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureStorageAccount(ctx, account)
		}},
		{"blob", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutBlob(ctx, blob, []byte("dump"))
		}},
		{"key vault", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureKeyVault(ctx, vault)
		}},
		{"key vault key", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureKey(ctx, vaultRef, provider.VaultKey{Name: "aura-cmk"})
		}},
		{"dns zone", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureDNSZone(ctx, zone)
		}},
	}
	for _, rs := range records {
		ops = append(ops, Op{"dns record " + rs.Key().String(), func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutRecordSet(ctx, zone, rs)
		}})
	}
	return append(ops,
		Op{"cluster", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureCluster(ctx, cluster)
		}},
		Op{"role assignment", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureRoleAssignment(ctx, role)
		}},
		Op{"bot channel", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureBotChannel(ctx, bot)
		}},
		Op{"ai service", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureAIService(ctx, ai)
		}},
		Op{"databricks workspace", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureDatabricksWorkspace(ctx, databricks)
		}},
		Op{"databricks job", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureDatabricksJob(ctx, dbxJob)
		}},
	)
}

// ChangedOps change one field aura owns of each resource EnsureOps created.
func ChangedOps() []Op {
	newTags := map[string]string{"owner": "aura", "env": "es-ct", "cost-center": "42"}
	acct := account
	acct.Expiry = []provider.BlobExpiry{{Prefix: "aura-backups/", Days: 14}}
	kv := vault
	kv.Tags = newTags
	z := zone
	z.Tags = newTags
	cl := cluster
	cl.SKUTier = "Free"
	b := bot
	b.Endpoint = "https://bot-es-ct-next.aura.example.com/api/messages"
	a := ai
	a.Deployments = []provider.AIDeployment{{Name: "gpt-4o", Model: "gpt-4o", Version: "2024-08-06", Capacity: 20}}
	j := dbxJob
	j.Schedule = "0 0 2 * * ?"
	return []Op{
		{"resource group tags", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: RG, Location: Location, Tags: newTags})
		}},
		{"storage account expiry", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureStorageAccount(ctx, acct)
		}},
		{"blob content", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutBlob(ctx, blob, []byte("newer dump"))
		}},
		{"key vault tags", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureKeyVault(ctx, kv)
		}},
		{"dns zone tags", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureDNSZone(ctx, z)
		}},
		{"dns record values", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "api", Type: "A", TTL: 300, Values: []string{"10.0.0.9"}})
		}},
		{"cluster sku tier", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureCluster(ctx, cl)
		}},
		{"bot channel endpoint", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureBotChannel(ctx, b)
		}},
		{"ai deployment capacity", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureAIService(ctx, a)
		}},
		{"databricks job schedule", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.EnsureDatabricksJob(ctx, j)
		}},
	}
}

// DeleteOps undo EnsureOps, children first.
func DeleteOps() []Op {
	return []Op{
		{"delete databricks job", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteDatabricksJob(ctx, dbxJob.Ref())
		}},
		{"delete databricks workspace", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteDatabricksWorkspace(ctx, provider.ResourceRef{ResourceGroup: RG, Name: databricks.Name})
		}},
		{"delete ai service", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteAIService(ctx, provider.ResourceRef{ResourceGroup: RG, Name: ai.Name})
		}},
		{"delete bot channel", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: RG, Name: bot.Name})
		}},
		{"delete role assignment", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteRoleAssignment(ctx, role)
		}},
		{"delete cluster", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteCluster(ctx, cluster.Ref())
		}},
		{"delete dns record", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteRecordSet(ctx, zone, records[0].Key())
		}},
		{"delete blob", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteBlob(ctx, blob)
		}},
		{"delete key vault", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteKeyVault(ctx, vaultRef)
		}},
		{"delete storage account", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteStorageAccount(ctx, accountRef)
		}},
		{"delete resource group", func(ctx context.Context, p provider.Provider) (provider.Change, error) {
			return p.DeleteResourceGroup(ctx, RG)
		}},
	}
}
