package fakecloud

import (
	"context"
	"net/http"
	"regexp"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3"
	storfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3/fake"
)

var accountNameRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

func (c *Cloud) resetBlobs(account string) {
	if c.Blobs != nil {
		_ = c.Blobs.ResetAccount(account)
	}
}

func (c *Cloud) accountsServer() storfake.AccountsServer {
	return storfake.AccountsServer{
		GetProperties: func(_ context.Context, rg, name string, _ *armstorage.AccountsClientGetPropertiesOptions) (resp azfake.Responder[armstorage.AccountsClientGetPropertiesResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			a, ok := c.accounts[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armstorage.AccountsClientGetPropertiesResponse{Account: *clone(a)}), errResp
		},
		BeginCreate: func(_ context.Context, rg, name string, body armstorage.AccountCreateParameters, _ *armstorage.AccountsClientBeginCreateOptions) (resp azfake.PollerResponder[armstorage.AccountsClientCreateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !accountNameRE.MatchString(name) {
				return resp, fail(http.StatusBadRequest, "AccountNameInvalid")
			}
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			endpoint := "https://" + name + ".blob.core.windows.net/"
			if c.BlobEndpoint != nil {
				endpoint = c.BlobEndpoint(name)
			}
			pr := body.Properties
			if pr == nil {
				pr = &armstorage.AccountPropertiesCreateParameters{}
			}
			a := &armstorage.Account{
				ID: ptr(c.groupID(rg) + "/providers/Microsoft.Storage/storageAccounts/" + name), Name: ptr(name),
				Location: body.Location, Kind: body.Kind, SKU: body.SKU, Tags: body.Tags,
				Properties: &armstorage.AccountProperties{
					ProvisioningState:      ptr(armstorage.ProvisioningStateSucceeded),
					PrimaryEndpoints:       &armstorage.Endpoints{Blob: ptr(endpoint)},
					MinimumTLSVersion:      pr.MinimumTLSVersion,
					AllowBlobPublicAccess:  pr.AllowBlobPublicAccess,
					EnableHTTPSTrafficOnly: pr.EnableHTTPSTrafficOnly,
					AccessTier:             pr.AccessTier,
				},
			}
			if _, existed := c.accounts[key(rg, name)]; !existed {
				c.resetBlobs(name)
			}
			c.accounts[key(rg, name)] = a
			return lro(c, http.StatusAccepted, http.StatusOK, armstorage.AccountsClientCreateResponse{Account: *clone(a)}), errResp
		},
		Update: func(_ context.Context, rg, name string, body armstorage.AccountUpdateParameters, _ *armstorage.AccountsClientUpdateOptions) (resp azfake.Responder[armstorage.AccountsClientUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			a, ok := c.accounts[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			if body.Tags != nil {
				a.Tags = body.Tags
			}
			if pr := body.Properties; pr != nil {
				if pr.MinimumTLSVersion != nil {
					a.Properties.MinimumTLSVersion = pr.MinimumTLSVersion
				}
				if pr.AllowBlobPublicAccess != nil {
					a.Properties.AllowBlobPublicAccess = pr.AllowBlobPublicAccess
				}
				if pr.EnableHTTPSTrafficOnly != nil {
					a.Properties.EnableHTTPSTrafficOnly = pr.EnableHTTPSTrafficOnly
				}
			}
			return respond(armstorage.AccountsClientUpdateResponse{Account: *clone(a)}), errResp
		},
		Delete: func(_ context.Context, rg, name string, _ *armstorage.AccountsClientDeleteOptions) (resp azfake.Responder[armstorage.AccountsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			k := key(rg, name)
			if _, ok := c.accounts[k]; !ok {
				var r azfake.Responder[armstorage.AccountsClientDeleteResponse]
				r.SetResponse(http.StatusNoContent, armstorage.AccountsClientDeleteResponse{}, nil)
				return r, errResp
			}
			delete(c.accounts, k)
			delete(c.policies, k)
			deletePrefix(c.containers, k+"/")
			c.resetBlobs(name)
			return respond(armstorage.AccountsClientDeleteResponse{}), errResp
		},
		ListKeys: func(_ context.Context, rg, name string, _ *armstorage.AccountsClientListKeysOptions) (resp azfake.Responder[armstorage.AccountsClientListKeysResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.accounts[key(rg, name)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			keys := []*armstorage.AccountKey{{KeyName: ptr("key1"), Value: ptr(c.AccountKey)}}
			return respond(armstorage.AccountsClientListKeysResponse{AccountListKeysResult: armstorage.AccountListKeysResult{Keys: keys}}), errResp
		},
	}
}

func (c *Cloud) containersServer() storfake.BlobContainersServer {
	return storfake.BlobContainersServer{
		Get: func(_ context.Context, rg, account, name string, _ *armstorage.BlobContainersClientGetOptions) (resp azfake.Responder[armstorage.BlobContainersClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			bc, ok := c.containers[key(rg, account, name)]
			if !ok {
				return resp, notFound("ContainerNotFound")
			}
			return respond(armstorage.BlobContainersClientGetResponse{BlobContainer: *clone(bc)}), errResp
		},
		Create: func(_ context.Context, rg, account, name string, body armstorage.BlobContainer, _ *armstorage.BlobContainersClientCreateOptions) (resp azfake.Responder[armstorage.BlobContainersClientCreateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.accounts[key(rg, account)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			if c.Blobs != nil {
				if err := c.Blobs.CreateContainer(account, name); err != nil {
					errResp.SetError(err)
					return resp, errResp
				}
			}
			bc := clone(&body)
			bc.Name = ptr(name)
			c.containers[key(rg, account, name)] = bc
			return respond(armstorage.BlobContainersClientCreateResponse{BlobContainer: *clone(bc)}), errResp
		},
	}
}

func (c *Cloud) policiesServer() storfake.ManagementPoliciesServer {
	return storfake.ManagementPoliciesServer{
		Get: func(_ context.Context, rg, account string, _ armstorage.ManagementPolicyName, _ *armstorage.ManagementPoliciesClientGetOptions) (resp azfake.Responder[armstorage.ManagementPoliciesClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mp, ok := c.policies[key(rg, account)]
			if !ok {
				return resp, notFound("ManagementPolicyNotFound")
			}
			return respond(armstorage.ManagementPoliciesClientGetResponse{ManagementPolicy: *clone(mp)}), errResp
		},
		CreateOrUpdate: func(_ context.Context, rg, account string, _ armstorage.ManagementPolicyName, body armstorage.ManagementPolicy, _ *armstorage.ManagementPoliciesClientCreateOrUpdateOptions) (resp azfake.Responder[armstorage.ManagementPoliciesClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.accounts[key(rg, account)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			if body.Properties == nil || body.Properties.Policy == nil || len(body.Properties.Policy.Rules) == 0 {
				return resp, fail(http.StatusBadRequest, "InvalidManagementPolicy")
			}
			mp := clone(&body)
			mp.Name = ptr("default")
			c.policies[key(rg, account)] = mp
			return respond(armstorage.ManagementPoliciesClientCreateOrUpdateResponse{ManagementPolicy: *clone(mp)}), errResp
		},
		Delete: func(_ context.Context, rg, account string, _ armstorage.ManagementPolicyName, _ *armstorage.ManagementPoliciesClientDeleteOptions) (resp azfake.Responder[armstorage.ManagementPoliciesClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.policies, key(rg, account))
			return respond(armstorage.ManagementPoliciesClientDeleteResponse{}), errResp
		},
	}
}
