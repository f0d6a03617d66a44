// Package fakecloud is an in-memory Azure Resource Manager for tests: the
// Azure SDK's own fake servers (each module's `fake` package), with
// handlers that keep resources in memory the way ARM does (a resource group
// deleted takes its resources along, a deleted key vault stays
// soft-deleted, a cluster has identities and an outbound public IP, a Databricks
// workspace its managed resource group), so
// that requests still go through the real SDK pipeline and a provider can
// be run against it operation after operation.
//
// Blob data goes to a real emulator (Azurite) through the Blobs hook; the
// fake only answers ARM.
package fakecloud

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	authfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2/fake"
	botfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/botservice/armbotservice/fake"
	cogfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cognitiveservices/armcognitiveservices/v2/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8"
	aksfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks"
	dbxfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns"
	dnsfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	kvfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"
	resfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3"
	storfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3/fake"
)

// Subscription is the fake's subscription ID.
const Subscription = "00000000-0000-0000-0000-0000000000aa"

// Blobs is the data plane behind the fake's storage accounts.
type Blobs interface {
	// CreateContainer is called when ARM creates a container.
	CreateContainer(account, container string) error
	// ResetAccount is called when ARM creates or deletes an account: its
	// containers and blobs go.
	ResetAccount(account string) error
}

// Cloud is the fake ARM. Set the exported fields before the first request.
type Cloud struct {
	// LROSteps is how many "in progress" answers a long-running operation
	// gives before it ends.
	LROSteps int
	// BlobEndpoint is an account's blob endpoint (primaryEndpoints.blob);
	// nil: https://NAME.blob.core.windows.net/.
	BlobEndpoint func(account string) string
	// AccountKey is the key ListKeys returns for every account.
	AccountKey string
	Blobs      Blobs
	// Permissions are the service principal's in every resource group
	// (default: everything, as Owner).
	Permissions []*armauthorization.Permission
	// Kubeconfig is what a cluster's credentials hold, admin and user
	// alike (nil: a kubeconfig naming an unreachable AKS server). A test
	// returns a control plane's of its own to go on past the cluster.
	// It is called with the cloud locked: it must not call the Cloud.
	Kubeconfig func(rg, name string) []byte
	// WorkspaceURL is a new Databricks workspace's workspaceUrl (nil:
	// adb-ID.azuredatabricks.net, served through Transport).
	WorkspaceURL func(id string) string
	// DatabricksNodeTypes are the node types the workspaces' Jobs API
	// accepts (nil: any Standard_ VM size).
	DatabricksNodeTypes []string

	mu            sync.Mutex
	serial        int
	groups        map[string]*armresources.ResourceGroup
	generic       map[string]*armresources.GenericResource
	accounts      map[string]*armstorage.Account
	containers    map[string]*armstorage.BlobContainer
	policies      map[string]*armstorage.ManagementPolicy
	vaults        map[string]*armkeyvault.Vault
	deletedVaults map[string]*armkeyvault.DeletedVault
	keys          map[string]*armkeyvault.Key
	zones         map[string]*armdns.Zone
	records       map[string]*armdns.RecordSet
	clusters      map[string]*armcontainerservice.ManagedCluster
	assignments   map[string]*armauthorization.RoleAssignment
	customRoles   map[string]*armauthorization.RoleDefinition // by ID; made on first use
	workspaces    map[string]*armdatabricks.Workspace
	jobs          map[string]*dbxJob // Databricks jobs, by job ID
	svc           *services

	transport policy.Transporter
}

// New returns an empty cloud.
func New() *Cloud {
	c := &Cloud{
		AccountKey:    "ZmFrZWNsb3VkLWtleQ==",
		groups:        map[string]*armresources.ResourceGroup{},
		generic:       map[string]*armresources.GenericResource{},
		accounts:      map[string]*armstorage.Account{},
		containers:    map[string]*armstorage.BlobContainer{},
		policies:      map[string]*armstorage.ManagementPolicy{},
		vaults:        map[string]*armkeyvault.Vault{},
		deletedVaults: map[string]*armkeyvault.DeletedVault{},
		keys:          map[string]*armkeyvault.Key{},
		zones:         map[string]*armdns.Zone{},
		records:       map[string]*armdns.RecordSet{},
		clusters:      map[string]*armcontainerservice.ManagedCluster{},
		assignments:   map[string]*armauthorization.RoleAssignment{},
		workspaces:    map[string]*armdatabricks.Workspace{},
		jobs:          map[string]*dbxJob{},
		svc:           newServices(),
	}
	c.transport = c.router()
	return c
}

// SetLROSteps changes LROSteps while the cloud serves requests; running
// operations keep theirs.
func (c *Cloud) SetLROSteps(n int) {
	c.mu.Lock()
	c.LROSteps = n
	c.mu.Unlock()
}

// Transport carries a client's requests to the fake servers. Requests are
// routed by the SDK client that sent them, so one transport serves every
// module's clients.
func (c *Cloud) Transport() policy.Transporter { return c.transport }

type router struct {
	c       *Cloud
	clients map[string]policy.Transporter
}

func (r router) Do(req *http.Request) (*http.Response, error) {
	if resp, ok := r.c.serveJobsInProcess(req); ok {
		return resp, nil
	}
	name, _ := req.Context().Value(runtime.CtxAPINameKey{}).(string)
	client, _, _ := strings.Cut(name, ".")
	if client == "AccountsClient" && strings.Contains(strings.ToLower(req.URL.Path), "/providers/microsoft.cognitiveservices/") {
		// Storage and Cognitive Services both name theirs AccountsClient.
		client = "CognitiveAccountsClient"
	}
	clients := r.clients
	if strings.HasSuffix(name, "Pager") {
		// The fakes keep a pager by its path until its last page is read,
		// and never drop one whose page was an error: the next list of
		// that path would find it empty. Every answer here is one page,
		// so each list gets fresh fakes.
		clients = r.c.router().clients
	}
	t, ok := clients[client]
	if !ok {
		return nil, fmt.Errorf("fakecloud: no fake for %q (%s %s)", name, req.Method, req.URL.Path)
	}
	resp, err := t.Do(req)
	if err == nil && strings.HasSuffix(req.URL.Path, pollSuffix) && resp.Header.Get("Fake-Poller-Status") == "Succeeded" {
		// The operation's last answer: the resource is no longer busy.
		r.c.settled(strings.TrimSuffix(req.URL.Path, pollSuffix))
	}
	return resp, err
}

// pollSuffix ends the URL the SDK fakes poll a long-running operation at.
const pollSuffix = "/get/fake/status"

func (c *Cloud) router() router {
	res := resfake.NewServerFactoryTransport(&resfake.ServerFactory{Server: c.genericServer(), ResourceGroupsServer: c.groupsServer()})
	stor := storfake.NewServerFactoryTransport(&storfake.ServerFactory{AccountsServer: c.accountsServer(), BlobContainersServer: c.containersServer(), ManagementPoliciesServer: c.policiesServer()})
	kv := kvfake.NewServerFactoryTransport(&kvfake.ServerFactory{VaultsServer: c.vaultsServer(), KeysServer: c.keysServer()})
	dns := dnsfake.NewServerFactoryTransport(&dnsfake.ServerFactory{ZonesServer: c.zonesServer(), RecordSetsServer: c.recordsServer()})
	aks := aksfake.NewServerFactoryTransport(&aksfake.ServerFactory{ManagedClustersServer: c.clustersServer(), AgentPoolsServer: c.poolsServer()})
	auth := authfake.NewServerFactoryTransport(&authfake.ServerFactory{RoleAssignmentsServer: c.assignmentsServer(), RoleDefinitionsServer: c.definitionsServer(), PermissionsServer: c.permissionsServer()})
	dbx := dbxfake.NewServerFactoryTransport(&dbxfake.ServerFactory{WorkspacesServer: c.workspacesServer()})
	bot := botfake.NewServerFactoryTransport(&botfake.ServerFactory{BotsServer: c.botsServer()})
	cog := cogfake.NewServerFactoryTransport(&cogfake.ServerFactory{AccountsServer: c.aiAccountsServer(), DeletedAccountsServer: c.aiDeletedServer(), DeploymentsServer: c.aiDeploymentsServer()})
	return router{c: c, clients: map[string]policy.Transporter{
		"Client": res, "ResourceGroupsClient": res,
		"AccountsClient": stor, "BlobContainersClient": stor, "ManagementPoliciesClient": stor,
		"VaultsClient": kv, "KeysClient": kv,
		"ZonesClient": dns, "RecordSetsClient": dns,
		"ManagedClustersClient": aks, "AgentPoolsClient": aks,
		"RoleAssignmentsClient": auth, "RoleDefinitionsClient": auth, "PermissionsClient": auth,
		"WorkspacesClient":        dbx,
		"BotsClient":              bot,
		"CognitiveAccountsClient": cog, "DeletedAccountsClient": cog, "DeploymentsClient": cog,
	}}
}

// Snapshot is every resource as JSON, keys sorted: equal snapshots mean
// nothing was written in between.
func (c *Cloud) Snapshot() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := map[string]any{
		"groups": c.groups, "generic": c.generic, "accounts": c.accounts, "containers": c.containers, "policies": c.policies,
		"vaults": c.vaults, "deletedVaults": c.deletedVaults, "keys": c.keys, "zones": c.zones, "records": c.records,
		"clusters": c.clusters, "assignments": c.assignments, "workspaces": c.workspaces, "jobs": c.jobs,
	}
	maps.Copy(all, c.svc.snapshot())
	data, err := json.MarshalIndent(all, "", " ")
	if err != nil {
		return "snapshot: " + err.Error()
	}
	return string(data)
}

// Resources lists what the cloud holds, one key per resource ("accounts
// rg/name", …), sorted; soft-deleted key vaults are not resources
// (DeletedVaults), nor are Databricks jobs, which live in a workspace, not
// in ARM (Jobs).
func (c *Cloud) Resources() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	add := func(kind string, keys []string) {
		for _, k := range keys {
			out = append(out, kind+" "+k)
		}
	}
	add("group", slices.Collect(maps.Keys(c.groups)))
	add("resource", slices.Collect(maps.Keys(c.generic)))
	add("account", slices.Collect(maps.Keys(c.accounts)))
	add("container", slices.Collect(maps.Keys(c.containers)))
	add("policy", slices.Collect(maps.Keys(c.policies)))
	add("vault", slices.Collect(maps.Keys(c.vaults)))
	add("key", slices.Collect(maps.Keys(c.keys)))
	add("zone", slices.Collect(maps.Keys(c.zones)))
	add("recordset", slices.Collect(maps.Keys(c.records)))
	add("cluster", slices.Collect(maps.Keys(c.clusters)))
	add("assignment", slices.Collect(maps.Keys(c.assignments)))
	add("workspace", slices.Collect(maps.Keys(c.workspaces)))
	c.svc.resources(add)
	sort.Strings(out)
	return out
}

// DeletedVaults are the soft-deleted key vaults, by name.
func (c *Cloud) DeletedVaults() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.deletedVaults))
}

// key joins names into a case-insensitive map key, as ARM names are.
func key(parts ...string) string { return strings.ToLower(strings.Join(parts, "/")) }

func (c *Cloud) groupID(rg string) string {
	return "/subscriptions/" + Subscription + "/resourceGroups/" + rg
}

func (c *Cloud) next() int { c.serial++; return c.serial }

func (c *Cloud) etag() *string { s := fmt.Sprintf(`W/"%d"`, c.next()); return &s }

// fail is an ARM error as the fakes return it.
func fail(status int, code string) azfake.ErrorResponder {
	var e azfake.ErrorResponder
	e.SetResponseError(status, code)
	return e
}

func notFound(code string) azfake.ErrorResponder { return fail(http.StatusNotFound, code) }

// deletePrefix removes the entries of a parent that is deleted.
func deletePrefix[V any](m map[string]V, prefix string) {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			delete(m, k)
		}
	}
}

func respond[T any](v T) azfake.Responder[T] {
	var r azfake.Responder[T]
	r.SetResponse(http.StatusOK, v, nil)
	return r
}

// lro answers a long-running operation: LROSteps answers "in progress"
// (with status, the code of an accepted operation), then the result.
// Without steps the operation ends at once with done, the code the SDK
// client expects for that (e.g. 204 for a delete).
func lro[T any](c *Cloud, status, done int, result T) azfake.PollerResponder[T] {
	var p azfake.PollerResponder[T]
	for range c.LROSteps {
		p.AddNonTerminalResponse(status, nil)
	}
	if c.LROSteps == 0 {
		p.SetTerminalResponse(done, result, nil)
	} else {
		p.SetTerminalResponse(http.StatusOK, result, nil)
	}
	return p
}

func page[T any](v T) azfake.PagerResponder[T] {
	var p azfake.PagerResponder[T]
	p.AddPage(http.StatusOK, v, nil)
	return p
}

// clone deep-copies a model through its JSON form, so callers never share
// memory with the cloud's state.
func clone[T any](v *T) *T {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	out := new(T)
	if err := json.Unmarshal(data, out); err != nil {
		panic(err)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
