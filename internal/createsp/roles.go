package createsp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/google/uuid"
)

// The roles the service principal gets at subscription scope (guide:
// "added as contributor to the subscription and AssignRoles custom role").
const (
	contributorID   = "b24988ac-6180-42a0-ab88-20f7382dd24c" // built in, the same ID in every cloud
	AssignRolesName = "AssignRoles"
)

// AssignRolesActions let the service principal assign roles to the AKS
// managed identities (guide, from the Hannah Montana release on).
var AssignRolesActions = []string{
	"Microsoft.Authorization/roleAssignments/read",
	"Microsoft.Authorization/roleAssignments/write",
	"Microsoft.Authorization/roleAssignments/delete",
}

// idSpace makes create_sp's names stable, so a repeated or resumed run
// PUTs the same role and assignments instead of making new ones.
var idSpace = uuid.MustParse("0c9d0e8a-5a4e-4f43-9b6e-6175726173b0")

type roles struct {
	sub         string
	definitions *armauthorization.RoleDefinitionsClient
	assignments *armauthorization.RoleAssignmentsClient
	retry       replication
}

func newRoles(cred azcore.TokenCredential, sub string, o *arm.ClientOptions, retry replication) (*roles, error) {
	defs, err := armauthorization.NewRoleDefinitionsClient(cred, o)
	if err != nil {
		return nil, err
	}
	asg, err := armauthorization.NewRoleAssignmentsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	return &roles{sub: sub, definitions: defs, assignments: asg, retry: retry}, nil
}

func (r *roles) scope() string { return "/subscriptions/" + r.sub }

// ensureAssignRoles makes the AssignRoles role once per subscription, and
// updates it when its actions differ from AssignRolesActions. It returns
// the role's definition ID and what it did ("" when nothing).
func (r *roles) ensureAssignRoles(ctx context.Context) (string, string, error) {
	f := "roleName eq " + odataString(AssignRolesName)
	pager := r.definitions.NewListPager(r.scope(), &armauthorization.RoleDefinitionsClientListOptions{Filter: &f})
	var found *armauthorization.RoleDefinition
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", "", err
		}
		for _, d := range page.Value {
			if d != nil && d.Properties != nil && strings.EqualFold(deref(d.Properties.RoleName), AssignRolesName) {
				found = d
			}
		}
	}
	want := []*armauthorization.Permission{{Actions: ptrs(AssignRolesActions)}}
	if found == nil {
		id := uuid.NewSHA1(idSpace, []byte(AssignRolesName+r.scope())).String()
		res, err := r.definitions.CreateOrUpdate(ctx, r.scope(), id, armauthorization.RoleDefinition{Properties: &armauthorization.RoleDefinitionProperties{
			RoleName:         to(AssignRolesName),
			Description:      to("Lets Aura's service principal assign roles to the AKS managed identities (aura create_sp)"),
			RoleType:         to("CustomRole"),
			Permissions:      want,
			AssignableScopes: []*string{to(r.scope())},
		}}, nil)
		if err != nil {
			return "", "", err
		}
		return deref(res.ID), "created custom role " + AssignRolesName, nil
	}
	if sameActions(found.Properties.Permissions, AssignRolesActions) {
		return deref(found.ID), "", nil
	}
	props := *found.Properties
	props.Permissions = want
	if _, err := r.definitions.CreateOrUpdate(ctx, r.scope(), deref(found.Name), armauthorization.RoleDefinition{Properties: &props}, nil); err != nil {
		return "", "", err
	}
	return deref(found.ID), "updated custom role " + AssignRolesName + " to " + strings.Join(AssignRolesActions, ", "), nil
}

func sameActions(perms []*armauthorization.Permission, want []string) bool {
	var have []string
	for _, p := range perms {
		if p == nil {
			continue
		}
		if len(p.NotActions) > 0 || len(p.DataActions) > 0 {
			return false
		}
		for _, a := range p.Actions {
			have = append(have, strings.ToLower(deref(a)))
		}
	}
	w := make([]string, len(want))
	for i, a := range want {
		w[i] = strings.ToLower(a)
	}
	slices.Sort(have)
	slices.Sort(w)
	return slices.Equal(slices.Compact(have), w)
}

// contributor is the built-in Contributor role's definition ID here.
func (r *roles) contributor() string {
	return r.scope() + "/providers/Microsoft.Authorization/roleDefinitions/" + contributorID
}

// ensureAssigned gives the principal each role (definition IDs) at the
// subscription, unless it has it there already. A principal Graph made
// moments ago may not have reached ARM yet: PrincipalNotFound is retried
// with backoff, within the replication bounds.
func (r *roles) ensureAssigned(ctx context.Context, principal string, roleIDs map[string]string) ([]string, error) {
	// This list's SDK sends $filter as given, unencoded.
	f := url.PathEscape("principalId eq " + odataString(principal))
	pager := r.assignments.NewListForScopePager(r.scope(), &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: &f})
	var have []*armauthorization.RoleAssignment
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		have = append(have, page.Value...)
	}
	var done []string
	for _, name := range slices.Sorted(maps.Keys(roleIDs)) {
		def := roleIDs[name]
		if slices.ContainsFunc(have, func(a *armauthorization.RoleAssignment) bool {
			return a != nil && a.Properties != nil && strings.EqualFold(lastSegment(deref(a.Properties.RoleDefinitionID)), lastSegment(def)) &&
				strings.EqualFold(strings.TrimRight(deref(a.Properties.Scope), "/"), r.scope())
		}) {
			continue
		}
		id := uuid.NewSHA1(idSpace, []byte(principal+"|"+lastSegment(def)+"|"+r.scope())).String()
		body := armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
			PrincipalID: to(principal), RoleDefinitionID: to(def), PrincipalType: to(armauthorization.PrincipalTypeServicePrincipal),
		}}
		err := r.retry.do(ctx, "role assignment "+name, isPrincipalNotFound, func() error {
			_, err := r.assignments.Create(ctx, r.scope(), id, body, nil)
			return err
		})
		if err != nil {
			return done, err
		}
		done = append(done, "assigned "+name+" on subscription "+r.sub)
	}
	return done, nil
}

func isPrincipalNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusBadRequest && re.ErrorCode == "PrincipalNotFound"
}

// armDenied explains a 403 from Resource Manager.
func armDenied(err error, sub string) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusForbidden {
		return fmt.Errorf("create_sp: you may not manage roles in subscription %s (%s): ask an administrator for Owner, or User Access Administrator, on it", sub, re.ErrorCode)
	}
	return err
}

func lastSegment(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }

func to[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptrs(s []string) []*string {
	out := make([]*string, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
