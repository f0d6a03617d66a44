package createsp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

type subscription struct {
	ID       string `json:"subscriptionId"`
	TenantID string `json:"tenantId"`
	Name     string `json:"displayName"`
	State    string `json:"state"`
}

// pickSubscription is the subscription the service principal gets its
// roles in: want if the user can see it, else the only one the user sees.
// A read of ARM's subscription list (a whole SDK module for one GET is not
// worth its compile time).
func pickSubscription(ctx context.Context, cred azcore.TokenCredential, e Endpoints, o *arm.ClientOptions, user, tenant, want string) (subscription, error) {
	pl, err := armruntime.NewPipeline(module, version, cred, runtime.PipelineOptions{}, o)
	if err != nil {
		return subscription{}, err
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, strings.TrimRight(e.Cloud.Services[cloud.ResourceManager].Endpoint, "/")+"/subscriptions?api-version=2022-12-01")
	if err != nil {
		return subscription{}, err
	}
	resp, err := pl.Do(req)
	if err != nil {
		return subscription{}, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return subscription{}, runtime.NewResponseError(resp)
	}
	var l list[subscription]
	if err := runtime.UnmarshalAsJSON(resp, &l); err != nil {
		return subscription{}, err
	}
	var usable []subscription
	for _, s := range l.Value {
		if strings.EqualFold(s.State, "Enabled") && strings.EqualFold(s.TenantID, tenant) {
			usable = append(usable, s)
		}
	}
	who := user
	if who == "" {
		who = "the signed-in user"
	}
	if want != "" {
		for _, s := range usable {
			if strings.EqualFold(s.ID, want) {
				return s, nil
			}
		}
		for _, s := range l.Value {
			if strings.EqualFold(s.ID, want) && !strings.EqualFold(s.TenantID, tenant) {
				return subscription{}, fmt.Errorf("create_sp: --subscription %s belongs to tenant %s, not %s where %s signed in: run again with --tenant %s", want, s.TenantID, tenant, who, s.TenantID)
			}
		}
		return subscription{}, fmt.Errorf("create_sp: --subscription %s: %s has no access to it (or it is disabled) in tenant %s: ask an administrator for Owner on it", want, who, tenant)
	}
	switch len(usable) {
	case 0:
		return subscription{}, fmt.Errorf("create_sp: %s has access to no enabled Azure subscription in tenant %s: ask an administrator for Owner on the subscription Aura will use", who, tenant)
	case 1:
		return usable[0], nil
	}
	var names []string
	for _, s := range usable {
		names = append(names, s.ID+" ("+s.Name+")")
	}
	return subscription{}, fmt.Errorf("create_sp: %s sees %d subscriptions; choose one with --subscription: %s", who, len(usable), strings.Join(names, ", "))
}

// errUnchecked: ARM did not say what the user may do.
var errUnchecked = errors.New("create_sp: could not read your permissions on the subscription")

// roleActions are what create_sp does in ARM beyond reading: make the
// custom role and assign roles.
var roleActions = []string{"Microsoft.Authorization/roleDefinitions/write", "Microsoft.Authorization/roleAssignments/write"}

// canManageRoles checks, before anything changes, that the user may make
// the custom role and the assignments in the subscription (Owner or User
// Access Administrator may; Contributor may not).
func canManageRoles(ctx context.Context, cred azcore.TokenCredential, e Endpoints, o *arm.ClientOptions, user string, sub subscription) error {
	pl, err := armruntime.NewPipeline(module, version, cred, runtime.PipelineOptions{}, o)
	if err != nil {
		return err
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, strings.TrimRight(e.Cloud.Services[cloud.ResourceManager].Endpoint, "/")+
		"/subscriptions/"+sub.ID+"/providers/Microsoft.Authorization/permissions?api-version=2022-04-01")
	if err != nil {
		return err
	}
	resp, err := pl.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusForbidden {
		return runtime.NewResponseError(resp)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		// A cloud without this read (Azure Stack, an older API) is no
		// reason to stop: the writes themselves say if they are denied.
		return fmt.Errorf("%w: %w", errUnchecked, runtime.NewResponseError(resp))
	}
	var l list[struct {
		Actions    []string `json:"actions"`
		NotActions []string `json:"notActions"`
	}]
	if err := runtime.UnmarshalAsJSON(resp, &l); err != nil {
		return err
	}
	for _, action := range roleActions {
		allowed := false
		for _, p := range l.Value {
			if matchesAny(p.Actions, action) && !matchesAny(p.NotActions, action) {
				allowed = true
			}
		}
		if !allowed {
			if user == "" {
				user = "the signed-in user"
			}
			return fmt.Errorf("create_sp: %s may not %s in subscription %s (%s): ask an administrator for Owner, or User Access Administrator, on it",
				user, map[bool]string{true: "create the custom role AssignRoles", false: "assign roles"}[strings.Contains(action, "roleDefinitions")], sub.ID, action)
		}
	}
	return nil
}

// matchesAny: an ARM action pattern's * matches any characters, and case
// does not matter.
func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$"
		if ok, _ := regexp.MatchString(re, action); ok {
			return true
		}
	}
	return false
}
