// Package azure is the Azure provider (`provider: azure`): resource groups,
// storage accounts and their blobs, key vaults and keys, DNS zones, the AKS
// cluster, role assignments, the bot channels, the CLU and OpenAI accounts
// and the Databricks workspace, through the Azure SDK for Go. Only this
// package (and internal/packages for blobs) imports the SDK.
//
// Every Ensure reads the resource, compares only the fields aura owns
// (lists as sets, tags as "at least these"), and writes only when they
// differ, starting the body from what it read so fields set by Azure or by
// others survive. It never writes a resource whose provisioning state is
// not terminal: it waits for the running operation (up to
// Options.BusyTimeout) or says so. Before it waits for a long-running
// operation it saves the operation's resume token in the TokenStore, so an
// interrupted run resumes waiting for that operation instead of starting
// another. Retries of throttled (429) and failed (5xx) requests are the
// SDK's.
//
// One file per Azure service; the fake cloud the tests run against is in
// fakecloud.
package azure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/botservice/armbotservice"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cognitiveservices/armcognitiveservices/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Options configure an Azure provider.
type Options struct {
	SubscriptionID string
	// TenantID is the service principal's tenant; key vaults trust it.
	TenantID string
	// ClientID is the service principal's application: the app the bot
	// channels are registered with when a BotChannel names none.
	ClientID   string
	Credential azcore.TokenCredential
	// Cloud is where the subscription lives (Cloud's zero value is AzurePublic).
	Cloud Cloud
	// Tokens keeps resume tokens of long-running operations (required).
	Tokens provider.TokenStore
	// Transport, when set, carries every request, ARM and blob (tests pass
	// the SDK fakes; nil is the SDK's HTTP client).
	Transport policy.Transporter
	// Retry overrides the SDK's retry policy (tests shorten its delays).
	Retry *policy.RetryOptions
	// PollFrequency is how often a long-running operation is polled when
	// Azure gives no Retry-After (default 10s).
	PollFrequency time.Duration
	// LockAccount is the storage account that holds the environment locks
	// (the common one, which deploy_common creates).
	LockAccount provider.ResourceRef
	// BusyTimeout is how long an Ensure waits for an operation someone else
	// started on the resource before giving up without writing (default 30m).
	BusyTimeout time.Duration
}

// Provider is the Azure provider. Its methods are safe for concurrent use.
type Provider struct {
	opts Options
	dry  bool
	*clients
}

// clients are shared between a Provider and its DryRun view.
type clients struct {
	groups      *armresources.ResourceGroupsClient
	resources   *armresources.Client
	accounts    *armstorage.AccountsClient
	containers  *armstorage.BlobContainersClient
	policies    *armstorage.ManagementPoliciesClient
	vaults      *armkeyvault.VaultsClient
	keys        *armkeyvault.KeysClient
	zones       *armdns.ZonesClient
	records     *armdns.RecordSetsClient
	clusters    *armcontainerservice.ManagedClustersClient
	pools       *armcontainerservice.AgentPoolsClient
	assignments *armauthorization.RoleAssignmentsClient
	definitions *armauthorization.RoleDefinitionsClient
	permissions *armauthorization.PermissionsClient
	workspaces  *armdatabricks.WorkspacesClient
	bots        *armbotservice.BotsClient
	aiAccounts  *armcognitiveservices.AccountsClient
	aiDeleted   *armcognitiveservices.DeletedAccountsClient
	aiModels    *armcognitiveservices.DeploymentsClient
	// jobsPipeline carries the Databricks Jobs API requests of every
	// workspace.
	jobsPipeline runtime.Pipeline

	blobMu    sync.Mutex
	blobCache map[provider.ResourceRef]*blobAccount

	permMu  sync.Mutex
	permOK  map[string]bool // resource group → may assign roles
	roleIDs sync.Map        // role name → role definition ID
}

var _ provider.Provider = (*Provider)(nil)

// New builds the ARM clients; it makes no request.
func New(opts Options) (*Provider, error) {
	switch {
	case opts.SubscriptionID == "":
		return nil, errors.New("azure provider: no subscription ID (AZURE_SUBSCRIPTION_ID)")
	case opts.Credential == nil:
		return nil, errors.New("azure provider: no credential")
	case opts.Tokens == nil:
		return nil, errors.New("azure provider: no store for resume tokens")
	}
	if opts.PollFrequency == 0 {
		opts.PollFrequency = 10 * time.Second
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 30 * time.Minute
	}
	cc, err := opts.Cloud.Configuration()
	if err != nil {
		return nil, err
	}
	co := &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: cc, Transport: opts.Transport}}
	if opts.Retry != nil {
		co.Retry = *opts.Retry
	}
	sub, cred := opts.SubscriptionID, opts.Credential
	c := &clients{blobCache: map[provider.ResourceRef]*blobAccount{}, permOK: map[string]bool{}}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var e error
	c.groups, e = armresources.NewResourceGroupsClient(sub, cred, co)
	add(e)
	c.resources, e = armresources.NewClient(sub, cred, co)
	add(e)
	c.accounts, e = armstorage.NewAccountsClient(sub, cred, co)
	add(e)
	c.containers, e = armstorage.NewBlobContainersClient(sub, cred, co)
	add(e)
	c.policies, e = armstorage.NewManagementPoliciesClient(sub, cred, co)
	add(e)
	c.vaults, e = armkeyvault.NewVaultsClient(sub, cred, co)
	add(e)
	c.keys, e = armkeyvault.NewKeysClient(sub, cred, co)
	add(e)
	c.zones, e = armdns.NewZonesClient(sub, cred, co)
	add(e)
	c.records, e = armdns.NewRecordSetsClient(sub, cred, co)
	add(e)
	c.clusters, e = armcontainerservice.NewManagedClustersClient(sub, cred, co)
	add(e)
	c.pools, e = armcontainerservice.NewAgentPoolsClient(sub, cred, co)
	add(e)
	c.assignments, e = armauthorization.NewRoleAssignmentsClient(sub, cred, co)
	add(e)
	c.definitions, e = armauthorization.NewRoleDefinitionsClient(cred, co)
	add(e)
	c.permissions, e = armauthorization.NewPermissionsClient(sub, cred, co)
	add(e)
	c.workspaces, e = armdatabricks.NewWorkspacesClient(sub, cred, co)
	add(e)
	c.bots, e = armbotservice.NewBotsClient(sub, cred, co)
	add(e)
	c.aiAccounts, e = armcognitiveservices.NewAccountsClient(sub, cred, co)
	add(e)
	c.aiDeleted, e = armcognitiveservices.NewDeletedAccountsClient(sub, cred, co)
	add(e)
	c.aiModels, e = armcognitiveservices.NewDeploymentsClient(sub, cred, co)
	add(e)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("azure provider: %w", err)
	}
	armScope := strings.TrimSuffix(cc.Services[cloud.ResourceManager].Audience, "/") + "/.default"
	c.jobsPipeline = newJobsPipeline(cred, armScope, opts.Transport, opts.Retry)
	return &Provider{opts: opts, clients: c}, nil
}

// Name implements provider.Provider.
func (p *Provider) Name() string { return "azure" }

// Capabilities implements provider.Provider.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{LoadBalancer: true, RoleAssignments: true}
}

// DryRun implements provider.Provider.
func (p *Provider) DryRun() provider.Provider {
	c := *p
	c.dry = true
	return &c
}

// start is called by every operation before its first request: a
// cancelled context fails before anything is read or written.
func start(ctx context.Context) error { return ctx.Err() }

func (p *Provider) subscriptionScope() string { return "/subscriptions/" + p.opts.SubscriptionID }

func (p *Provider) groupID(rg string) string { return p.subscriptionScope() + "/resourceGroups/" + rg }
