package createsp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Sign-in audiences: the Bot Channel Registration needs a multi-tenant
// application; -p keeps it to the tenant.
const (
	MultiTenant  = "AzureADMultipleOrgs"
	SingleTenant = "AzureADMyOrg"
)

type application struct {
	ID             string `json:"id"`
	AppID          string `json:"appId"`
	DisplayName    string `json:"displayName"`
	SignInAudience string `json:"signInAudience"`
	Passwords      []struct {
		KeyID       string `json:"keyId"`
		DisplayName string `json:"displayName"`
	} `json:"passwordCredentials"`
}

type servicePrincipal struct {
	ID    string `json:"id"`
	AppID string `json:"appId"`
}

type list[T any] struct {
	Value []T `json:"value"`
}

// findApp is the application named name, or nil. Display names are not
// unique in Entra: two applications of the name are an error, since
// create_sp cannot tell which one is Aura's.
func (g *graphClient) findApp(ctx context.Context, name string) (*application, error) {
	var l list[application]
	if err := g.do(ctx, http.MethodGet, "/applications", filter("displayName", name), nil, &l); err != nil {
		return nil, err
	}
	switch len(l.Value) {
	case 0:
		return nil, nil
	case 1:
		return &l.Value[0], nil
	}
	return nil, fmt.Errorf("create_sp: -n %q: %d applications have that name (client IDs %s, %s…); rename or delete the extra ones, or pick another name",
		name, len(l.Value), l.Value[0].AppID, l.Value[1].AppID)
}

func (g *graphClient) appByAppID(ctx context.Context, appID string) (*application, error) {
	var l list[application]
	if err := g.do(ctx, http.MethodGet, "/applications", filter("appId", appID), nil, &l); err != nil {
		return nil, err
	}
	if len(l.Value) == 0 {
		return nil, fmt.Errorf("no application has client ID %s in this tenant (Microsoft Graph)", appID)
	}
	return &l.Value[0], nil
}

func (g *graphClient) createApp(ctx context.Context, name, audience string) (*application, error) {
	var a application
	err := g.do(ctx, http.MethodPost, "/applications", nil, map[string]any{"displayName": name, "signInAudience": audience}, &a)
	return &a, err
}

func (g *graphClient) setAudience(ctx context.Context, id, audience string) error {
	return g.do(ctx, http.MethodPatch, "/applications/"+url.PathEscape(id), nil, map[string]any{"signInAudience": audience}, nil)
}

func (g *graphClient) findSP(ctx context.Context, appID string) (*servicePrincipal, error) {
	var l list[servicePrincipal]
	if err := g.do(ctx, http.MethodGet, "/servicePrincipals", filter("appId", appID), nil, &l); err != nil {
		return nil, err
	}
	if len(l.Value) == 0 {
		return nil, nil
	}
	return &l.Value[0], nil
}

func (g *graphClient) createSP(ctx context.Context, appID string) (*servicePrincipal, error) {
	var sp servicePrincipal
	err := g.do(ctx, http.MethodPost, "/servicePrincipals", nil, map[string]any{"appId": appID}, &sp)
	return &sp, err
}

// addPassword adds a client secret and returns it: the one time Graph
// shows it.
func (g *graphClient) addPassword(ctx context.Context, id string) (string, error) {
	var out struct {
		SecretText string `json:"secretText"`
	}
	body := map[string]any{"passwordCredential": map[string]any{"displayName": "aura create_sp " + time.Now().UTC().Format("2006-01-02")}}
	if err := g.do(ctx, http.MethodPost, "/applications/"+url.PathEscape(id)+"/addPassword", nil, body, &out); err != nil {
		return "", err
	}
	if out.SecretText == "" {
		return "", fmt.Errorf("create_sp: Microsoft Graph added a secret but did not return it")
	}
	return out.SecretText, nil
}
