package fakecloud

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Application is an application registration as Graph returns it.
type Application struct {
	ID             string `json:"id"`
	AppID          string `json:"appId"`
	DisplayName    string `json:"displayName"`
	SignInAudience string `json:"signInAudience"`
	// Secrets are the names of its password credentials.
	Secrets []string `json:"-"`
}

type application struct {
	Application
	passwords []password
}

type password struct {
	keyID, name, secret string
}

type servicePrincipal struct {
	ID, AppID, DisplayName string
}

func (a *application) hasSecret(s string) bool {
	return s != "" && slices.ContainsFunc(a.passwords, func(p password) bool { return p.secret == s })
}

// SetDenyAppWrites changes DenyAppWrites while the server runs.
func (d *Directory) SetDenyAppWrites(deny bool) {
	d.mu.Lock()
	d.DenyAppWrites = deny
	d.mu.Unlock()
}

// Applications are the applications made through Graph, in creation order.
func (d *Directory) Applications() []Application {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Application
	for _, a := range d.apps {
		c := a.Application
		c.Secrets = nil
		for _, p := range a.passwords {
			c.Secrets = append(c.Secrets, p.name)
		}
		out = append(out, c)
	}
	return out
}

// ServicePrincipalOf is the object ID of an application's service
// principal ("" if it has none).
func (d *Directory) ServicePrincipalOf(appID string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, sp := range d.sps {
		if sp.AppID == appID {
			return sp.ID
		}
	}
	return ""
}

func (d *Directory) appByAppID(appID string) *application {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.apps {
		if strings.EqualFold(a.AppID, appID) {
			return a
		}
	}
	return nil
}

var (
	appPath      = regexp.MustCompile(`^/v1\.0/applications/([^/]+)$`)
	passwordPath = regexp.MustCompile(`^/v1\.0/applications/([^/]+)/addPassword$`)
	filterEq     = regexp.MustCompile(`^(displayName|appId) eq '((?:[^']|'')*)'$`)
)

var audiences = []string{"AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"}

// graph serves the Graph routes create_sp uses, with Graph's errors.
func (d *Directory) graph(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	d.mu.Lock()
	ok, deny := d.graphTokens[tok], d.DenyAppWrites
	d.mu.Unlock()
	if ok {
		rec := &statusRecorder{ResponseWriter: w}
		w = rec
		defer func() {
			d.mu.Lock()
			d.log = append(d.log, graphCall{r.Method + " " + r.URL.Path, rec.status})
			d.mu.Unlock()
		}()
	}
	if !ok {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}
	if r.Method != http.MethodGet && deny {
		graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
			return
		}
	}
	p := r.URL.Path
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case p == "/v1.0/applications" && r.Method == http.MethodGet:
		list := []any{}
		field, value, ok := filter(r)
		if !ok {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause")
			return
		}
		for _, a := range d.apps {
			if (field == "displayName" && a.DisplayName == value) || (field == "appId" && strings.EqualFold(a.AppID, value)) {
				list = append(list, a.json())
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": list})
	case p == "/v1.0/applications" && r.Method == http.MethodPost:
		name, _ := body["displayName"].(string)
		aud, _ := body["signInAudience"].(string)
		if aud == "" {
			aud = "AzureADMyOrg"
		}
		if msg := badDisplayName(name); msg != "" {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", msg)
			return
		}
		if !slices.Contains(audiences, aud) {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'signInAudience' of resource 'Application'.")
			return
		}
		a := &application{Application: Application{ID: uuid.NewString(), AppID: uuid.NewString(), DisplayName: name, SignInAudience: aud}}
		d.apps = append(d.apps, a)
		d.appLag[a.AppID] = d.AppLag
		writeJSON(w, http.StatusCreated, a.json())
	case appPath.MatchString(p):
		a := d.appByID(appPath.FindStringSubmatch(p)[1])
		if a == nil {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+appPath.FindStringSubmatch(p)[1]+"' does not exist or one of its queried reference-property objects are not present.")
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, a.json())
		case http.MethodPatch:
			if aud, ok := body["signInAudience"].(string); ok {
				if !slices.Contains(audiences, aud) {
					graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'signInAudience' of resource 'Application'.")
					return
				}
				a.SignInAudience = aud
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "fakecloud serves no "+r.Method+" "+p)
		}
	case passwordPath.MatchString(p) && r.Method == http.MethodPost:
		a := d.appByID(passwordPath.FindStringSubmatch(p)[1])
		if a == nil || d.lagging(a.AppID) {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist.")
			return
		}
		cred, _ := body["passwordCredential"].(map[string]any)
		name, _ := cred["displayName"].(string)
		pw := password{keyID: uuid.NewString(), name: name, secret: "fk~" + newID() + newID()}
		a.passwords = append(a.passwords, pw)
		now := time.Now().UTC()
		writeJSON(w, http.StatusOK, map[string]any{
			"keyId": pw.keyID, "displayName": name, "secretText": pw.secret, "hint": pw.secret[:3],
			"startDateTime": now.Format(time.RFC3339), "endDateTime": now.AddDate(2, 0, 0).Format(time.RFC3339),
		})
	case p == "/v1.0/servicePrincipals" && r.Method == http.MethodGet:
		field, value, ok := filter(r)
		if !ok || field != "appId" {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause")
			return
		}
		list := []any{}
		for _, sp := range d.sps {
			if strings.EqualFold(sp.AppID, value) {
				list = append(list, map[string]any{"id": sp.ID, "appId": sp.AppID, "displayName": sp.DisplayName})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": list})
	case p == "/v1.0/servicePrincipals" && r.Method == http.MethodPost:
		appID, _ := body["appId"].(string)
		var app *application
		for _, a := range d.apps {
			if strings.EqualFold(a.AppID, appID) {
				app = a
			}
		}
		if app == nil || d.lagging(app.AppID) {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "The appId '"+appID+"' of the service principal does not reference a valid application object.")
			return
		}
		for _, sp := range d.sps {
			if strings.EqualFold(sp.AppID, appID) {
				graphError(w, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "The service principal cannot be created, updated, or restored because the service principal name "+appID+" is already in use.")
				return
			}
		}
		sp := &servicePrincipal{ID: uuid.NewString(), AppID: app.AppID, DisplayName: app.DisplayName}
		d.sps = append(d.sps, sp)
		d.lag[strings.ToLower(sp.ID)] = d.PrincipalLag
		writeJSON(w, http.StatusCreated, map[string]any{"id": sp.ID, "appId": sp.AppID, "displayName": sp.DisplayName})
	default:
		graphError(w, http.StatusNotImplemented, "Request_BadRequest", "fakecloud serves no Graph "+r.Method+" "+p)
	}
}

// lagging: the application is not yet known to the replica that answers.
// Called with the directory locked.
func (d *Directory) lagging(appID string) bool {
	if d.appLag[appID] == 0 {
		return false
	}
	d.appLag[appID]--
	return true
}

func (d *Directory) appByID(id string) *application {
	for _, a := range d.apps {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// json is the application as Graph returns it; secrets are never returned
// after addPassword, only their key IDs and names.
func (a *application) json() map[string]any {
	creds := []any{}
	for _, p := range a.passwords {
		creds = append(creds, map[string]any{"keyId": p.keyID, "displayName": p.name, "hint": p.secret[:3]})
	}
	return map[string]any{"id": a.ID, "appId": a.AppID, "displayName": a.DisplayName, "signInAudience": a.SignInAudience, "passwordCredentials": creds}
}

func filter(r *http.Request) (field, value string, ok bool) {
	m := filterEq.FindStringSubmatch(r.URL.Query().Get("$filter"))
	if m == nil {
		return "", "", false
	}
	return m[1], strings.ReplaceAll(m[2], "''", "'"), true
}

// badDisplayName is Graph's complaint about an application name ("": none).
func badDisplayName(name string) string {
	if strings.TrimSpace(name) == "" || len([]rune(name)) > 120 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "Invalid value specified for property 'displayName' of resource 'Application'."
	}
	return ""
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "request-id": uuid.NewString()}}})
}

type graphCall struct {
	req    string
	status int
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// RegisterServerApp makes the server's own service principal an
// application of the directory with this sign-in audience, as create_sp
// leaves it, so Graph answers about it (deploy_core returns it to
// single-tenant) and its logins are the directory's.
func (d *Directory) RegisterServerApp(audience string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sp := d.s.sp
	a := &application{Application: Application{ID: uuid.NewString(), AppID: sp.ClientID, DisplayName: "aura-server", SignInAudience: audience},
		passwords: []password{{keyID: uuid.NewString(), name: "aura", secret: sp.ClientSecret}}}
	d.apps = append(d.apps, a)
	d.sps = append(d.sps, &servicePrincipal{ID: uuid.NewString(), AppID: sp.ClientID, DisplayName: a.DisplayName})
}
