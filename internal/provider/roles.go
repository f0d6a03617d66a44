package provider

import "context"

// The role interfaces below are what a phase asks for: a step that only
// touches DNS takes a DNS, so a test can hand it just that, and a provider's
// parts can be read one service at a time. Provider is their union.

// ResourceGroups holds every other resource (an Azure resource group; a
// directory for the local provider).
type ResourceGroups interface {
	EnsureResourceGroup(ctx context.Context, rg ResourceGroup) (Change, error)
	// DeleteResourceGroup removes the group and everything in it.
	DeleteResourceGroup(ctx context.Context, name string) (Change, error)
}

// Storage is storage accounts, their containers and blobs.
type Storage interface {
	// EnsureStorageAccount creates the account and the listed containers
	// and sets its lifecycle rules; containers not listed are kept.
	EnsureStorageAccount(ctx context.Context, sa StorageAccount) (Change, error)
	DeleteStorageAccount(ctx context.Context, ref ResourceRef) (Change, error)
	PutBlob(ctx context.Context, ref BlobRef, data []byte) (Change, error)
	GetBlob(ctx context.Context, ref BlobRef) ([]byte, error) // ErrNotFound
	// ListBlobs returns the names of the container's blobs that start with
	// prefix, sorted.
	ListBlobs(ctx context.Context, ref ContainerRef, prefix string) ([]string, error)
	DeleteBlob(ctx context.Context, ref BlobRef) (Change, error)
	// StorageAccountKey is a key of the account, for workloads (backup
	// jobs, Elasticsearch snapshots) that write to it. ErrNotFound when the
	// account does not exist.
	StorageAccountKey(ctx context.Context, ref ResourceRef) (string, error)
}

// KeyVaults is key vaults with their keys (the customer-managed keys of
// Confidential Computing; the guide keeps nothing else in the vault).
type KeyVaults interface {
	EnsureKeyVault(ctx context.Context, kv KeyVault) (Change, error)
	DeleteKeyVault(ctx context.Context, ref VaultRef) (Change, error)
	// EnsureKey creates the key when absent. A key's type and size cannot
	// change in place: a different existing key is an error, not a rotation.
	EnsureKey(ctx context.Context, ref VaultRef, key VaultKey) (Change, error)
	// GetKey returns the key with its ID (the versioned key URL that disk
	// encryption sets and storage accounts point at). ErrNotFound.
	GetKey(ctx context.Context, ref VaultRef, name string) (VaultKey, error)
}

// DNS is a zone's record sets.
type DNS interface {
	EnsureDNSZone(ctx context.Context, zone Zone) (Change, error)
	ListRecordSets(ctx context.Context, zone Zone) ([]RecordSet, error)            // sorted by name, type
	GetRecordSet(ctx context.Context, zone Zone, key RecordKey) (RecordSet, error) // ErrNotFound
	PutRecordSet(ctx context.Context, zone Zone, rs RecordSet) (Change, error)
	DeleteRecordSet(ctx context.Context, zone Zone, key RecordKey) (Change, error)
}

// Clusters is the environment's Kubernetes cluster.
type Clusters interface {
	// EnsureCluster creates the cluster, updates what aura owns of it, or
	// starts it when it is stopped.
	EnsureCluster(ctx context.Context, spec ClusterSpec) (Change, error)
	DeleteCluster(ctx context.Context, ref ClusterRef) (Change, error)
	// StopCluster and StartCluster are no-ops (OpNone, with a Detail saying
	// so) when the cluster already is in that state.
	StopCluster(ctx context.Context, ref ClusterRef) (Change, error)
	StartCluster(ctx context.Context, ref ClusterRef) (Change, error)
	ClusterState(ctx context.Context, ref ClusterRef) (ClusterState, error)
	Kubeconfig(ctx context.Context, ref ClusterRef) ([]byte, error)
	// ClusterOutboundIPs are the public IPv4 addresses the cluster's
	// traffic leaves from (Atlas allows them).
	ClusterOutboundIPs(ctx context.Context, ref ClusterRef) ([]string, error)
}

// Identity grants the cluster's identities roles on other resources (guide:
// the service principal must be able to assign roles to the AKS managed
// identities).
type Identity interface {
	EnsureRoleAssignment(ctx context.Context, ra RoleAssignment) (Change, error)
	DeleteRoleAssignment(ctx context.Context, ra RoleAssignment) (Change, error)
}

// Bot is the Azure Bot Channel Registration (and its -next twin).
type Bot interface {
	EnsureBotChannel(ctx context.Context, bc BotChannel) (Change, error)
	DeleteBotChannel(ctx context.Context, ref ResourceRef) (Change, error)
}

// AI is the CLU and OpenAI accounts with their deployments.
type AI interface {
	EnsureAIService(ctx context.Context, ai AIService) (Change, error)
	DeleteAIService(ctx context.Context, ref ResourceRef) (Change, error)
	// AIServiceKeys is the endpoint of an account and a key workloads call
	// it with. ErrNotFound when the account does not exist.
	AIServiceKeys(ctx context.Context, ref ResourceRef) (AIKeys, error)
}

// Databricks is the Databricks workspace (databricks_enabled) and the job
// deploy_core schedules in it.
type Databricks interface {
	EnsureDatabricksWorkspace(ctx context.Context, ws DatabricksWorkspace) (Change, error)
	DeleteDatabricksWorkspace(ctx context.Context, ref ResourceRef) (Change, error)
	// EnsureDatabricksJob creates the job in its workspace, or resets it
	// when a field aura owns differs. The workspace must exist (a dry run
	// plans the job's creation when it does not).
	EnsureDatabricksJob(ctx context.Context, job DatabricksJob) (Change, error)
	// DeleteDatabricksJob is a no-op when the job or its workspace is gone.
	DeleteDatabricksJob(ctx context.Context, ref DatabricksJobRef) (Change, error)
}

// ServicePrincipalApp is the Microsoft Entra application of the service
// principal aura runs as. It is not part of Provider: only Azure has one,
// and it is reached through Microsoft Graph, not Resource Manager.
type ServicePrincipalApp interface {
	// AppID is the application's client ID (not a secret).
	AppID() string
	// EnsureSingleTenant sets the application's sign-in audience to its own
	// tenant (guide: the cross-tenant permissions create_sp gives "are
	// disabled after" the bot channel step).
	EnsureSingleTenant(ctx context.Context) (Change, error)
	// DryRun returns a view that only observes, like Provider.DryRun.
	DryRun() ServicePrincipalApp
}
