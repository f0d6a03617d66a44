package fakecloud

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// VerificationPath is where the device-code prompt sends the user.
const VerificationPath = "/devicelogin"

type deviceCode struct {
	user     string // the code the user types
	approved bool
}

func (d *Directory) discovery(w http.ResponseWriter, tenant string) bool {
	if tenant != "organizations" && tenant != "common" {
		return false // a tenant ID: the server's
	}
	base := d.s.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		// Entra's multi-tenant documents name a template issuer.
		"issuer":                                d.s.URL + "/{tenantid}/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
	return true
}

// deviceCode starts a device-code login (RFC 8628) as Entra does.
func (d *Directory) deviceCode(w http.ResponseWriter, r *http.Request, tenant string) {
	if !d.tenant(tenant) {
		oauthError(w, http.StatusBadRequest, "invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found.")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'client_id'.")
		return
	}
	device, user := newID(), strings.ToUpper(newID()[:9])
	d.mu.Lock()
	d.codes[device] = &deviceCode{user: user, approved: d.AutoApprove}
	d.mu.Unlock()
	uri := d.s.URL + VerificationPath
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": user, "device_code": device, "verification_uri": uri, "expires_in": 900, "interval": 1,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, user),
	})
}

// Approve signs the user in on the device that shows userCode, as the
// user does in the browser.
func (d *Directory) Approve(userCode string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.codes {
		if c.user == userCode {
			c.approved = true
			return nil
		}
	}
	return fmt.Errorf("fakecloud: no device code %q was issued", userCode)
}

// token answers the user's grants: a device code, and the refresh token
// that signs the user in for another resource without a second prompt.
// Client credentials of applications made through Graph are answered here
// too; the server's own service principal is the server's.
func (d *Directory) token(w http.ResponseWriter, r *http.Request, tenant string) bool {
	if err := r.ParseForm(); err != nil {
		return false
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code": // MSAL sends the short form
		if !d.tenant(tenant) {
			oauthError(w, http.StatusBadRequest, "invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found.")
			return true
		}
		d.mu.Lock()
		c, ok := d.codes[f.Get("device_code")]
		approved := ok && c.approved
		if approved {
			delete(d.codes, f.Get("device_code")) // a code signs in once
		}
		d.mu.Unlock()
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is not valid.")
		case !approved:
			oauthError(w, http.StatusBadRequest, "authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
		default:
			d.userTokens(w, f.Get("client_id"), f.Get("scope"))
		}
		return true
	case "refresh_token":
		d.mu.Lock()
		ok := d.refresh[f.Get("refresh_token")]
		d.mu.Unlock()
		if !ok || !d.tenant(tenant) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70000: The provided value for the 'refresh_token' is not valid.")
			return true
		}
		d.userTokens(w, f.Get("client_id"), f.Get("scope"))
		return true
	case "client_credentials":
		if tenant != d.User.TenantID {
			return false
		}
		app := d.appByAppID(f.Get("client_id"))
		if app == nil {
			return false
		}
		if !app.hasSecret(f.Get("client_secret")) {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
			return true
		}
		tok := "fakecloud." + newID()
		switch {
		case forDatabricks(f.Get("scope")):
			d.s.mu.Lock()
			d.s.dbxTokens[tok] = true
			d.s.mu.Unlock()
		case forAudience(f.Get("scope")):
			d.s.mu.Lock()
			d.s.tokens[tok] = true
			d.s.mu.Unlock()
		case d.forGraph(f.Get("scope")):
			d.mu.Lock()
			d.graphTokens[tok] = true
			d.mu.Unlock()
		default:
			oauthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS500011: The resource principal named "+f.Get("scope")+" was not found; want "+Audience)
			return true
		}
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
		return true
	}
	return false
}

// userTokens issues the user's tokens for the resource scope names: ARM
// (Audience) or Graph (the server's URL), with a refresh token, an ID
// token and the client info MSAL keeps the account by.
func (d *Directory) userTokens(w http.ResponseWriter, clientID, scope string) {
	tok := "fakecloud.user." + newID()
	switch {
	case forAudience(scope):
		d.s.mu.Lock()
		d.s.tokens[tok] = true
		d.s.mu.Unlock()
	case d.forGraph(scope):
		d.mu.Lock()
		d.graphTokens[tok] = true
		d.mu.Unlock()
	default:
		oauthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS500011: The resource principal named "+scope+" was not found in the tenant.")
		return
	}
	refresh := "fakecloud.refresh." + newID()
	d.mu.Lock()
	d.refresh[refresh] = true
	d.mu.Unlock()
	now := time.Now().Unix()
	u := d.User
	claims, _ := json.Marshal(map[string]any{
		"aud": clientID, "iss": d.s.URL + "/" + u.TenantID + "/v2.0", "iat": now, "nbf": now, "exp": now + 3600,
		"oid": u.ObjectID, "sub": u.ObjectID, "tid": u.TenantID, "preferred_username": u.Name, "name": u.Name, "ver": "2.0",
	})
	enc := base64.RawURLEncoding.EncodeToString
	info, _ := json.Marshal(map[string]string{"uid": u.ObjectID, "utid": u.TenantID})
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": scope, "expires_in": 3599, "ext_expires_in": 3599,
		"access_token": tok, "refresh_token": refresh,
		"id_token":    enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(claims) + ".",
		"client_info": enc(info),
	})
}

// forGraph: scope asks for Graph, whose audience here is the server's URL.
func (d *Directory) forGraph(scope string) bool {
	for _, sc := range strings.Fields(scope) {
		if res, ok := strings.CutSuffix(sc, ".default"); ok && strings.TrimRight(res, "/") == strings.TrimRight(d.s.URL, "/") {
			return true
		}
	}
	return false
}
