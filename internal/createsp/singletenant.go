package createsp

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// SetSingleTenant returns the application with client ID appID to its own
// tenant (signInAudience AzureADMyOrg) once the Bot Channel Registration,
// the one thing that needs it multi-tenant, exists (guide: the cross-tenant
// permissions "are disabled after that step"). It reports whether it
// changed anything. cred is any credential Graph accepts for the
// application: its own service principal's, when the application is its
// own owner with Application.ReadWrite.OwnedBy, or a user's. client
// carries test transports (nil: the SDK's defaults).
func SetSingleTenant(ctx context.Context, cred azcore.TokenCredential, e Endpoints, appID string, client *azcore.ClientOptions) (bool, error) {
	var co clientOptions
	if client != nil {
		co = clientOptions{transport: client.Transport, retry: client.Retry, perRetry: client.PerRetryPolicies}
	}
	g := newGraphClient(cred, e, co)
	app, err := g.appByAppID(ctx, appID)
	if err != nil {
		return false, err
	}
	if app.SignInAudience == SingleTenant {
		return false, nil
	}
	if err := g.setAudience(ctx, app.ID, SingleTenant); err != nil {
		if _, st := graphCode(err); st == 403 {
			return false, fmt.Errorf("single-tenant application %s: Microsoft Graph refused (%w): the service principal needs Application.ReadWrite.OwnedBy and to own its application, or ask an administrator to set its sign-in audience to AzureADMyOrg", appID, err)
		}
		return false, err
	}
	return true, nil
}
