package fakecloud

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// User is the person who signs in with a device code (aura create_sp).
type User struct {
	ObjectID, Name, TenantID string
}

// Directory is the server's Microsoft Entra tenant as a signed-in user
// sees it: device-code login, Microsoft Graph (applications, service
// principals and their secrets, at the server's URL under /v1.0/) and the
// subscriptions ARM lists. Applications made through Graph can then log in
// with their secrets like the server's service principal. Set the exported
// fields before the first request.
type Directory struct {
	User User
	// Subscriptions the user can see in ARM (default: Subscription).
	Subscriptions []string
	// AutoApprove signs a device code in as soon as it is issued; without
	// it the test calls Approve with the code the prompt showed.
	AutoApprove bool
	// DenyAppWrites makes the user an ordinary member without
	// Application Administrator: Graph refuses to create or change
	// applications (403 Authorization_RequestDenied).
	DenyAppWrites bool
	// UserPermissions are the user's on the subscriptions, as ARM lists
	// them (default: Owner's, everything).
	UserPermissions []Permission
	// AppLag is how many requests about a new application (adding a
	// secret, making its service principal) Graph answers as if it did
	// not exist, before its replicas know it.
	AppLag int
	// PrincipalLag is how many role assignments to a new service principal
	// ARM refuses with PrincipalNotFound before Graph's replication
	// reaches it.
	PrincipalLag int

	s  *Server
	mu sync.Mutex
	// codes are the device codes issued, by device code.
	codes map[string]*deviceCode
	// refresh tokens → the user they sign in.
	refresh     map[string]bool
	graphTokens map[string]bool
	apps        []*application
	sps         []*servicePrincipal
	lag         map[string]int // service principal object ID → refusals left
	appLag      map[string]int // application appId → refusals left
	log         []graphCall
}

func newDirectory(s *Server) *Directory {
	return &Directory{
		User:            User{ObjectID: "0b1ec7ed-0000-4000-8000-00000000a11c", Name: "alice@fakecloud.test", TenantID: s.sp.TenantID},
		Subscriptions:   []string{Subscription},
		UserPermissions: []Permission{{Actions: []string{"*"}}},
		s:               s,
		codes:           map[string]*deviceCode{},
		refresh:         map[string]bool{},
		graphTokens:     map[string]bool{},
		lag:             map[string]int{},
		appLag:          map[string]int{},
	}
}

// GraphRequests are the Graph requests served since ResetGraph, "METHOD
// path".
func (d *Directory) GraphRequests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, c := range d.log {
		out = append(out, c.req)
	}
	return out
}

// GraphWrites are the Graph requests that changed something: the writes
// Graph did not refuse.
func (d *Directory) GraphWrites() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, c := range d.log {
		if !strings.HasPrefix(c.req, "GET ") && c.status < 300 {
			out = append(out, c.req)
		}
	}
	return out
}

// ResetGraph forgets the logged Graph requests.
func (d *Directory) ResetGraph() {
	d.mu.Lock()
	d.log = nil
	d.mu.Unlock()
}

var (
	deviceCodePath  = regexp.MustCompile(`^/([^/]+)/oauth2/v2\.0/devicecode$`)
	subsPath        = regexp.MustCompile(`(?i)^/subscriptions(?:/([^/]+))?$`)
	permissionsPath = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/providers/Microsoft\.Authorization/permissions$`)
	assignmentPath  = regexp.MustCompile(`(?i)/providers/Microsoft\.Authorization/roleAssignments/[^/]+$`)
)

// serve answers what belongs to the directory and reports whether it did;
// everything else is the server's.
func (d *Directory) serve(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && discoveryPath.MatchString(p):
		return d.discovery(w, discoveryPath.FindStringSubmatch(p)[1])
	case r.Method == http.MethodPost && deviceCodePath.MatchString(p):
		d.deviceCode(w, r, deviceCodePath.FindStringSubmatch(p)[1])
		return true
	case r.Method == http.MethodPost && tokenPath.MatchString(p):
		return d.token(w, r, tokenPath.FindStringSubmatch(p)[1])
	case strings.HasPrefix(p, "/v1.0/"):
		d.graph(w, r)
		return true
	case r.Method == http.MethodGet && subsPath.MatchString(p):
		if !d.armRequest(w, r) {
			return true
		}
		d.subscriptions(w, subsPath.FindStringSubmatch(p)[1])
		return true
	case r.Method == http.MethodGet && permissionsPath.MatchString(p):
		if d.armRequest(w, r) {
			d.permissions(w)
		}
		return true
	case r.Method == http.MethodPut && assignmentPath.MatchString(p):
		return d.replicating(w, r)
	}
	return false
}

// armRequest authorizes and logs an ARM request the directory answers, as
// the server does its own; false: it was refused.
func (d *Directory) armRequest(w http.ResponseWriter, r *http.Request) bool {
	if !d.s.authorized(r) {
		armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "the access token is missing or was not issued by this login host")
		return false
	}
	d.s.mu.Lock()
	d.s.log = append(d.s.log, r.Method+" "+r.URL.Path)
	d.s.mu.Unlock()
	return true
}

// tenants the login host answers for the user: the user's own, and the
// multi-tenant aliases a public client signs in at.
func (d *Directory) tenant(t string) bool {
	return strings.EqualFold(t, d.User.TenantID) || t == "organizations" || t == "common"
}
