package fakecloud

import (
	"context"
	"fmt"
	"net/http"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	kvfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault/fake"
)

// softDelete keeps a deleted vault recoverable, as Azure does.
func (c *Cloud) softDelete(v *armkeyvault.Vault) {
	if v.Properties != nil && v.Properties.EnableSoftDelete != nil && !*v.Properties.EnableSoftDelete {
		return
	}
	c.deletedVaults[key(str(v.Name))] = &armkeyvault.DeletedVault{Name: v.Name, Properties: &armkeyvault.DeletedVaultProperties{
		Location: v.Location, VaultID: v.ID, Tags: v.Tags, PurgeProtectionEnabled: v.Properties.EnablePurgeProtection,
	}}
}

func (c *Cloud) vaultsServer() kvfake.VaultsServer {
	return kvfake.VaultsServer{
		Get: func(_ context.Context, rg, name string, _ *armkeyvault.VaultsClientGetOptions) (resp azfake.Responder[armkeyvault.VaultsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			v, ok := c.vaults[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armkeyvault.VaultsClientGetResponse{Vault: *clone(v)}), errResp
		},
		GetDeleted: func(_ context.Context, name, _ string, _ *armkeyvault.VaultsClientGetDeletedOptions) (resp azfake.Responder[armkeyvault.VaultsClientGetDeletedResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			d, ok := c.deletedVaults[key(name)]
			if !ok {
				return resp, notFound("DeletedVaultNotFound")
			}
			return respond(armkeyvault.VaultsClientGetDeletedResponse{DeletedVault: *clone(d)}), errResp
		},
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, body armkeyvault.VaultCreateOrUpdateParameters, _ *armkeyvault.VaultsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armkeyvault.VaultsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			recovering := body.Properties != nil && body.Properties.CreateMode != nil && *body.Properties.CreateMode == armkeyvault.CreateModeRecover
			_, deleted := c.deletedVaults[key(name)]
			switch {
			case recovering && !deleted:
				return resp, notFound("DeletedVaultNotFound")
			case !recovering && deleted:
				return resp, fail(http.StatusConflict, "ConflictError")
			}
			delete(c.deletedVaults, key(name))
			v := &armkeyvault.Vault{ID: ptr(c.groupID(rg) + "/providers/Microsoft.KeyVault/vaults/" + name), Name: ptr(name),
				Location: body.Location, Tags: body.Tags, Properties: clone(body.Properties)}
			v.Properties.CreateMode = nil
			v.Properties.ProvisioningState = ptr(armkeyvault.VaultProvisioningStateSucceeded)
			v.Properties.VaultURI = ptr("https://" + name + ".vault.azure.net/")
			c.vaults[key(rg, name)] = v
			return lro(c, http.StatusOK, http.StatusOK, armkeyvault.VaultsClientCreateOrUpdateResponse{Vault: *clone(v)}), errResp
		},
		Delete: func(_ context.Context, rg, name string, _ *armkeyvault.VaultsClientDeleteOptions) (resp azfake.Responder[armkeyvault.VaultsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if v, ok := c.vaults[key(rg, name)]; ok {
				c.softDelete(v)
				delete(c.vaults, key(rg, name))
			}
			return respond(armkeyvault.VaultsClientDeleteResponse{}), errResp
		},
	}
}

func (c *Cloud) keysServer() kvfake.KeysServer {
	return kvfake.KeysServer{
		Get: func(_ context.Context, rg, vault, name string, _ *armkeyvault.KeysClientGetOptions) (resp azfake.Responder[armkeyvault.KeysClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			k, ok := c.keys[key(rg, vault, name)]
			if !ok {
				return resp, notFound("KeyNotFound")
			}
			return respond(armkeyvault.KeysClientGetResponse{Key: *clone(k)}), errResp
		},
		CreateIfNotExist: func(_ context.Context, rg, vault, name string, body armkeyvault.KeyCreateParameters, _ *armkeyvault.KeysClientCreateIfNotExistOptions) (resp azfake.Responder[armkeyvault.KeysClientCreateIfNotExistResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			v, ok := c.vaults[key(rg, vault)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			k, exists := c.keys[key(rg, vault, name)]
			if !exists {
				uri := str(v.Properties.VaultURI) + "keys/" + name
				k = &armkeyvault.Key{ID: ptr(str(v.ID) + "/keys/" + name), Name: ptr(name), Tags: body.Tags, Properties: clone(body.Properties)}
				k.Properties.KeyURI = ptr(uri)
				k.Properties.KeyURIWithVersion = ptr(fmt.Sprintf("%s/%032x", uri, c.next()))
				c.keys[key(rg, vault, name)] = k
			}
			return respond(armkeyvault.KeysClientCreateIfNotExistResponse{Key: *clone(k)}), errResp
		},
	}
}
