// Package createsp makes the service principal every Azure phase runs as
// (guide: "Create Service principal"): a signed-in user's application and
// service principal in Microsoft Entra, a client secret, Contributor and
// the custom AssignRoles role on the subscription, written out as
// credentials.json and the AZURE_* exports.
package createsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/credentials"
)

// Options of one create_sp run.
type Options struct {
	Name           string // -n: the application's display name
	SingleTenant   bool   // -p: no cross-tenant sign-in (no Bot Channel Registration)
	RotateSecret   bool   // add a new secret to an existing application
	Force          bool   // overwrite a credentials file that holds other credentials
	File           string // where credentials.json goes
	SubscriptionID string // "" = the only subscription the user sees

	Endpoints Endpoints
	Transport policy.Transporter   // nil: the SDK's default
	Retry     *policy.RetryOptions // nil: the SDK's default
	// ReplicationWait is the first wait for Entra's replication (each next
	// one doubles, up to 20 s) and ReplicationTimeout the whole wait;
	// 0: 2 s and 3 min.
	ReplicationWait, ReplicationTimeout time.Duration

	// Progress receives one line per thing done or reused.
	Progress func(string)
	// Debug receives one line per request (method, URL, status); never a
	// body. nil: none.
	Debug io.Writer
	// LearnSecret is told the new secret the moment Graph returns it, for
	// output redaction.
	LearnSecret func(string)
}

// Result is what a run leaves: the credentials, and what it changed
// (empty when everything already was as asked).
type Result struct {
	Credentials *credentials.Credentials
	Changes     []string
}

// ValidateName checks -n before anything is asked of Azure.
func ValidateName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("-n: the service principal's name is required (a descriptive application name, e.g. aura-sp-pro)")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("-n %q: the name has control characters", name)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("-n %q: the name starts or ends with spaces", name)
	}
	return nil
}

type clientOptions struct {
	transport policy.Transporter
	retry     policy.RetryOptions
	perRetry  []policy.Policy
}

func (o Options) clients() (clientOptions, *arm.ClientOptions) {
	co := clientOptions{transport: o.Transport}
	if o.Retry != nil {
		co.retry = *o.Retry
	}
	if o.Debug != nil {
		co.perRetry = []policy.Policy{debugPolicy{w: o.Debug}}
	}
	return co, &arm.ClientOptions{
		ClientOptions:         policy.ClientOptions{Cloud: o.Endpoints.Cloud, Transport: co.transport, Retry: co.retry, PerRetryPolicies: co.perRetry},
		DisableRPRegistration: true,
	}
}

// Run makes or reuses the application, its service principal, a secret
// and the roles, and writes the credentials file. Everything it can find
// out by reading (the subscription, the existing application, the file) is
// checked before its first change.
func Run(ctx context.Context, s *Session, o Options) (*Result, error) {
	if err := ValidateName(o.Name); err != nil {
		return nil, err
	}
	if o.File == "" {
		o.File = "credentials.json"
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	repl := defaultReplication
	if o.ReplicationWait > 0 {
		repl.first = o.ReplicationWait
	}
	if o.ReplicationTimeout > 0 {
		repl.timeout = o.ReplicationTimeout
	}
	repl.notify = progress
	co, armOpts := o.clients()
	res := &Result{}
	changed := func(msg string) { res.Changes = append(res.Changes, msg); progress(msg) }

	current, exists, err := existingFile(o.File)
	if err != nil {
		return nil, err
	}
	sub, err := pickSubscription(ctx, s.Cred, o.Endpoints, armOpts, s.User, s.TenantID, o.SubscriptionID)
	if err != nil {
		return nil, err
	}
	if err := canManageRoles(ctx, s.Cred, o.Endpoints, armOpts, s.User, sub); errors.Is(err, errUnchecked) {
		progress("could not read your permissions on subscription " + sub.ID + "; going on")
	} else if err != nil {
		return nil, armDenied(err, sub.ID)
	}
	g := newGraphClient(s.Cred, o.Endpoints, co)
	denied := func(err error) error { return graphDenied(err, s, o.Name) }
	app, err := g.findApp(ctx, o.Name)
	if err != nil {
		return nil, denied(err)
	}

	// The secret: Graph shows one only when it adds it, so an existing
	// application's secret is the one in the credentials file, if that
	// file is this application's.
	keep := app != nil && !o.RotateSecret && current != nil &&
		strings.EqualFold(current.ClientID, app.AppID) && strings.EqualFold(current.TenantID, s.TenantID)
	if app != nil && !keep && !o.RotateSecret && len(app.Passwords) > 0 {
		return nil, fmt.Errorf("create_sp: application %q exists (client ID %s) and Microsoft Graph never shows its secret again; "+
			"pass -c with the credentials.json of the run that made it, or --rotate-secret to add a new secret", o.Name, app.AppID)
	}
	sameFile := keep && strings.EqualFold(current.SubscriptionID, sub.ID)
	if exists && !sameFile && !o.Force {
		who := "credentials that are not this service principal's"
		if current != nil {
			who = "the credentials of client ID " + current.ClientID
		}
		if keep || (current != nil && app != nil && strings.EqualFold(current.ClientID, app.AppID)) {
			who = "this service principal's credentials with another secret or subscription"
		}
		return nil, fmt.Errorf("create_sp: %s exists and holds %s: pass --force to overwrite it, or -c to write another file", o.File, who)
	}

	audience := MultiTenant
	if o.SingleTenant {
		audience = SingleTenant
	}
	if app == nil {
		app, err = g.createApp(ctx, o.Name, audience)
		var ge *GraphError
		if errors.As(err, &ge) && ge.Status == http.StatusBadRequest {
			return nil, fmt.Errorf("create_sp: -n %q: Microsoft Graph refused the name (%s: %s)", o.Name, ge.Code, strings.TrimSuffix(ge.Message, "."))
		}
		if err != nil {
			return nil, denied(err)
		}
		changed(fmt.Sprintf("created application %s (client ID %s, %s)", o.Name, app.AppID, audienceText(audience)))
	} else {
		progress(fmt.Sprintf("reusing application %s (client ID %s)", o.Name, app.AppID))
		if app.SignInAudience != audience {
			if err := g.setAudience(ctx, app.ID, audience); err != nil {
				return nil, denied(err)
			}
			changed(fmt.Sprintf("application %s is now %s", o.Name, audienceText(audience)))
		}
	}

	lagging := func(err error) bool { _, st := graphCode(err); return st == http.StatusNotFound }
	sp, err := g.findSP(ctx, app.AppID)
	if err != nil {
		return nil, denied(err)
	}
	if sp == nil {
		err = repl.do(ctx, "service principal", func(err error) bool {
			// Graph says the new application does not exist yet.
			_, st := graphCode(err)
			return st == http.StatusNotFound || st == http.StatusBadRequest
		}, func() error {
			var err error
			sp, err = g.createSP(ctx, app.AppID)
			return err
		})
		if err != nil {
			return nil, denied(err)
		}
		changed("created service principal " + sp.ID)
	} else {
		progress("reusing service principal " + sp.ID)
	}

	creds := &credentials.Credentials{ClientID: app.AppID, TenantID: s.TenantID, SubscriptionID: sub.ID}
	if keep {
		creds.ClientSecret = current.ClientSecret
	} else {
		var secret string
		err = repl.do(ctx, "client secret", lagging, func() error {
			var err error
			secret, err = g.addPassword(ctx, app.ID)
			return err
		})
		if err != nil {
			return nil, denied(err)
		}
		if o.LearnSecret != nil {
			o.LearnSecret(secret)
		}
		creds.ClientSecret = credentials.Secret(secret)
		changed("added a client secret to application " + o.Name)
	}
	if !sameFile {
		// Written before the roles, so that a failure there does not lose
		// the secret: a second run finds the file and goes on.
		if err := writeFile(o.File, creds); err != nil {
			return nil, err
		}
		changed("wrote " + o.File + " (mode 0600)")
	}
	creds.Source = o.File

	r, err := newRoles(s.Cred, sub.ID, armOpts, repl)
	if err != nil {
		return nil, err
	}
	assignRoles, did, err := r.ensureAssignRoles(ctx)
	if err != nil {
		return nil, armDenied(err, sub.ID)
	}
	if did != "" {
		changed(did)
	}
	assigned, err := r.ensureAssigned(ctx, sp.ID, map[string]string{"Contributor": r.contributor(), AssignRolesName: assignRoles})
	for _, a := range assigned {
		changed(a)
	}
	if err != nil {
		return nil, armDenied(err, sub.ID)
	}
	res.Credentials = creds
	return res, nil
}

func audienceText(a string) string {
	if a == MultiTenant {
		return "multi-tenant, for the Bot Channel Registration"
	}
	return "single-tenant"
}

// graphDenied explains Graph's 403: the user may not register
// applications.
func graphDenied(err error, s *Session, name string) error {
	code, status := graphCode(err)
	if status != http.StatusForbidden {
		return err
	}
	who := s.User
	if who == "" {
		who = "the signed-in user"
	}
	return fmt.Errorf("create_sp: %s may not create or change application %q in tenant %s (Microsoft Graph: %s): "+
		"ask an administrator for the Application Administrator role, or the Application.ReadWrite.All permission, or to run create_sp for you",
		who, name, s.TenantID, code)
}
