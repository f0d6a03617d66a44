package provider

import "strings"

// ResourceGroup is the container every other resource lives in (an Azure
// resource group; a directory for the local provider).
type ResourceGroup struct {
	Name     string            `json:"name"`
	Location string            `json:"location,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// StorageAccount holds blob containers, e.g. the common account's
// "aura-backups". Containers listed here are created; others are left alone.
type StorageAccount struct {
	ResourceGroup string   `json:"resource_group"`
	Name          string   `json:"name"`
	Location      string   `json:"location,omitempty"`
	Containers    []string `json:"containers,omitempty"`
	// Expiry deletes old blobs (the guide's backup_retention_time for
	// aura-backups). Rules are compared as a set.
	Expiry []BlobExpiry      `json:"expiry,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
}

// BlobExpiry deletes the blobs whose names start with Prefix ("container/"
// or "container/path") Days days after they were last modified.
type BlobExpiry struct {
	Prefix string `json:"prefix"`
	Days   int    `json:"days"`
}

// ContainerRef names one blob container.
type ContainerRef struct {
	ResourceGroup string
	Account       string
	Container     string
}

// BlobRef names one blob; Name may contain "/" (e.g. "mongodb/restore/x.gz").
type BlobRef struct {
	ResourceGroup string
	Account       string
	Container     string
	Name          string
}

// ContainerRef returns the container the blob lives in.
func (b BlobRef) ContainerRef() ContainerRef {
	return ContainerRef{ResourceGroup: b.ResourceGroup, Account: b.Account, Container: b.Container}
}

func (b BlobRef) String() string { return b.Account + "/" + b.Container + "/" + b.Name }

// KeyVault holds secrets shared by the clusters of an environment.
type KeyVault struct {
	ResourceGroup string            `json:"resource_group"`
	Name          string            `json:"name"`
	Location      string            `json:"location,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
}

// VaultKey is a key in a key vault (a customer-managed key).
type VaultKey struct {
	Name string `json:"name"`
	Type string `json:"type"` // RSA (default) or RSA-HSM
	Size int    `json:"size"` // bits; 2048 (default), 3072 or 4096
	// ID is the versioned key URL, set by GetKey.
	ID string `json:"id,omitempty"`
}

// WithDefaults fills the key type and size aura uses when none is given.
func (k VaultKey) WithDefaults() VaultKey {
	if k.Type == "" {
		k.Type = "RSA"
	}
	if k.Size == 0 {
		k.Size = 2048
	}
	return k
}

// KeyRef names a key in a key vault.
type KeyRef struct {
	Vault VaultRef `json:"vault"`
	Key   string   `json:"key"`
}

// VaultRef names a key vault.
type VaultRef struct {
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
}

// Zone names a DNS zone, e.g. "aura.example.com".
type Zone struct {
	ResourceGroup string
	Name          string
	// Tags are set by EnsureDNSZone; other calls ignore them.
	Tags map[string]string
}

// RecordSet is one DNS record set: all records of one name and type.
type RecordSet struct {
	Name   string   `json:"name"` // relative to the zone; "@" for the apex
	Type   string   `json:"type"` // A, AAAA, CNAME, TXT
	TTL    int64    `json:"ttl"`
	Values []string `json:"values"` // addresses, the CNAME target, or TXT strings
}

// RecordKey identifies a record set within a zone.
type RecordKey struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Key returns the record set's identity.
func (r RecordSet) Key() RecordKey { return RecordKey{Name: r.Name, Type: strings.ToUpper(r.Type)} }

func (k RecordKey) String() string { return k.Name + " " + k.Type }

// ClusterSpec describes the Kubernetes cluster of an environment. A
// provider that cannot honour a field (the local one has no SLA tiers or
// zones) still records it, so `aura plan` shows what Azure would get.
type ClusterSpec struct {
	ResourceGroup     string     `json:"resource_group"`
	Name              string     `json:"name"`
	Location          string     `json:"location,omitempty"`
	KubernetesVersion string     `json:"kubernetes_version,omitempty"`
	Nodes             int        `json:"nodes,omitempty"`
	Pools             []NodePool `json:"pools,omitempty"`
	// SKUTier is aks_sku_tier: Paid (the uptime SLA, AKS's Standard tier)
	// or Free.
	SKUTier string `json:"sku_tier,omitempty"`
	// Zones are the availability zones every pool spreads over ("1", "2",
	// "3" with aks_multi_az); empty: no zone pinning.
	Zones []string `json:"zones,omitempty"`
	// APIServerAuthorizedRanges is kubernetes_api_allowed_sources: the CIDRs
	// allowed to reach the Kubernetes API; empty or "*": anyone.
	APIServerAuthorizedRanges []string `json:"api_server_authorized_ranges,omitempty"`
	// SSHAllowedSources is ssh_allowed_sources: the CIDRs allowed to reach
	// the nodes' SSH port.
	SSHAllowedSources []string `json:"ssh_allowed_sources,omitempty"`
	// SSHPublicKey is the OpenSSH public key of aura.pem, installed on the
	// nodes at creation (Azure cannot change it later).
	SSHPublicKey string `json:"ssh_public_key,omitempty"`
	// EncryptionInTransit is enable_encryption_in_transit: node disks and
	// caches are encrypted at the host, so data flows encrypted to storage.
	EncryptionInTransit bool `json:"encryption_in_transit,omitempty"`
	// CustomerManagedKey (enable_customer_key_encryption) encrypts the node
	// disks with this key through a disk encryption set.
	CustomerManagedKey *KeyRef           `json:"customer_managed_key,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// HasPool reports whether the spec names the pool (Azure compares pool
// names without case).
func (s ClusterSpec) HasPool(name string) bool {
	for _, np := range s.Pools {
		if strings.EqualFold(np.Name, name) {
			return true
		}
	}
	return false
}

// NodePool is one agent pool of the cluster (guide: infrastructure.compute.agentpools).
type NodePool struct {
	Name    string `json:"name"`
	Mode    string `json:"mode"` // System or User
	MinSize int    `json:"min_size"`
	MaxSize int    `json:"max_size"`
	VMSize  string `json:"vm_size"`
}

// Autoscaling reports whether the cluster autoscaler sizes the pool between
// MinSize and MaxSize (the guide: min_size nodes are created, the
// autoscaler may add up to max_size); with MinSize == MaxSize the pool has
// a fixed size.
func (p NodePool) Autoscaling() bool { return p.MaxSize > p.MinSize }

// ClusterRef names a cluster.
type ClusterRef struct {
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
}

// Ref returns the spec's name.
func (c ClusterSpec) Ref() ClusterRef {
	return ClusterRef{ResourceGroup: c.ResourceGroup, Name: c.Name}
}

// ClusterState is what ClusterState observes.
type ClusterState string

// Cluster states.
const (
	ClusterAbsent  ClusterState = "absent"
	ClusterRunning ClusterState = "running"
	ClusterStopped ClusterState = "stopped"
)

// BotChannel is an Azure Bot Channel Registration; a "-next" channel is just
// another BotChannel named with NextName.
type BotChannel struct {
	ResourceGroup string            `json:"resource_group"`
	Name          string            `json:"name"`
	Location      string            `json:"location,omitempty"`
	AppID         string            `json:"app_id,omitempty"`
	Endpoint      string            `json:"endpoint"` // messaging endpoint, https://…/api/messages
	Tags          map[string]string `json:"tags,omitempty"`
}

// AIKind is the kind of Azure AI service.
type AIKind string

// AI service kinds the platform uses.
const (
	AIKindCLU    AIKind = "CLU"
	AIKindOpenAI AIKind = "OpenAI"
)

// AIService is a CLU (language) or OpenAI account with its model deployments.
type AIService struct {
	ResourceGroup string         `json:"resource_group"`
	Name          string         `json:"name"`
	Kind          AIKind         `json:"kind"`
	Location      string         `json:"location,omitempty"`
	SKU           string         `json:"sku,omitempty"`
	Deployments   []AIDeployment `json:"deployments,omitempty"`
	// AllowedRanges are the only sources (IPv4 addresses or CIDRs) the
	// account accepts requests from: the cluster's outbound IPs plus
	// clu_allowed_ranges / openai_allowed_ranges. Compared as a set.
	AllowedRanges []string          `json:"allowed_ranges,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
}

// AIKeys is how a workload reaches an AI account: its endpoint and a key
// (a secret).
type AIKeys struct {
	Endpoint string
	Key      string
}

// AIDeployment is one model deployment of an OpenAI account.
type AIDeployment struct {
	Name     string `json:"name"`
	Model    string `json:"model"`
	Version  string `json:"version,omitempty"`
	Capacity int    `json:"capacity,omitempty"` // thousands of tokens per minute
	// SKU is the deployment type, e.g. Standard (default) or GlobalStandard.
	SKU string `json:"sku,omitempty"`
}

// ResourceRef names any resource that lives directly in a resource group.
type ResourceRef struct {
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
}

// RoleAssignment grants one of the cluster's identities a built-in role on
// a resource.
type RoleAssignment struct {
	Cluster ClusterRef `json:"cluster"`
	// Identity is IdentityCluster (the control plane's) or IdentityKubelet
	// (the nodes', which pulls images and mounts disks).
	Identity string `json:"identity"`
	// Role is a built-in role's name, e.g. "Network Contributor".
	Role  string `json:"role"`
	Scope Scope  `json:"scope"`
}

// The cluster identities a RoleAssignment can name.
const (
	IdentityCluster = "cluster"
	IdentityKubelet = "kubelet"
)

// Scope is the resource a role is granted on: a resource group (Kind
// empty) or a resource in it.
type Scope struct {
	ResourceGroup string    `json:"resource_group"`
	Kind          ScopeKind `json:"kind,omitempty"`
	Name          string    `json:"name,omitempty"`
}

// ScopeKind is the type of resource a Scope names.
type ScopeKind string

// The resources roles are granted on.
const (
	ScopeResourceGroup  ScopeKind = ""
	ScopeStorageAccount ScopeKind = "storage account"
	ScopeKeyVault       ScopeKind = "key vault"
	ScopeDNSZone        ScopeKind = "dns zone"
	// ScopeContainerRegistry is an Azure Container Registry (AcrPull).
	ScopeContainerRegistry ScopeKind = "container registry"
)

func (s Scope) String() string {
	if s.Kind == ScopeResourceGroup {
		return "resource group " + s.ResourceGroup
	}
	return string(s.Kind) + " " + s.Name
}

func (r RoleAssignment) String() string {
	return r.Role + " for " + r.Cluster.Name + "/" + r.Identity + " on " + r.Scope.String()
}

// DatabricksWorkspace is the Databricks workspace of databricks_enabled,
// with its Confidential Computing settings.
type DatabricksWorkspace struct {
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
	Location      string `json:"location,omitempty"`
	// ManagedResourceGroup is where Databricks puts its own resources.
	ManagedResourceGroup string `json:"managed_resource_group"`
	// EnhancedSecurityCompliance with its ComplianceStandards is
	// databricks_enhanced_security_compliance.
	EnhancedSecurityCompliance bool     `json:"enhanced_security_compliance,omitempty"`
	ComplianceStandards        []string `json:"compliance_standards,omitempty"`
	// RequireInfrastructureEncryption is databricks_requireInfrastructureEncryption.
	RequireInfrastructureEncryption bool `json:"require_infrastructure_encryption,omitempty"`
	// CustomerManagedKey is enable_customer_key_databricks_encryption.
	CustomerManagedKey *KeyRef           `json:"customer_managed_key,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// NextName is the name of the "-next" twin of a DNS record or bot channel
// (guide: "Next environment").
func NextName(name string) string {
	if name == "@" || name == "" {
		return "next"
	}
	return name + "-next"
}

// DatabricksJob is the scheduled job deploy_core keeps in the workspace
// deploy_common made (guide: "Enable Databricks deployment"). Databricks
// does not make job names unique: aura finds its job by Name and refuses to
// guess between two of that name.
type DatabricksJob struct {
	Workspace ResourceRef `json:"workspace"`
	Name      string      `json:"name"`
	// Schedule is a Quartz cron expression (databricks.job.schedule), run
	// in Timezone, a Java/IANA time zone ID such as Europe/Madrid.
	Schedule string `json:"schedule"`
	Timezone string `json:"timezone"`
	// NodeType is the VM size of the job cluster's nodes
	// (databricks.cluster.node_type_id).
	NodeType     string `json:"node_type"`
	SparkVersion string `json:"spark_version"`
	Workers      int    `json:"workers"`
	// NotebookPath is the workspace notebook the job's one task runs.
	NotebookPath string            `json:"notebook_path"`
	Tags         map[string]string `json:"tags,omitempty"`
}

// Ref names the job.
func (j DatabricksJob) Ref() DatabricksJobRef {
	return DatabricksJobRef{Workspace: j.Workspace, Name: j.Name}
}

// DatabricksJobRef names a job by its workspace and name.
type DatabricksJobRef struct {
	Workspace ResourceRef `json:"workspace"`
	Name      string      `json:"name"`
}
