package fakecloud

import (
	"context"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"
	resfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4/fake"
)

func (c *Cloud) groupsServer() resfake.ResourceGroupsServer {
	return resfake.ResourceGroupsServer{
		Get: func(_ context.Context, rg string, _ *armresources.ResourceGroupsClientGetOptions) (resp azfake.Responder[armresources.ResourceGroupsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			g, ok := c.groups[key(rg)]
			if !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			return respond(armresources.ResourceGroupsClientGetResponse{ResourceGroup: *clone(g)}), errResp
		},
		CreateOrUpdate: func(_ context.Context, rg string, body armresources.ResourceGroup, _ *armresources.ResourceGroupsClientCreateOrUpdateOptions) (resp azfake.Responder[armresources.ResourceGroupsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if old, ok := c.groups[key(rg)]; ok && !strings.EqualFold(str(old.Location), str(body.Location)) {
				return resp, fail(http.StatusConflict, "InvalidResourceGroupLocation")
			}
			g := clone(&body)
			g.ID, g.Name = ptr(c.groupID(rg)), ptr(rg)
			g.Properties = &armresources.ResourceGroupProperties{ProvisioningState: ptr("Succeeded")}
			c.groups[key(rg)] = g
			return respond(armresources.ResourceGroupsClientCreateOrUpdateResponse{ResourceGroup: *clone(g)}), errResp
		},
		BeginDelete: func(_ context.Context, rg string, _ *armresources.ResourceGroupsClientBeginDeleteOptions) (resp azfake.PollerResponder[armresources.ResourceGroupsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			c.deleteGroup(rg)
			return lro(c, http.StatusAccepted, http.StatusOK, armresources.ResourceGroupsClientDeleteResponse{}), errResp
		},
	}
}

// deleteGroup removes the group and everything in it, as ARM does.
func (c *Cloud) deleteGroup(rg string) {
	delete(c.groups, key(rg))
	prefix := key(rg) + "/"
	for k := range c.accounts {
		if strings.HasPrefix(k, prefix) {
			c.resetBlobs(k[len(prefix):])
		}
	}
	deletePrefix(c.accounts, prefix)
	deletePrefix(c.containers, prefix)
	deletePrefix(c.policies, prefix)
	deletePrefix(c.keys, prefix)
	deletePrefix(c.zones, prefix)
	deletePrefix(c.records, prefix)
	for k, mc := range c.clusters {
		if strings.HasPrefix(k, prefix) {
			// AKS deletes the cluster's node resource group with it.
			deletePrefix(c.generic, strings.ToLower(c.groupID(str(mc.Properties.NodeResourceGroup)))+"/")
			delete(c.clusters, k)
		}
	}
	for k := range c.workspaces {
		if strings.HasPrefix(k, prefix) {
			c.deleteWorkspace(k)
		}
	}
	c.deleteGroupServices(prefix)
	for k, v := range c.vaults {
		if strings.HasPrefix(k, prefix) {
			c.softDelete(v)
			delete(c.vaults, k)
		}
	}
	idPrefix := strings.ToLower(c.groupID(rg)) + "/"
	for k := range c.generic {
		if strings.HasPrefix(k, idPrefix) {
			delete(c.generic, k)
		}
	}
	for k := range c.assignments {
		if strings.HasPrefix(k, idPrefix) || k == strings.ToLower(c.groupID(rg)) {
			delete(c.assignments, k)
		}
	}
}

func (c *Cloud) genericServer() resfake.Server {
	return resfake.Server{
		GetByID: func(_ context.Context, id, _ string, _ *armresources.ClientGetByIDOptions) (resp azfake.Responder[armresources.ClientGetByIDResponse], errResp azfake.ErrorResponder) {
			id = rooted(id)
			c.mu.Lock()
			defer c.mu.Unlock()
			r, ok := c.generic[strings.ToLower(id)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armresources.ClientGetByIDResponse{GenericResource: *clone(r)}), errResp
		},
		BeginCreateOrUpdateByID: func(_ context.Context, id, _ string, body armresources.GenericResource, _ *armresources.ClientBeginCreateOrUpdateByIDOptions) (resp azfake.PollerResponder[armresources.ClientCreateOrUpdateByIDResponse], errResp azfake.ErrorResponder) {
			id = rooted(id)
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.groupOf(id) {
				return resp, notFound("ResourceGroupNotFound")
			}
			r := clone(&body)
			r.ID = ptr(id)
			if old, ok := c.generic[strings.ToLower(id)]; ok && old.Identity != nil {
				r.Identity = old.Identity
			} else if r.Identity != nil && r.Identity.Type != nil && *r.Identity.Type == armresources.ResourceIdentityTypeSystemAssigned {
				r.Identity.PrincipalID = ptr(principalID("identity of " + id))
			}
			c.generic[strings.ToLower(id)] = r
			return lro(c, http.StatusCreated, http.StatusCreated, armresources.ClientCreateOrUpdateByIDResponse{GenericResource: *clone(r)}), errResp
		},
		BeginDeleteByID: func(_ context.Context, id, _ string, _ *armresources.ClientBeginDeleteByIDOptions) (resp azfake.PollerResponder[armresources.ClientDeleteByIDResponse], errResp azfake.ErrorResponder) {
			id = rooted(id)
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.generic[strings.ToLower(id)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			delete(c.generic, strings.ToLower(id))
			return lro(c, http.StatusAccepted, http.StatusNoContent, armresources.ClientDeleteByIDResponse{}), errResp
		},
	}
}

// groupOf reports whether the resource group of a resource ID exists.
func (c *Cloud) groupOf(id string) bool {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			_, ok := c.groups[key(parts[i+1])]
			return ok
		}
	}
	return false
}
