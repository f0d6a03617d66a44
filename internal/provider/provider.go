// Package provider defines what a cloud must offer the deployment phases:
// resource groups, storage (blobs), key vault, DNS, the Kubernetes cluster, the
// bot channel and AI services. The phases use only this interface, so they
// never import a cloud SDK; implementations live in sub-packages (local, azure).
//
// Every Ensure*/Delete*/Put*/Set* method reports a Change saying whether it
// created, updated, deleted or left the resource unchanged, so a phase can
// print what happened and a second run can prove it changes nothing. DryRun
// returns a view of the same provider whose mutating methods observe and
// report the same Change without writing anything: that is --dry-run.
package provider

import (
	"context"
	"errors"
)

// ErrNotFound is wrapped by every lookup of a resource that does not exist.
var ErrNotFound = errors.New("not found")

// Provider is implemented once per cloud. All methods honour ctx before they
// start a write, and never leave a half-written resource behind.
type Provider interface {
	// Name is "local" or "azure".
	Name() string
	// DryRun returns a view whose mutating methods only observe: they return
	// the Change they would make and write nothing. Reads work as usual; a
	// parent that does not exist yet (created by an earlier planned action)
	// is not an error on this view.
	DryRun() Provider

	EnsureResourceGroup(ctx context.Context, rg ResourceGroup) (Change, error)
	DeleteResourceGroup(ctx context.Context, name string) (Change, error)

	// EnsureStorageAccount creates the account and the listed containers.
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

	EnsureKeyVault(ctx context.Context, kv KeyVault) (Change, error)
	DeleteKeyVault(ctx context.Context, ref VaultRef) (Change, error)
	SetSecret(ctx context.Context, ref VaultRef, name, value string) (Change, error)
	GetSecret(ctx context.Context, ref VaultRef, name string) (string, error) // ErrNotFound

	EnsureDNSZone(ctx context.Context, zone Zone) (Change, error)
	ListRecordSets(ctx context.Context, zone Zone) ([]RecordSet, error)            // sorted by name, type
	GetRecordSet(ctx context.Context, zone Zone, key RecordKey) (RecordSet, error) // ErrNotFound
	PutRecordSet(ctx context.Context, zone Zone, rs RecordSet) (Change, error)
	DeleteRecordSet(ctx context.Context, zone Zone, key RecordKey) (Change, error)

	// EnsureCluster creates the cluster, or starts it when it is stopped.
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

	EnsureBotChannel(ctx context.Context, bc BotChannel) (Change, error)
	DeleteBotChannel(ctx context.Context, ref ResourceRef) (Change, error)

	EnsureAIService(ctx context.Context, ai AIService) (Change, error)
	DeleteAIService(ctx context.Context, ref ResourceRef) (Change, error)
}

// IsNotFound reports whether err says a resource does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
