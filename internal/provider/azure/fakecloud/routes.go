package fakecloud

import (
	"net/http"
	"regexp"
	"strings"
)

// route maps an ARM request to the SDK operation whose fake serves it: the
// fakes dispatch on the operation's name, which an SDK client puts in the
// request's context and which a request from another process does not
// carry.
type route struct {
	method string
	path   *regexp.Regexp
	api    string // e.g. "AccountsClient.BeginCreate"
}

// armRoutes are the operations the Azure provider sends, most specific
// first. {x} is one path segment, {scope...} any number of them.
var armRoutes = compileRoutes([][3]string{
	// Authorization, at any scope.
	{"GET", "{scope...}/providers/Microsoft.Authorization/roleAssignments", "RoleAssignmentsClient.NewListForScopePager"},
	{"PUT", "{scope...}/providers/Microsoft.Authorization/roleAssignments/{name}", "RoleAssignmentsClient.Create"},
	{"DELETE", "{scope...}/providers/Microsoft.Authorization/roleAssignments/{name}", "RoleAssignmentsClient.Delete"},
	{"GET", "{scope...}/providers/Microsoft.Authorization/roleDefinitions", "RoleDefinitionsClient.NewListPager"},
	{"GET", "{scope...}/providers/Microsoft.Authorization/roleDefinitions/{name}", "RoleDefinitionsClient.Get"},
	{"PUT", "{scope...}/providers/Microsoft.Authorization/roleDefinitions/{name}", "RoleDefinitionsClient.CreateOrUpdate"},
	{"GET", "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Authorization/permissions", "PermissionsClient.NewListForResourceGroupPager"},

	// Storage.
	{"GET", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}/blobServices/default/containers/{c}", "BlobContainersClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}/blobServices/default/containers/{c}", "BlobContainersClient.Create"},
	{"GET", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}/managementPolicies/{p}", "ManagementPoliciesClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}/managementPolicies/{p}", "ManagementPoliciesClient.CreateOrUpdate"},
	{"DELETE", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}/managementPolicies/{p}", "ManagementPoliciesClient.Delete"},
	{"POST", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}/listKeys", "AccountsClient.ListKeys"},
	{"GET", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}", "AccountsClient.GetProperties"},
	{"PUT", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}", "AccountsClient.BeginCreate"},
	{"PATCH", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}", "AccountsClient.Update"},
	{"DELETE", "{rg...}/providers/Microsoft.Storage/storageAccounts/{a}", "AccountsClient.Delete"},

	// Key Vault.
	{"GET", "/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{v}", "VaultsClient.GetDeleted"},
	{"GET", "{rg...}/providers/Microsoft.KeyVault/vaults/{v}/keys/{k}", "KeysClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.KeyVault/vaults/{v}/keys/{k}", "KeysClient.CreateIfNotExist"},
	{"GET", "{rg...}/providers/Microsoft.KeyVault/vaults/{v}", "VaultsClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.KeyVault/vaults/{v}", "VaultsClient.BeginCreateOrUpdate"},
	{"DELETE", "{rg...}/providers/Microsoft.KeyVault/vaults/{v}", "VaultsClient.Delete"},

	// DNS.
	{"GET", "{rg...}/providers/Microsoft.Network/dnsZones/{z}/all", "RecordSetsClient.NewListAllByDNSZonePager"},
	{"GET", "{rg...}/providers/Microsoft.Network/dnsZones/{z}/{type}/{name}", "RecordSetsClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.Network/dnsZones/{z}/{type}/{name}", "RecordSetsClient.CreateOrUpdate"},
	{"DELETE", "{rg...}/providers/Microsoft.Network/dnsZones/{z}/{type}/{name}", "RecordSetsClient.Delete"},
	{"GET", "{rg...}/providers/Microsoft.Network/dnsZones/{z}", "ZonesClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.Network/dnsZones/{z}", "ZonesClient.CreateOrUpdate"},

	// AKS.
	{"PUT", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}/agentPools/{p}", "AgentPoolsClient.BeginCreateOrUpdate"},
	{"POST", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}/listClusterAdminCredential", "ManagedClustersClient.ListClusterAdminCredentials"},
	{"POST", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}/listClusterUserCredential", "ManagedClustersClient.ListClusterUserCredentials"},
	{"POST", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}/stop", "ManagedClustersClient.BeginStop"},
	{"POST", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}/start", "ManagedClustersClient.BeginStart"},
	{"GET", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}", "ManagedClustersClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}", "ManagedClustersClient.BeginCreateOrUpdate"},
	{"DELETE", "{rg...}/providers/Microsoft.ContainerService/managedClusters/{c}", "ManagedClustersClient.BeginDelete"},

	// Databricks.
	{"GET", "{rg...}/providers/Microsoft.Databricks/workspaces/{w}", "WorkspacesClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.Databricks/workspaces/{w}", "WorkspacesClient.BeginCreateOrUpdate"},
	{"DELETE", "{rg...}/providers/Microsoft.Databricks/workspaces/{w}", "WorkspacesClient.BeginDelete"},

	// Bot Service and Cognitive Services (AccountsClient: the router tells
	// it from storage's by the path).
	{"GET", "{rg...}/providers/Microsoft.BotService/botServices/{name}", "BotsClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.BotService/botServices/{name}", "BotsClient.Create"},
	{"DELETE", "{rg...}/providers/Microsoft.BotService/botServices/{name}", "BotsClient.Delete"},
	{"GET", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}/deployments/{name}", "DeploymentsClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}/deployments/{name}", "DeploymentsClient.BeginCreateOrUpdate"},
	{"DELETE", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}/deployments/{name}", "DeploymentsClient.BeginDelete"},
	{"POST", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}/listKeys", "AccountsClient.ListKeys"},
	{"GET", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}", "AccountsClient.Get"},
	{"PUT", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}", "AccountsClient.BeginCreate"},
	{"DELETE", "{rg...}/providers/Microsoft.CognitiveServices/accounts/{a}", "AccountsClient.BeginDelete"},
	{"GET", "/subscriptions/{sub}/providers/Microsoft.CognitiveServices/deletedAccounts", "DeletedAccountsClient.NewListPager"},
	{"GET", "/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{l}/resourceGroups/{rg}/deletedAccounts/{name}", "DeletedAccountsClient.Get"},
	{"DELETE", "/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{l}/resourceGroups/{rg}/deletedAccounts/{name}", "DeletedAccountsClient.BeginPurge"},

	// Resource groups.
	{"GET", "/subscriptions/{sub}/resourceGroups/{rg}", "ResourceGroupsClient.Get"},
	{"PUT", "/subscriptions/{sub}/resourceGroups/{rg}", "ResourceGroupsClient.CreateOrUpdate"},
	{"DELETE", "/subscriptions/{sub}/resourceGroups/{rg}", "ResourceGroupsClient.BeginDelete"},

	// Anything else in a resource group (public IPs, disk encryption sets):
	// the generic by-ID operations.
	{"GET", "{rg...}/providers/{ns}/{type}/{name}", "Client.GetByID"},
	{"PUT", "{rg...}/providers/{ns}/{type}/{name}", "Client.BeginCreateOrUpdateByID"},
	{"DELETE", "{rg...}/providers/{ns}/{type}/{name}", "Client.BeginDeleteByID"},
})

func compileRoutes(table [][3]string) []route {
	placeholders := strings.NewReplacer(
		"{scope...}", "(?:/[^/]+)*",
		"{rg...}", "/subscriptions/[^/]+/resourceGroups/[^/]+",
		"{sub}", "[^/]+", "{rg}", "[^/]+", "{name}", "[^/]+", "{a}", "[^/]+", "{c}", "[^/]+", "{p}", "[^/]+",
		"{l}", "[^/]+", "{v}", "[^/]+", "{k}", "[^/]+", "{z}", "[^/]+", "{type}", "[^/]+", "{ns}", "[^/]+", "{w}", "[^/]+",
	)
	out := make([]route, 0, len(table))
	for _, r := range table {
		// ARM paths are case-insensitive.
		re := regexp.MustCompile("(?i)^" + strings.ReplaceAll(placeholders.Replace(r[1]), ".", `\.`) + "$")
		out = append(out, route{method: r[0], path: re, api: r[2]})
	}
	return out
}

// apiOf names the operation of an ARM request, or "" when the fake has none.
func apiOf(method, path string) string {
	for _, r := range armRoutes {
		if r.method == method && r.path.MatchString(path) {
			return r.api
		}
	}
	return ""
}

// IsWrite reports whether an ARM request changes something: every PUT,
// PATCH and DELETE, and the POST actions that are not reads (ARM's read
// actions are named list…, e.g. listKeys).
func IsWrite(method, path string) bool {
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	case http.MethodPost:
		action := path[strings.LastIndexByte(path, '/')+1:]
		return !strings.HasPrefix(strings.ToLower(action), "list")
	}
	return false
}
