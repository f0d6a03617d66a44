package fakecloud

import (
	"context"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cognitiveservices/armcognitiveservices/v2"
	cogfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cognitiveservices/armcognitiveservices/v2/fake"
)

// AIAccount returns a copy of a Cognitive Services account, or nil.
func (c *Cloud) AIAccount(rg, name string) *armcognitiveservices.Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.svc.accounts[key(rg, name)]; ok {
		return clone(a)
	}
	return nil
}

// AIDeployment returns a copy of a model deployment, or nil.
func (c *Cloud) AIDeployment(rg, account, name string) *armcognitiveservices.Deployment {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.svc.deployments[key(rg, account, name)]; ok {
		return clone(d)
	}
	return nil
}

// DeletedAIAccounts are the soft-deleted Cognitive Services accounts
// ("rg/name"), which hold their name until purged.
func (c *Cloud) DeletedAIAccounts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.svc.deleted {
		out = append(out, k)
	}
	return out
}

// SetAIAccountState makes an account look busy (e.g. "Accepted") or
// settled ("Succeeded"), as if someone else ran an operation on it.
func (c *Cloud) SetAIAccountState(rg, name, state string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.svc.accounts[key(rg, name)]; ok {
		a.Properties.ProvisioningState = ptr(armcognitiveservices.ProvisioningState(state))
	}
}

// SetOpenAIQuota limits the total capacity of a model's deployments in a
// region; a deployment beyond it is refused with InsufficientQuota.
func (c *Cloud) SetOpenAIQuota(region, model string, capacity int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.svc.quota[key(region, model)] = capacity
}

// AIKeys are the keys ListKeys gives for an account.
func AIKeys(account string) (key1, key2 string) {
	return "k1-" + principalID("key1 of "+account), "k2-" + principalID("key2 of "+account)
}

// softDeleteAccount keeps an account as Azure does for 48 hours; its
// deployments go.
func (c *Cloud) softDeleteAccount(k string) {
	a := c.svc.accounts[k]
	delete(c.svc.accounts, k)
	deletePrefix(c.svc.deployments, k+"/")
	a.Properties.DeletionDate = ptr("2026-12-01T00:00:00Z")
	a.Properties.ScheduledPurgeDate = ptr("2026-12-03T00:00:00Z")
	c.svc.deleted[k] = a
}

// busy is the provisioning state an operation leaves a resource in until
// its last poll (settled).
func (c *Cloud) busy(creating bool) string {
	switch {
	case c.LROSteps == 0:
		return "Succeeded"
	case creating:
		return "Creating"
	}
	return "Accepted"
}

func (c *Cloud) aiAccountsServer() cogfake.AccountsServer {
	return cogfake.AccountsServer{
		Get: func(_ context.Context, rg, name string, _ *armcognitiveservices.AccountsClientGetOptions) (resp azfake.Responder[armcognitiveservices.AccountsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			a, ok := c.svc.accounts[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armcognitiveservices.AccountsClientGetResponse{Account: *clone(a)}), errResp
		},
		BeginCreate: func(_ context.Context, rg, name string, body armcognitiveservices.Account, _ *armcognitiveservices.AccountsClientBeginCreateOptions) (resp azfake.PollerResponder[armcognitiveservices.AccountsClientCreateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			if body.Kind == nil || body.SKU == nil || body.Location == nil || body.Properties == nil {
				return resp, fail(http.StatusBadRequest, "InvalidRequestContent")
			}
			k := key(rg, name)
			old := c.svc.accounts[k]
			if del, ok := c.svc.deleted[k]; ok && old == nil {
				if body.Properties.Restore == nil || !*body.Properties.Restore {
					return resp, fail(http.StatusConflict, "FlagMustBeSetForRestore")
				}
				old = del
				delete(c.svc.deleted, k)
			}
			a := clone(&body)
			pr := a.Properties
			if old != nil {
				if !strings.EqualFold(str(old.Kind), str(a.Kind)) {
					return resp, fail(http.StatusConflict, "CanNotUpdateKind")
				}
				if pr.CustomSubDomainName == nil {
					pr.CustomSubDomainName = old.Properties.CustomSubDomainName
				}
				if !strings.EqualFold(str(pr.CustomSubDomainName), str(old.Properties.CustomSubDomainName)) {
					return resp, fail(http.StatusBadRequest, "CustomSubDomainNameCannotBeChanged")
				}
				pr.DateCreated = old.Properties.DateCreated
			} else {
				pr.DateCreated = ptr("2026-12-01T00:00:00Z")
			}
			if acl := pr.NetworkACLs; acl != nil && len(acl.IPRules) > 0 && str(pr.CustomSubDomainName) == "" {
				// Network rules need the account's own subdomain.
				return resp, fail(http.StatusBadRequest, "CustomSubDomainNameRequired")
			}
			a.ID = ptr(c.groupID(rg) + "/providers/Microsoft.CognitiveServices/accounts/" + name)
			a.Name, a.Type, a.Etag = ptr(name), ptr("Microsoft.CognitiveServices/accounts"), c.etag()
			domain := "cognitiveservices.azure.com"
			if strings.EqualFold(str(a.Kind), "OpenAI") {
				domain = "openai.azure.com"
			}
			pr.Endpoint = ptr("https://" + str(pr.CustomSubDomainName) + "." + domain + "/")
			pr.Restore = nil
			pr.ProvisioningState = ptr(armcognitiveservices.ProvisioningState(c.busy(old == nil)))
			c.svc.accounts[k] = a
			return lro(c, http.StatusCreated, http.StatusCreated, armcognitiveservices.AccountsClientCreateResponse{Account: *clone(a)}), errResp
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armcognitiveservices.AccountsClientBeginDeleteOptions) (resp azfake.PollerResponder[armcognitiveservices.AccountsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.svc.accounts[key(rg, name)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			c.softDeleteAccount(key(rg, name))
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcognitiveservices.AccountsClientDeleteResponse{}), errResp
		},
		ListKeys: func(_ context.Context, rg, name string, _ *armcognitiveservices.AccountsClientListKeysOptions) (resp azfake.Responder[armcognitiveservices.AccountsClientListKeysResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.svc.accounts[key(rg, name)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			k1, k2 := AIKeys(name)
			return respond(armcognitiveservices.AccountsClientListKeysResponse{APIKeys: armcognitiveservices.APIKeys{Key1: &k1, Key2: &k2}}), errResp
		},
	}
}

func (c *Cloud) aiDeletedServer() cogfake.DeletedAccountsServer {
	return cogfake.DeletedAccountsServer{
		Get: func(_ context.Context, location, rg, name string, _ *armcognitiveservices.DeletedAccountsClientGetOptions) (resp azfake.Responder[armcognitiveservices.DeletedAccountsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			a, ok := c.svc.deleted[key(rg, name)]
			if !ok || !strings.EqualFold(str(a.Location), location) {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armcognitiveservices.DeletedAccountsClientGetResponse{Account: *clone(a)}), errResp
		},
		NewListPager: func(_ *armcognitiveservices.DeletedAccountsClientListOptions) (resp azfake.PagerResponder[armcognitiveservices.DeletedAccountsClientListResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			var list []*armcognitiveservices.Account
			for k, a := range c.svc.deleted {
				rg := k[:strings.IndexByte(k, '/')]
				d := clone(a)
				d.ID = ptr("/subscriptions/" + Subscription + "/providers/Microsoft.CognitiveServices/locations/" + str(a.Location) + "/resourceGroups/" + rg + "/deletedAccounts/" + str(a.Name))
				list = append(list, d)
			}
			return page(armcognitiveservices.DeletedAccountsClientListResponse{AccountListResult: armcognitiveservices.AccountListResult{Value: list}})
		},
		BeginPurge: func(_ context.Context, location, rg, name string, _ *armcognitiveservices.DeletedAccountsClientBeginPurgeOptions) (resp azfake.PollerResponder[armcognitiveservices.DeletedAccountsClientPurgeResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			a, ok := c.svc.deleted[key(rg, name)]
			if !ok || !strings.EqualFold(str(a.Location), location) {
				return resp, notFound("ResourceNotFound")
			}
			delete(c.svc.deleted, key(rg, name))
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcognitiveservices.DeletedAccountsClientPurgeResponse{}), errResp
		},
	}
}

func (c *Cloud) aiDeploymentsServer() cogfake.DeploymentsServer {
	return cogfake.DeploymentsServer{
		Get: func(_ context.Context, rg, account, name string, _ *armcognitiveservices.DeploymentsClientGetOptions) (resp azfake.Responder[armcognitiveservices.DeploymentsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.svc.accounts[key(rg, account)]; !ok {
				return resp, notFound("ParentResourceNotFound")
			}
			d, ok := c.svc.deployments[key(rg, account, name)]
			if !ok {
				return resp, notFound("DeploymentNotFound")
			}
			return respond(armcognitiveservices.DeploymentsClientGetResponse{Deployment: *clone(d)}), errResp
		},
		BeginCreateOrUpdate: func(_ context.Context, rg, account, name string, body armcognitiveservices.Deployment, _ *armcognitiveservices.DeploymentsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armcognitiveservices.DeploymentsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			a, ok := c.svc.accounts[key(rg, account)]
			if !ok {
				return resp, notFound("ParentResourceNotFound")
			}
			if !strings.EqualFold(str(a.Kind), "OpenAI") {
				return resp, fail(http.StatusBadRequest, "InvalidResourceProperties")
			}
			if body.SKU == nil || body.SKU.Capacity == nil || body.Properties == nil || body.Properties.Model == nil || str(body.Properties.Model.Name) == "" {
				return resp, fail(http.StatusBadRequest, "InvalidRequestContent")
			}
			k := key(rg, account, name)
			model := str(body.Properties.Model.Name)
			if limit, ok := c.svc.quota[key(str(a.Location), model)]; ok {
				used := int(*body.SKU.Capacity)
				for dk, d := range c.svc.deployments {
					if dk == k || d.Properties == nil || d.Properties.Model == nil || !strings.EqualFold(str(d.Properties.Model.Name), model) {
						continue
					}
					if owner := c.svc.accounts[dk[:strings.LastIndexByte(dk, '/')]]; owner != nil && strings.EqualFold(str(owner.Location), str(a.Location)) {
						used += int(*d.SKU.Capacity)
					}
				}
				if used > limit {
					return resp, fail(http.StatusBadRequest, "InsufficientQuota")
				}
			}
			_, existed := c.svc.deployments[k]
			d := clone(&body)
			d.ID = ptr(str(a.ID) + "/deployments/" + name)
			d.Name, d.Type, d.Etag = ptr(name), ptr("Microsoft.CognitiveServices/accounts/deployments"), c.etag()
			d.Properties.ProvisioningState = ptr(armcognitiveservices.DeploymentProvisioningState(c.busy(!existed)))
			c.svc.deployments[k] = d
			return lro(c, http.StatusCreated, http.StatusCreated, armcognitiveservices.DeploymentsClientCreateOrUpdateResponse{Deployment: *clone(d)}), errResp
		},
		BeginDelete: func(_ context.Context, rg, account, name string, _ *armcognitiveservices.DeploymentsClientBeginDeleteOptions) (resp azfake.PollerResponder[armcognitiveservices.DeploymentsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.svc.deployments[key(rg, account, name)]; !ok {
				return resp, notFound("DeploymentNotFound")
			}
			delete(c.svc.deployments, key(rg, account, name))
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcognitiveservices.DeploymentsClientDeleteResponse{}), errResp
		},
	}
}
