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
	if _, st := graphCode(err); st == 403 {
		return a.refused(c, err), nil
	}
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
			return a.refused(c, err), nil
		}
		return provider.Change{}, err
	}
	return c, nil
}

// refused is the step's outcome when Graph refuses the service principal:
// create_sp gives it no Graph permission of its own, so this is the usual
// case, not a failure of deploy_core. The detail says how to finish it.
func (a *App) refused(c provider.Change, err error) provider.Change {
	c.Op = provider.OpNone
	c.Detail = fmt.Sprintf("not changed: Microsoft Graph refused the service principal (%v); an administrator finishes it with "+
		"`az ad app update --id %s --sign-in-audience AzureADMyOrg`, or gives it Application.ReadWrite.OwnedBy as owner of its application", err, a.appID)
	return c
}
