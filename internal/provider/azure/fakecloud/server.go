package fakecloud

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Audience is the token audience of the server's Resource Manager
// (azure.resource_manager_audience); it differs from the endpoint, as
// Azure's does, so a client that mixes them up is refused.
const Audience = "https://management.fakecloud.test/"

// ServicePrincipal is the one identity the server's login host accepts.
type ServicePrincipal struct {
	TenantID, ClientID, ClientSecret string
}

// Server is the cloud over HTTPS on 127.0.0.1, for a process that is not
// the test (the aura binary): a Microsoft Entra login host (OIDC discovery
// and the client-credentials token endpoint) and Resource Manager, both at
// URL. ARM requests go to the Cloud's fakes; long-running operations are
// answered the way ARM answers them, with an Azure-AsyncOperation URL the
// client polls. Every ARM request is logged, so a test can count writes.
//
// Reach it with azure.cloud: Custom, authority_host and
// resource_manager_endpoint = URL, resource_manager_audience = Audience,
// and trust its certificate (CertPEM) with SSL_CERT_FILE.
type Server struct {
	URL   string
	Cloud *Cloud
	// Directory is the tenant a user signs in to with a device code.
	Directory *Directory

	sp   ServicePrincipal
	srv  *httptest.Server
	done chan struct{} // closed by Close: operations stop

	mu     sync.Mutex
	tokens map[string]bool
	// dbxTokens are the tokens issued for Azure Databricks, which only
	// the workspaces' Jobs API takes.
	dbxTokens map[string]bool
	ops       map[string]*operation
	log       []string
}

// operation is a long-running operation the server answered with an
// Azure-AsyncOperation URL: the fake that serves it and, once it ended,
// its last status.
type operation struct {
	api, path, query string

	mu        sync.Mutex
	status    string // "" while running
	errCode   string
	errStatus int
}

// NewServer starts a server for c that logs in sp. Close it when done.
func NewServer(c *Cloud, sp ServicePrincipal) *Server {
	s := &Server{Cloud: c, sp: sp, tokens: map[string]bool{}, dbxTokens: map[string]bool{}, ops: map[string]*operation{}, done: make(chan struct{})}
	s.Directory = newDirectory(s)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// A client that exits mid-handshake is no news.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.StartTLS()
	s.URL = s.srv.URL
	if c.WorkspaceURL == nil {
		// Databricks reports a host name; a client puts https:// before it.
		host := strings.TrimPrefix(s.URL, "https://")
		c.WorkspaceURL = func(id string) string { return host + workspacePrefix + id }
	}
	return s
}

// Close stops the server and its operations.
func (s *Server) Close() {
	close(s.done)
	s.srv.Close()
}

// CertPEM is the server's certificate, for SSL_CERT_FILE.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Client is an HTTP client that trusts the server, for in-process callers.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests are the ARM requests served since the last Reset, "METHOD
// path" (status polls included).
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// Writes are the requests that changed something (IsWrite).
func (s *Server) Writes() []string {
	var w []string
	for _, e := range s.Requests() {
		m, p, _ := strings.Cut(e, " ")
		if IsWrite(m, p) {
			w = append(w, e)
		}
	}
	return w
}

// Reset forgets the logged requests.
func (s *Server) Reset() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

var (
	discoveryPath = regexp.MustCompile(`^/([^/]+)/v2\.0/\.well-known/openid-configuration$`)
	tokenPath     = regexp.MustCompile(`^/([^/]+)/oauth2/v2\.0/token$`)
)

const opsPrefix = "/fakecloud/operations/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.Directory.serve(w, r) {
		return
	}
	if m := discoveryPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
		s.discovery(w, m[1])
		return
	}
	if m := tokenPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPost {
		s.token(w, r, m[1])
		return
	}
	if m := workspacePath.FindStringSubmatch(r.URL.Path); m != nil {
		s.serveWorkspace(w, r, m[1], m[2])
		return
	}
	if !s.authorized(r) {
		armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "the access token is missing or was not issued by this login host")
		return
	}
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if id, ok := strings.CutPrefix(r.URL.Path, opsPrefix); ok && r.Method == http.MethodGet {
		s.poll(w, id)
		return
	}
	api := apiOf(r.Method, r.URL.Path)
	if api == "" {
		// 501: not retried by the SDK, and says the fake lacks a route.
		armError(w, http.StatusNotImplemented, "FakeCloudNoRoute", "fakecloud serves no "+r.Method+" "+r.URL.Path)
		return
	}
	resp, err := s.Cloud.transport.Do(fakeRequest(api, r.Method, r.Host, r.URL.Path, r.URL.RawQuery, r.Body))
	if err != nil {
		writeErr(w, err)
		return
	}
	defer resp.Body.Close()
	status := resp.Header.Get(fakePollerStatus)
	resp.Header.Del(fakePollerStatus)
	if status == "" || status == "Succeeded" {
		// Not long-running, or done at once: the answer as it is.
		copyResponse(w, resp)
		return
	}
	// The status URL names the resource, so a test can tell operations
	// apart in the log.
	id := strings.TrimPrefix(r.URL.Path, "/") + "/" + newID()
	op := &operation{api: api, path: r.URL.Path, query: r.URL.RawQuery}
	s.mu.Lock()
	s.ops[id] = op
	s.mu.Unlock()
	go s.run(op, r.Host)
	resp.Header.Set("Azure-AsyncOperation", s.URL+opsPrefix+id)
	resp.Header.Set("Retry-After-Ms", strconv.Itoa(int(Step/time.Millisecond)))
	copyResponse(w, resp)
}

// Step is how long each "in progress" answer of an operation lasts
// (Cloud.LROSteps of them), and the Retry-After-Ms the server tells
// clients to poll at (aura's own default is seconds).
const Step = 20 * time.Millisecond

const fakePollerStatus = "Fake-Poller-Status"

// run takes an operation to its end one step at a time, as Azure does:
// whether or not anyone polls it (a client interrupted before it saved the
// status URL never will).
func (s *Server) run(op *operation, host string) {
	for {
		select {
		case <-s.done:
			return
		case <-time.After(Step):
		}
		// The fakes poll an operation at its resource's URL plus a suffix.
		resp, err := s.Cloud.transport.Do(fakeRequest(op.api, http.MethodGet, host, op.path+pollSuffix, op.query, nil))
		op.mu.Lock()
		var re *azcore.ResponseError
		switch {
		case errors.As(err, &re):
			op.status, op.errCode, op.errStatus = "Failed", re.ErrorCode, re.StatusCode
		case err != nil:
			op.status, op.errCode, op.errStatus = "Failed", "FakeCloudError", http.StatusInternalServerError
		default:
			_ = resp.Body.Close()
			if st := resp.Header.Get(fakePollerStatus); st != "InProgress" {
				op.status = st
			}
		}
		done := op.status != ""
		op.mu.Unlock()
		if done {
			return
		}
	}
}

// poll answers an operation's status URL as ARM does: {"status": …}.
func (s *Server) poll(w http.ResponseWriter, id string) {
	s.mu.Lock()
	op := s.ops[id]
	s.mu.Unlock()
	if op == nil {
		armError(w, http.StatusNotFound, "OperationNotFound", "no operation "+id)
		return
	}
	op.mu.Lock()
	body := map[string]any{"status": "InProgress"}
	if op.status != "" {
		body["status"] = op.status
	}
	if op.errCode != "" {
		body["error"] = map[string]any{"code": op.errCode, "message": fmt.Sprintf("the operation failed (%d %s)", op.errStatus, op.errCode)}
	}
	op.mu.Unlock()
	w.Header().Set("Retry-After-Ms", strconv.Itoa(int(Step/time.Millisecond)))
	writeJSON(w, http.StatusOK, body)
}

// fakeRequest is a request as the fakes expect it: absolute, with the name
// of the SDK operation in its context. ARM finishes what it accepted when
// the client goes away (and the fakes panic, sending on a closed channel,
// when their context ends while they serve): it never ends.
func fakeRequest(api, method, host, path, query string, body io.Reader) *http.Request {
	ctx := context.WithValue(context.Background(), runtime.CtxAPINameKey{}, api)
	u := &url.URL{Scheme: "https", Host: host, Path: path, RawQuery: query}
	req, _ := http.NewRequestWithContext(ctx, method, u.String(), body)
	return req
}

func (s *Server) discovery(w http.ResponseWriter, tenant string) {
	if tenant != s.sp.TenantID {
		// What Entra says about a tenant it does not know.
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant '" + tenant + "' not found."})
		return
	}
	base := s.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"tenant_region_scope":                   "EU",
	})
}

// token is the client-credentials grant for the one service principal and
// the ARM audience.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	switch {
	case tenant != s.sp.TenantID:
		oauthError(w, http.StatusBadRequest, "invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found.")
	case f.Get("grant_type") != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials")
	case f.Get("client_id") != s.sp.ClientID || f.Get("client_secret") != s.sp.ClientSecret:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
	case forDatabricks(f.Get("scope")):
		tok := "fakecloud-dbx." + newID()
		s.mu.Lock()
		s.dbxTokens[tok] = true
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	case !forAudience(f.Get("scope")):
		oauthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS500011: The resource principal named "+f.Get("scope")+" was not found; want "+Audience)
	default:
		tok := "fakecloud." + newID()
		s.mu.Lock()
		s.tokens[tok] = true
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	}
}

// forAudience: scope asks for ARM's Audience (MSAL adds openid,
// offline_access and profile).
func forAudience(scope string) bool {
	for _, sc := range strings.Fields(scope) {
		if res, ok := strings.CutSuffix(sc, ".default"); ok && strings.TrimRight(res, "/") == strings.TrimRight(Audience, "/") {
			return true
		}
	}
	return false
}

// DatabricksResource is Azure Databricks' application ID: the resource of
// its tokens' scope.
const DatabricksResource = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"

func forDatabricks(scope string) bool {
	for _, sc := range strings.Fields(scope) {
		if sc == DatabricksResource+"/.default" {
			return true
		}
	}
	return false
}

// workspacePrefix starts the paths of the workspaces the server serves.
const workspacePrefix = "/databricks/"

var workspacePath = regexp.MustCompile(`^` + workspacePrefix + `(\d+)` + JobsPathPrefix + `([a-z]+)$`)

// serveWorkspace is a workspace's Jobs API: it takes a Databricks token
// only (an ARM token is for ARM), and, when sent, an ARM token as the
// management token.
func (s *Server) serveWorkspace(w http.ResponseWriter, r *http.Request, ws, op string) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	mgmt := r.Header.Get("X-Databricks-Azure-SP-Management-Token")
	s.mu.Lock()
	ok := s.dbxTokens[tok] && (mgmt == "" || s.tokens[mgmt])
	s.log = append(s.log, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if !ok {
		jobsError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "the token is not an Azure Databricks token of this login host")
		return
	}
	s.Cloud.ServeJobs(w, r, ws, op)
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok && s.tokens[tok]
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeErr answers with the error a fake returned: an ARM error for an
// *azcore.ResponseError, otherwise a 501 (not retried) naming the fake's
// failure.
func writeErr(w http.ResponseWriter, err error) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		armError(w, re.StatusCode, re.ErrorCode, "fakecloud: "+re.ErrorCode)
		return
	}
	armError(w, http.StatusNotImplemented, "FakeCloudError", err.Error())
}

func armError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("x-ms-error-code", code)
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func oauthError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": msg, "error_codes": []int{}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	for k, v := range resp.Header {
		if !strings.EqualFold(k, "Content-Length") {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
