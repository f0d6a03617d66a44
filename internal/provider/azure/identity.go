package azure

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/google/uuid"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindRole = "role assignment"
	// roleAssignAction is what the service principal needs to grant the
	// cluster's identities their roles (guide: "Create Service principal").
	roleAssignAction = "Microsoft.Authorization/roleAssignments/write"
	kubeletIdentity  = "kubeletidentity"
)

// assignmentNS makes the names of aura's role assignments deterministic, so
// a retried create is the same PUT.
var assignmentNS = uuid.MustParse("6f1c2a57-3f43-4d51-9a0e-8f1b2f7c8a11")

func (p *Provider) scopeID(s provider.Scope) (string, error) {
	rg := p.groupID(s.ResourceGroup)
	switch s.Kind {
	case provider.ScopeResourceGroup:
		return rg, nil
	case provider.ScopeStorageAccount:
		return rg + "/providers/Microsoft.Storage/storageAccounts/" + s.Name, nil
	case provider.ScopeKeyVault:
		return rg + "/providers/Microsoft.KeyVault/vaults/" + s.Name, nil
	case provider.ScopeDNSZone:
		return rg + "/providers/Microsoft.Network/dnszones/" + s.Name, nil
	case provider.ScopeContainerRegistry:
		return rg + "/providers/Microsoft.ContainerRegistry/registries/" + s.Name, nil
	}
	return "", fmt.Errorf("azure: role assignment scope kind %q is not supported", s.Kind)
}

// clusterPrincipal is the object ID of one of the cluster's identities; ""
// when the cluster does not exist (yet).
func (p *Provider) clusterPrincipal(ctx context.Context, ra provider.RoleAssignment) (string, error) {
	mc, _, err := p.getCluster(ctx, ra.Cluster)
	if err != nil || mc == nil {
		return "", p.wrap(err, "read cluster "+ra.Cluster.Name, "")
	}
	switch ra.Identity {
	case provider.IdentityCluster:
		if mc.Identity != nil && str(mc.Identity.PrincipalID) != "" {
			return *mc.Identity.PrincipalID, nil
		}
	case provider.IdentityKubelet:
		if mc.Properties != nil {
			if id := mc.Properties.IdentityProfile[kubeletIdentity]; id != nil && str(id.ObjectID) != "" {
				return *id.ObjectID, nil
			}
		}
	default:
		return "", fmt.Errorf("azure: role assignment %s: identity %q is not %q or %q", ra, ra.Identity, provider.IdentityCluster, provider.IdentityKubelet)
	}
	return "", fmt.Errorf("azure: cluster %s has no %s identity: it must use a system-assigned managed identity", ra.Cluster.Name, ra.Identity)
}

func (p *Provider) roleDefinitionID(ctx context.Context, scope, role string) (string, error) {
	if id, ok := p.roleIDs.Load(role); ok {
		return id.(string), nil
	}
	filter := "roleName eq '" + strings.ReplaceAll(role, "'", "''") + "'"
	pager := p.definitions.NewListPager(scope, &armauthorization.RoleDefinitionsClientListOptions{Filter: &filter})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", p.wrap(err, "find role "+role, "")
		}
		for _, d := range page.Value {
			if d.Properties != nil && strings.EqualFold(str(d.Properties.RoleName), role) && d.ID != nil {
				p.roleIDs.Store(role, *d.ID)
				return *d.ID, nil
			}
		}
	}
	return "", fmt.Errorf("azure: there is no role named %q (see `az role definition list --name %q`)", role, role)
}

// findAssignment returns the assignment of role to principal made exactly
// at scope (inherited ones are someone else's), or nil.
func (p *Provider) findAssignment(ctx context.Context, scope, roleID, principal string) (*armauthorization.RoleAssignment, error) {
	// This client sends $filter as it is given (Azure/azure-sdk-for-go#20847),
	// and Azure refuses a URL with a space in it as badly formed (400).
	filter := url.PathEscape("principalId eq '" + principal + "'")
	pager := p.assignments.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: &filter})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if is404(err) {
				return nil, nil
			}
			return nil, err
		}
		for _, a := range page.Value {
			pr := a.Properties
			if pr != nil && strings.EqualFold(str(pr.PrincipalID), principal) && strings.EqualFold(str(pr.RoleDefinitionID), roleID) &&
				strings.EqualFold(strings.TrimSuffix(str(pr.Scope), "/"), scope) {
				return a, nil
			}
		}
	}
	return nil, nil
}

// checkCanAssign fails early, with the permission to grant, when the
// service principal may not assign roles in the resource group: Contributor
// alone excludes Microsoft.Authorization writes.
func (p *Provider) checkCanAssign(ctx context.Context, rg string) error {
	p.permMu.Lock()
	ok := p.permOK[rg]
	p.permMu.Unlock()
	if ok {
		return nil
	}
	allowed := false
	pager := p.permissions.NewListForResourceGroupPager(rg, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if is404(err) {
			return nil // no group yet: Azure answers for the subscription once it exists
		}
		if err != nil {
			return p.wrap(err, "read the service principal's permissions in resource group "+rg, "")
		}
		// Each entry is one role's: its NotActions only take from its own
		// Actions (Contributor's exclude what AssignRoles grants).
		for _, perm := range page.Value {
			allowed = allowed || actionAllowed(roleAssignAction, strs(perm.Actions), strs(perm.NotActions))
		}
	}
	if !allowed {
		return fmt.Errorf("azure: the service principal may not assign roles in resource group %s: it needs Microsoft.Authorization/roleAssignments/* (read, write, delete), which `aura create_sp` grants through its AssignRoles role (guide: \"Create Service principal\")", rg)
	}
	p.permMu.Lock()
	p.permOK[rg] = true
	p.permMu.Unlock()
	return nil
}

// actionAllowed applies one role's permission: some action pattern matches
// and no not-action pattern does ('*' is a wildcard, case-insensitive).
func actionAllowed(action string, actions, notActions []string) bool {
	match := func(patterns []string) bool {
		for _, pat := range patterns {
			re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(pat), `\*`, ".*") + "$"
			if ok, _ := regexp.MatchString(re, action); ok {
				return true
			}
		}
		return false
	}
	return match(actions) && !match(notActions)
}

// EnsureRoleAssignment implements provider.Provider.
func (p *Provider) EnsureRoleAssignment(ctx context.Context, ra provider.RoleAssignment) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindRole, Name: ra.String()}
	if err := start(ctx); err != nil {
		return c, err
	}
	scope, err := p.scopeID(ra.Scope)
	if err != nil {
		return c, err
	}
	if err := p.checkCanAssign(ctx, ra.Scope.ResourceGroup); err != nil {
		return c, err
	}
	principal, err := p.clusterPrincipal(ctx, ra)
	if err != nil {
		return c, err
	}
	if principal == "" {
		if p.dry {
			c.Op, c.Detail = provider.OpCreate, "once the cluster exists"
			return c, nil
		}
		return c, fmt.Errorf("azure: role assignment %s: cluster %s: %w", ra, ra.Cluster.Name, provider.ErrNotFound)
	}
	c.Op, err = p.ensureAssignment(ctx, scope, ra.Role, principal, ra.String())
	return c, err
}

// ensureAssignment grants role to principal at scope unless it has it.
func (p *Provider) ensureAssignment(ctx context.Context, scope, role, principal, what string) (provider.Op, error) {
	roleID, err := p.roleDefinitionID(ctx, scope, role)
	if err != nil {
		return provider.OpNone, err
	}
	have, err := p.findAssignment(ctx, scope, roleID, principal)
	if err != nil {
		return provider.OpNone, p.wrap(err, "read role assignments of "+scope, "")
	}
	if have != nil {
		return provider.OpNone, nil
	}
	if p.dry {
		return provider.OpCreate, nil
	}
	name := uuid.NewSHA1(assignmentNS, []byte(strings.ToLower(scope+"|"+roleID+"|"+principal))).String()
	body := armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr(roleID), PrincipalID: to.Ptr(principal),
		// A new managed identity may not have replicated yet; saying its
		// type lets Azure accept it anyway.
		PrincipalType: to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
	}}
	_, err = p.assignments.Create(ctx, scope, name, body, nil)
	return provider.OpCreate, p.wrap(err, "create "+kindRole+" "+what, "")
}

// DeleteRoleAssignment implements provider.Provider.
func (p *Provider) DeleteRoleAssignment(ctx context.Context, ra provider.RoleAssignment) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindRole, Name: ra.String()}
	if err := start(ctx); err != nil {
		return c, err
	}
	scope, err := p.scopeID(ra.Scope)
	if err != nil {
		return c, err
	}
	principal, err := p.clusterPrincipal(ctx, ra)
	if err != nil || principal == "" {
		// Without the cluster there is no principal to look up: its
		// assignments are orphans that go with their scope's resource
		// (delete_infra deletes role assignments before the cluster).
		return c, err
	}
	roleID, err := p.roleDefinitionID(ctx, scope, ra.Role)
	if err != nil {
		return c, err
	}
	have, err := p.findAssignment(ctx, scope, roleID, principal)
	if err != nil || have == nil {
		return c, p.wrap(err, "read role assignments of "+ra.Scope.String(), "")
	}
	if err := p.checkCanAssign(ctx, ra.Scope.ResourceGroup); err != nil {
		return c, err
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	_, err = p.assignments.Delete(ctx, scope, str(have.Name), nil)
	if is404(err) {
		err = nil
	}
	return c, p.wrap(err, "delete "+kindRole+" "+ra.String(), "")
}
