package createsp

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// App is the application of the service principal aura runs as, as
// deploy_core sees it after its bot step. cred is any credential Graph
// accepts for the application: its own service principal's, when the
// application is its own owner with Application.ReadWrite.OwnedBy, or a
// user's. client carries test transports (nil: the SDK's defaults).
type App struct {
	g     *graphClient
	appID string
	dry   bool
}

var _ provider.ServicePrincipalApp = (*App)(nil)

// NewApp is the application with client ID appID.
func NewApp(cred azcore.TokenCredential, e Endpoints, appID string, client *azcore.ClientOptions) *App {
	var co clientOptions
	if client != nil {
		co = clientOptions{transport: client.Transport, retry: client.Retry, perRetry: client.PerRetryPolicies}
	}
	return &App{g: newGraphClient(cred, e, co), appID: appID}
}

// AppID is the application's client ID.
func (a *App) AppID() string { return a.appID }

// DryRun is a view that reads the application and writes nothing.
func (a *App) DryRun() provider.ServicePrincipalApp {
	c := *a
	c.dry = true
	return &c
}

// EnsureSingleTenant returns the application to its own tenant
// (signInAudience AzureADMyOrg) once the Bot Channel Registration, the one
// thing that needs it cross-tenant, exists.
func (a *App) EnsureSingleTenant(ctx context.Context) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: "application", Name: a.appID, Detail: "single-tenant"}
	app, err := a.g.appByAppID(ctx, a.appID)
	if err != nil {
		return provider.Change{}, err
	}
	if app.SignInAudience == SingleTenant {
		return c, nil
	}
	c.Op = provider.OpUpdate
	c.Detail = fmt.Sprintf("sign-in audience %s → %s: cross-tenant sign-in was needed for the bot channel step only", app.SignInAudience, SingleTenant)
	if a.dry {
		return c, nil
	}
	if err := a.g.setAudience(ctx, app.ID, SingleTenant); err != nil {
		if _, st := graphCode(err); st == 403 {
			return provider.Change{}, fmt.Errorf("single-tenant application %s: Microsoft Graph refused (%w): the service principal needs Application.ReadWrite.OwnedBy and to own its application, or ask an administrator to set its sign-in audience to AzureADMyOrg", a.appID, err)
		}
		return provider.Change{}, err
	}
	return c, nil
}
