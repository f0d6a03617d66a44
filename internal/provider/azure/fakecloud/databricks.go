package fakecloud

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks"
	dbxfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"
)

// SetWorkspaceState makes a Databricks workspace look busy (e.g.
// "Updating") or settled ("Succeeded"), as if someone else ran an
// operation on it.
func (c *Cloud) SetWorkspaceState(rg, name, state string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.workspaces[key(rg, name)]; ok {
		w.Properties.ProvisioningState = ptr(armdatabricks.ProvisioningState(state))
	}
}

// Workspace returns a copy of a Databricks workspace, or nil.
func (c *Cloud) Workspace(rg, name string) *armdatabricks.Workspace {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.workspaces[key(rg, name)]; ok {
		return clone(w)
	}
	return nil
}

// managedGroup is the name of a workspace's managed resource group.
func managedGroup(w *armdatabricks.Workspace) string {
	id := str(w.Properties.ManagedResourceGroupID)
	return id[strings.LastIndexByte(id, '/')+1:]
}

// deleteWorkspace removes a workspace and, as Databricks does, its managed
// resource group.
func (c *Cloud) deleteWorkspace(k string) {
	w := c.workspaces[k]
	delete(c.workspaces, k)
	c.deleteJobsOf(str(w.Properties.WorkspaceID))
	if mrg := managedGroup(w); mrg != "" {
		if _, ok := c.groups[key(mrg)]; ok {
			c.deleteGroup(mrg)
		}
	}
}

func (c *Cloud) workspacesServer() dbxfake.WorkspacesServer {
	return dbxfake.WorkspacesServer{
		Get: func(_ context.Context, rg, name string, _ *armdatabricks.WorkspacesClientGetOptions) (resp azfake.Responder[armdatabricks.WorkspacesClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			w, ok := c.workspaces[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armdatabricks.WorkspacesClientGetResponse{Workspace: *clone(w)}), errResp
		},
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, body armdatabricks.Workspace, _ *armdatabricks.WorkspacesClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armdatabricks.WorkspacesClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			if body.Properties == nil || body.Properties.ManagedResourceGroupID == nil {
				return resp, fail(http.StatusBadRequest, "InvalidRequestContent")
			}
			old := c.workspaces[key(rg, name)]
			w := clone(&body)
			w.ID = ptr(c.groupID(rg) + "/providers/Microsoft.Databricks/workspaces/" + name)
			w.Name, w.Type = ptr(name), ptr("Microsoft.Databricks/workspaces")
			pr := w.Properties
			if pr.Parameters == nil {
				pr.Parameters = &armdatabricks.WorkspaceCustomParameters{}
			}
			if old != nil {
				// Set at creation only: Azure refuses a PUT that changes them.
				op := old.Properties
				if !strings.EqualFold(str(op.ManagedResourceGroupID), str(pr.ManagedResourceGroupID)) ||
					boolParam(op.Parameters.RequireInfrastructureEncryption) != boolParam(pr.Parameters.RequireInfrastructureEncryption) ||
					(op.Parameters.Encryption != nil && pr.Parameters.Encryption == nil) ||
					(op.Parameters.Encryption == nil && pr.Parameters.Encryption != nil && !boolParam(op.Parameters.PrepareEncryption)) {
					return resp, fail(http.StatusBadRequest, "InvalidEncryptionConfiguration")
				}
				pr.WorkspaceID, pr.WorkspaceURL, pr.CreatedDateTime = op.WorkspaceID, op.WorkspaceURL, op.CreatedDateTime
				pr.StorageAccountIdentity = op.StorageAccountIdentity
			} else {
				mrg := managedGroup(w)
				if _, taken := c.groups[key(mrg)]; taken {
					return resp, fail(http.StatusConflict, "ManagedResourceGroupExists")
				}
				// Databricks makes the managed resource group itself.
				c.groups[key(mrg)] = &armresources.ResourceGroup{ID: ptr(c.groupID(mrg)), Name: ptr(mrg), Location: w.Location,
					ManagedBy:  w.ID,
					Properties: &armresources.ResourceGroupProperties{ProvisioningState: ptr("Succeeded")}}
				n := c.next()
				pr.WorkspaceID = ptr(fmt.Sprintf("%016d", n))
				pr.WorkspaceURL = ptr(c.workspaceURL(str(pr.WorkspaceID)))
				if boolParam(pr.Parameters.PrepareEncryption) {
					pr.StorageAccountIdentity = &armdatabricks.ManagedIdentityConfiguration{PrincipalID: ptr(principalID("dbfs of " + str(w.ID))), Type: ptr("SystemAssigned")}
				}
			}
			if pr.Parameters.Encryption != nil && !c.mayUseKey(pr) {
				if old == nil {
					delete(c.groups, key(managedGroup(w)))
				}
				return resp, fail(http.StatusBadRequest, "StorageAccountKeyVaultAccessDenied")
			}
			// Busy until the operation's last poll (settled), as Databricks is.
			pr.ProvisioningState = ptr(armdatabricks.ProvisioningStateSucceeded)
			if c.LROSteps > 0 {
				pr.ProvisioningState = ptr(armdatabricks.ProvisioningStateCreating)
				if old != nil {
					pr.ProvisioningState = ptr(armdatabricks.ProvisioningStateUpdating)
				}
			}
			c.workspaces[key(rg, name)] = w
			return lro(c, http.StatusCreated, http.StatusCreated, armdatabricks.WorkspacesClientCreateOrUpdateResponse{Workspace: *clone(w)}), errResp
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armdatabricks.WorkspacesClientBeginDeleteOptions) (resp azfake.PollerResponder[armdatabricks.WorkspacesClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.workspaces[key(rg, name)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			c.deleteWorkspace(key(rg, name))
			return lro(c, http.StatusAccepted, http.StatusNoContent, armdatabricks.WorkspacesClientDeleteResponse{}), errResp
		},
	}
}

func boolParam(p *armdatabricks.WorkspaceCustomBooleanParameter) bool {
	return p != nil && p.Value != nil && *p.Value
}

// mayUseKey reports whether the workspace's storage identity holds a role
// assignment on the vault of its customer-managed key (the vault's RBAC),
// without which Azure cannot encrypt its storage with the key.
func (c *Cloud) mayUseKey(pr *armdatabricks.WorkspaceProperties) bool {
	enc := pr.Parameters.Encryption.Value
	if enc == nil || pr.StorageAccountIdentity == nil {
		return false
	}
	var vaultID string
	for _, v := range c.vaults {
		if strings.EqualFold(strings.TrimSuffix(str(v.Properties.VaultURI), "/"), strings.TrimSuffix(str(enc.KeyVaultURI), "/")) {
			vaultID = strings.ToLower(str(v.ID))
		}
	}
	if vaultID == "" {
		return false
	}
	for _, a := range c.assignments {
		if strings.EqualFold(str(a.Properties.Scope), vaultID) && str(a.Properties.PrincipalID) == str(pr.StorageAccountIdentity.PrincipalID) {
			return true
		}
	}
	return false
}
