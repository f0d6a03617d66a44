package fakecloud

import (
	"context"
	"regexp"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	authfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2/fake"
)

// BuiltinRoles are the built-in roles the fake knows, by name → ID.
var BuiltinRoles = map[string]string{
	"Contributor":                              "b24988ac-6180-42a0-ab88-20f7382dd24c",
	"Network Contributor":                      "4d97b98b-1d4f-4787-a291-c67834d212e7",
	"Storage Blob Data Contributor":            "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
	"Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
	"AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
}

// RoleDefinitionID is the ID of a built-in role, as Azure returns it.
func RoleDefinitionID(role string) string {
	return "/subscriptions/" + Subscription + "/providers/Microsoft.Authorization/roleDefinitions/" + BuiltinRoles[role]
}

var (
	roleNameFilter  = regexp.MustCompile(`roleName eq '((?:[^']|'')*)'`)
	principalFilter = regexp.MustCompile(`principalId eq '([^']*)'`)
)

// Assignments lists the role assignments as "role → principal @ scope".
func (c *Cloud) Assignments() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, a := range c.assignments {
		role := str(a.Properties.RoleDefinitionID)
		for name, id := range BuiltinRoles {
			if strings.HasSuffix(role, id) {
				role = name
			}
		}
		out = append(out, role+" → "+str(a.Properties.PrincipalID)+" @ "+str(a.Properties.Scope))
	}
	return out
}

func (c *Cloud) definitionsServer() authfake.RoleDefinitionsServer {
	return authfake.RoleDefinitionsServer{
		Get:            c.getRoleDefinition,
		CreateOrUpdate: c.putRoleDefinition,
		NewListPager: func(scope string, o *armauthorization.RoleDefinitionsClientListOptions) (resp azfake.PagerResponder[armauthorization.RoleDefinitionsClientListResponse]) {
			var defs []*armauthorization.RoleDefinition
			want := ""
			if o != nil && o.Filter != nil {
				if m := roleNameFilter.FindStringSubmatch(*o.Filter); m != nil {
					want = strings.ReplaceAll(m[1], "''", "'")
				}
			}
			for name := range BuiltinRoles {
				if want == "" || strings.EqualFold(want, name) {
					defs = append(defs, &armauthorization.RoleDefinition{ID: ptr(RoleDefinitionID(name)), Name: ptr(BuiltinRoles[name]),
						Properties: &armauthorization.RoleDefinitionProperties{RoleName: ptr(name), RoleType: ptr("BuiltInRole")}})
				}
			}
			c.mu.Lock()
			defs = append(defs, c.customRoleList(scope, want)...)
			c.mu.Unlock()
			return page(armauthorization.RoleDefinitionsClientListResponse{RoleDefinitionListResult: armauthorization.RoleDefinitionListResult{Value: defs}})
		},
	}
}

func (c *Cloud) assignmentsServer() authfake.RoleAssignmentsServer {
	return authfake.RoleAssignmentsServer{
		NewListForScopePager: func(scope string, o *armauthorization.RoleAssignmentsClientListForScopeOptions) (resp azfake.PagerResponder[armauthorization.RoleAssignmentsClientListForScopeResponse]) {
			scope = rooted(scope)
			c.mu.Lock()
			defer c.mu.Unlock()
			principal := ""
			if o != nil && o.Filter != nil {
				if m := principalFilter.FindStringSubmatch(*o.Filter); m != nil {
					principal = m[1]
				}
			}
			var list []*armauthorization.RoleAssignment
			for _, a := range c.assignments {
				at := strings.ToLower(str(a.Properties.Scope))
				// Assignments at the scope and above it apply to it.
				if !strings.HasPrefix(strings.ToLower(scope)+"/", at+"/") {
					continue
				}
				if principal == "" || strings.EqualFold(principal, str(a.Properties.PrincipalID)) {
					list = append(list, clone(a))
				}
			}
			return page(armauthorization.RoleAssignmentsClientListForScopeResponse{RoleAssignmentListResult: armauthorization.RoleAssignmentListResult{Value: list}})
		},
		Create: func(_ context.Context, scope, name string, body armauthorization.RoleAssignmentCreateParameters, _ *armauthorization.RoleAssignmentsClientCreateOptions) (resp azfake.Responder[armauthorization.RoleAssignmentsClientCreateResponse], errResp azfake.ErrorResponder) {
			scope = rooted(scope)
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.groupOf(scope) && !strings.EqualFold(scope, "/subscriptions/"+Subscription) {
				return resp, notFound("ResourceGroupNotFound")
			}
			id := scope + "/providers/Microsoft.Authorization/roleAssignments/" + name
			if c.assignedElsewhere(id, body.Properties) {
				return resp, fail(409, "RoleAssignmentExists")
			}
			a := &armauthorization.RoleAssignment{ID: ptr(id), Name: ptr(name), Properties: clone(body.Properties)}
			a.Properties.Scope = ptr(scope)
			c.assignments[strings.ToLower(id)] = a
			return respond(armauthorization.RoleAssignmentsClientCreateResponse{RoleAssignment: *clone(a)}), errResp
		},
		Delete: func(_ context.Context, scope, name string, _ *armauthorization.RoleAssignmentsClientDeleteOptions) (resp azfake.Responder[armauthorization.RoleAssignmentsClientDeleteResponse], errResp azfake.ErrorResponder) {
			scope = rooted(scope)
			c.mu.Lock()
			defer c.mu.Unlock()
			id := strings.ToLower(scope + "/providers/Microsoft.Authorization/roleAssignments/" + name)
			a, ok := c.assignments[id]
			if !ok {
				return resp, notFound("RoleAssignmentNotFound")
			}
			delete(c.assignments, id)
			return respond(armauthorization.RoleAssignmentsClientDeleteResponse{RoleAssignment: *clone(a)}), errResp
		},
	}
}

func (c *Cloud) permissionsServer() authfake.PermissionsServer {
	return authfake.PermissionsServer{
		NewListForResourceGroupPager: func(rg string, _ *armauthorization.PermissionsClientListForResourceGroupOptions) (resp azfake.PagerResponder[armauthorization.PermissionsClientListForResourceGroupResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				resp.AddResponseError(404, "ResourceGroupNotFound")
				return resp
			}
			perms := c.Permissions
			if perms == nil {
				perms = []*armauthorization.Permission{{Actions: []*string{ptr("*")}}}
			}
			return page(armauthorization.PermissionsClientListForResourceGroupResponse{PermissionGetResult: armauthorization.PermissionGetResult{Value: perms}})
		},
	}
}

// rooted gives a scope the leading "/" the fake's path parsing drops and
// Azure's answers have.
func rooted(scope string) string { return "/" + strings.TrimPrefix(scope, "/") }
