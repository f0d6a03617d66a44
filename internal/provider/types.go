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
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
	Location      string `json:"location,omitempty"`
}

// VaultRef names a key vault.
type VaultRef struct {
	ResourceGroup string
	Name          string
}

// Zone names a DNS zone, e.g. "aura.example.com".
type Zone struct {
	ResourceGroup string
	Name          string
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

// ClusterSpec describes the Kubernetes cluster of an environment.
type ClusterSpec struct {
	ResourceGroup     string     `json:"resource_group"`
	Name              string     `json:"name"`
	Location          string     `json:"location,omitempty"`
	KubernetesVersion string     `json:"kubernetes_version,omitempty"`
	Nodes             int        `json:"nodes,omitempty"`
	Pools             []NodePool `json:"pools,omitempty"`
}

// NodePool is one agent pool of the cluster (guide: infrastructure.compute.agentpools).
type NodePool struct {
	Name    string `json:"name"`
	Mode    string `json:"mode"` // System or User
	MinSize int    `json:"min_size"`
	MaxSize int    `json:"max_size"`
	VMSize  string `json:"vm_size"`
}

// ClusterRef names a cluster.
type ClusterRef struct {
	ResourceGroup string
	Name          string
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
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
	Location      string `json:"location,omitempty"`
	AppID         string `json:"app_id,omitempty"`
	Endpoint      string `json:"endpoint"` // messaging endpoint, https://…/api/messages
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
}

// AIDeployment is one model deployment of an OpenAI account.
type AIDeployment struct {
	Name     string `json:"name"`
	Model    string `json:"model"`
	Version  string `json:"version,omitempty"`
	Capacity int    `json:"capacity,omitempty"`
}

// ResourceRef names any resource that lives directly in a resource group.
type ResourceRef struct {
	ResourceGroup string
	Name          string
}

// NextName is the name of the "-next" twin of a DNS record or bot channel
// (guide: "Next environment").
func NextName(name string) string {
	if name == "@" || name == "" {
		return "next"
	}
	return name + "-next"
}
