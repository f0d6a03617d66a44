package createsp

import (
	"context"
	"fmt"
	"net/http"
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
