package fakecloud

import (
	"context"
	"net/http"
	"sort"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
)

// CustomRoles lists the custom role definitions as "name: action, action"
// (actions sorted), for tests to compare.
func (c *Cloud) CustomRoles() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, d := range c.customRoles {
		var actions []string
		for _, p := range d.Properties.Permissions {
			for _, a := range p.Actions {
				actions = append(actions, str(a))
			}
		}
		sort.Strings(actions)
		out = append(out, str(d.Properties.RoleName)+": "+strings.Join(actions, ", "))
	}
	sort.Strings(out)
	return out
}

// customRoleList is the custom roles named want ("" = all) that can be
// assigned at scope. Called with the cloud locked.
func (c *Cloud) customRoleList(scope, want string) []*armauthorization.RoleDefinition {
	var out []*armauthorization.RoleDefinition
	for _, d := range c.customRoles {
		if want != "" && !strings.EqualFold(want, str(d.Properties.RoleName)) {
			continue
		}
		if assignableAt(d, rooted(scope)) {
			out = append(out, clone(d))
		}
	}
	return out
}

// assignableAt: a role can be assigned at its assignable scopes and below.
func assignableAt(d *armauthorization.RoleDefinition, scope string) bool {
	for _, s := range d.Properties.AssignableScopes {
		if strings.HasPrefix(strings.ToLower(scope)+"/", strings.ToLower(str(s))+"/") {
			return true
		}
	}
	return false
}

func (c *Cloud) getRoleDefinition(_ context.Context, scope, id string, _ *armauthorization.RoleDefinitionsClientGetOptions) (resp azfake.Responder[armauthorization.RoleDefinitionsClientGetResponse], errResp azfake.ErrorResponder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.customRoles[strings.ToLower(id)]; ok && assignableAt(d, rooted(scope)) {
		return respond(armauthorization.RoleDefinitionsClientGetResponse{RoleDefinition: *clone(d)}), errResp
	}
	for name, builtin := range BuiltinRoles {
		if strings.EqualFold(builtin, id) {
			return respond(armauthorization.RoleDefinitionsClientGetResponse{RoleDefinition: armauthorization.RoleDefinition{
				ID: ptr(RoleDefinitionID(name)), Name: ptr(builtin),
				Properties: &armauthorization.RoleDefinitionProperties{RoleName: ptr(name), RoleType: ptr("BuiltInRole")},
			}}), errResp
		}
	}
	return resp, notFound("RoleDefinitionDoesNotExist")
}

// putRoleDefinition creates or updates a custom role. As in Azure, a role
// name is unique: a second role of the same name is a conflict.
func (c *Cloud) putRoleDefinition(_ context.Context, scope, id string, body armauthorization.RoleDefinition, _ *armauthorization.RoleDefinitionsClientCreateOrUpdateOptions) (resp azfake.Responder[armauthorization.RoleDefinitionsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if body.Properties == nil || str(body.Properties.RoleName) == "" || len(body.Properties.AssignableScopes) == 0 {
		return resp, fail(http.StatusBadRequest, "InvalidRoleDefinition")
	}
	for k, d := range c.customRoles {
		if k != strings.ToLower(id) && strings.EqualFold(str(d.Properties.RoleName), str(body.Properties.RoleName)) {
			return resp, fail(http.StatusConflict, "RoleDefinitionWithSameNameExists")
		}
	}
	if c.customRoles == nil {
		c.customRoles = map[string]*armauthorization.RoleDefinition{}
	}
	d := &armauthorization.RoleDefinition{
		ID:         ptr("/subscriptions/" + Subscription + "/providers/Microsoft.Authorization/roleDefinitions/" + id),
		Name:       ptr(id),
		Type:       ptr("Microsoft.Authorization/roleDefinitions"),
		Properties: clone(body.Properties),
	}
	d.Properties.RoleType = ptr("CustomRole")
	c.customRoles[strings.ToLower(id)] = d
	resp.SetResponse(http.StatusCreated, armauthorization.RoleDefinitionsClientCreateOrUpdateResponse{RoleDefinition: *clone(d)}, nil)
	return resp, errResp
}

// assignedElsewhere: Azure refuses a second assignment of the same role to
// the same principal at the same scope under another name.
func (c *Cloud) assignedElsewhere(id string, p *armauthorization.RoleAssignmentProperties) bool {
	if p == nil {
		return false
	}
	for k, a := range c.assignments {
		if k != strings.ToLower(id) && strings.EqualFold(str(a.Properties.PrincipalID), str(p.PrincipalID)) &&
			strings.EqualFold(str(a.Properties.RoleDefinitionID), str(p.RoleDefinitionID)) &&
			strings.EqualFold(k[:strings.LastIndex(k, "/providers/microsoft.authorization/")], strings.ToLower(id[:strings.LastIndex(id, "/providers/Microsoft.Authorization/")])) {
			return true
		}
	}
	return false
}
