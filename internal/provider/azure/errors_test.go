package azure

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider"
)

func onPath(method, suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == method && strings.HasSuffix(r.URL.Path, suffix) }
}

// TestThrottlingAndServerErrorsAreRetried: Azure's 429 and 5xx answers are
// retried by the SDK's pipeline (real HTTP answers, not the fakes' errors,
// which the pipeline does not retry).
func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			e := newEnv(t)
			h := http.Header{}
			if status == http.StatusTooManyRequests {
				h.Set("Retry-After", "0")
			}
			e.rec.addFault(&fault{times: 2, status: status, header: h, match: onPath(http.MethodGet, "/resourcegroups/"+testRG),
				body: `{"error":{"code":"Busy","message":"try again"}}`})
			if c := must(t)(e.p.EnsureResourceGroup(context.Background(), provider.ResourceGroup{Name: testRG, Location: "westeurope"})); c.Op != provider.OpCreate {
				t.Errorf("%q, want create", c)
			}
			if n := e.rec.count(http.MethodGet, "/resourcegroups/"+testRG); n != 3 {
				t.Errorf("%d GETs, want 3 (two refused, one answered)", n)
			}
		})
	}
}

// TestDayOneErrorsSayWhatToDo: the refusals a new user meets first name
// Azure's code, the region and what to change.
func TestDayOneErrorsSayWhatToDo(t *testing.T) {
	cases := []struct {
		name   string
		faults []*fault
		want   []string
	}{
		{"vCPU quota", []*fault{{status: http.StatusBadRequest, match: onPath(http.MethodPut, "/managedClusters/aura-es-dev-1"),
			body: `{"code":"InsufficientVCPUQuota","message":"Insufficient vcpu quota requested 20, remaining 10 for family standardDASv4Family for region westeurope."}`}},
			[]string{"InsufficientVCPUQuota", "in region westeurope", "remaining 10", "Usage + quotas", "infrastructure.compute.agentpools"}},
		{"VM size not offered", []*fault{{status: http.StatusBadRequest, match: onPath(http.MethodPut, "/managedClusters/aura-es-dev-1"),
			body: `{"code":"SkuNotAvailable","message":"The requested VM size Standard_DC2ds_v3 is not available in the current region."}`}},
			[]string{"SkuNotAvailable", "in region westeurope", "Standard_DC2ds_v3", "az vm list-skus", "aks_multi_az"}},
		{"provider not registered", []*fault{
			{status: http.StatusConflict, match: onPath(http.MethodPut, "/managedClusters/aura-es-dev-1"),
				body: `{"error":{"code":"MissingSubscriptionRegistration","message":"The subscription is not registered to use namespace 'Microsoft.ContainerService'."}}`},
			{status: http.StatusForbidden, match: onPath(http.MethodPost, "/providers/Microsoft.ContainerService/register"),
				body: `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.ContainerService/register/action'."}}`},
		}, []string{"az provider register --namespace Microsoft.ContainerService"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.group(t, testRG)
			for _, f := range tc.faults {
				f.times = 1
				e.rec.addFault(f)
			}
			_, err := e.p.EnsureCluster(context.Background(), testCluster())
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "RESPONSE") || strings.Contains(err.Error(), "Authorization: ") {
				t.Errorf("error carries the SDK's request dump:\n%v", err)
			}
		})
	}
}

// TestProviderRegisteredBySDK: an unregistered resource provider the
// service principal may register is registered and the request retried.
func TestProviderRegisteredBySDK(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	e.rec.addFault(&fault{times: 1, status: http.StatusConflict, match: onPath(http.MethodPut, "/managedClusters/aura-es-dev-1"),
		body: `{"error":{"code":"MissingSubscriptionRegistration","message":"The subscription is not registered to use namespace 'Microsoft.ContainerService'."}}`})
	e.rec.addFault(&fault{times: 1, status: http.StatusOK, match: onPath(http.MethodPost, "/providers/Microsoft.ContainerService/register"),
		body: `{"namespace":"Microsoft.ContainerService","registrationState":"Registering"}`})
	e.rec.addFault(&fault{times: 1, status: http.StatusOK, match: onPath(http.MethodGet, "/providers/Microsoft.ContainerService"),
		body: `{"namespace":"Microsoft.ContainerService","registrationState":"Registered"}`})
	if c := must(t)(e.p.EnsureCluster(context.Background(), testCluster())); c.Op != provider.OpCreate {
		t.Errorf("%q, want create", c)
	}
}

// TestRoleAssignmentNeedsPermission: Contributor alone may not assign
// roles; aura says which permission is missing before trying.
func TestRoleAssignmentNeedsPermission(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	must(t)(e.p.EnsureCluster(ctx, testCluster()))
	star, auth := "*", "Microsoft.Authorization/*/Write"
	e.cloud.Permissions = []*armauthorization.Permission{{Actions: []*string{&star}, NotActions: []*string{&auth}}}
	e.rec.reset()
	ra := provider.RoleAssignment{Cluster: testCluster().Ref(), Identity: provider.IdentityCluster, Role: "Network Contributor",
		Scope: provider.Scope{ResourceGroup: testRG}}
	_, err := e.p.EnsureRoleAssignment(ctx, ra)
	if err == nil || !strings.Contains(err.Error(), "Microsoft.Authorization/roleAssignments/*") {
		t.Errorf("error %v, want one naming Microsoft.Authorization/roleAssignments/*", err)
	}
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("wrote %q", w)
	}
	roleAssign := "Microsoft.Authorization/roleAssignments/*"
	e.cloud.Permissions = append(e.cloud.Permissions, &armauthorization.Permission{Actions: []*string{&roleAssign}})
	if c := must(t)(e.p.EnsureRoleAssignment(ctx, ra)); c.Op != provider.OpCreate {
		t.Errorf("with the AssignRoles permissions: %q, want create", c)
	}
}

func TestActionAllowed(t *testing.T) {
	cases := []struct {
		actions, not []string
		want         bool
	}{
		{[]string{"*"}, nil, true},
		{[]string{"*"}, []string{"Microsoft.Authorization/*/Write"}, false},
		{[]string{"microsoft.authorization/roleassignments/*"}, nil, true},
		{[]string{"Microsoft.Authorization/roleAssignments/read"}, nil, false},
		{[]string{"*/read"}, nil, false},
	}
	for _, tc := range cases {
		if got := actionAllowed(roleAssignAction, tc.actions, tc.not); got != tc.want {
			t.Errorf("actions %q not %q: %v, want %v", tc.actions, tc.not, got, tc.want)
		}
	}
}

// loginHost is a Microsoft Entra login endpoint that refuses the client
// secret, as Azure does.
func loginHost(t *testing.T, aadsts string) *httptest.Server {
	var ts *httptest.Server
	ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
			_ = json.NewEncoder(w).Encode(map[string]string{
				"issuer":                 ts.URL + "/" + tenant + "/v2.0",
				"authorization_endpoint": ts.URL + "/" + tenant + "/oauth2/v2.0/authorize",
				"token_endpoint":         ts.URL + "/" + tenant + "/oauth2/v2.0/token",
			})
		case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client",
				"error_description": aadsts + ": the credentials were refused. Trace ID: 1"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// TestWrongCredentialsNameTheKey: a refused service principal is reported
// with the key to fix and where it came from, never with the secret.
func TestWrongCredentialsNameTheKey(t *testing.T) {
	cases := []struct{ aadsts, want string }{
		{"AADSTS7000215", credentials.KeySecret + " is wrong"},
		{"AADSTS7000222", credentials.KeySecret + " has expired"},
		{"AADSTS700016", credentials.KeyClientID + " names no application"},
		{"AADSTS90002", credentials.KeyTenant + " names no tenant"},
	}
	for _, tc := range cases {
		t.Run(tc.aadsts, func(t *testing.T) {
			ts := loginHost(t, tc.aadsts)
			creds := &credentials.Credentials{ClientID: "11111111-1111-1111-1111-111111111111", ClientSecret: "s3cr3t-Value~xyz",
				TenantID: "22222222-2222-2222-2222-222222222222", SubscriptionID: "33333333-3333-3333-3333-333333333333", Source: "ci/credentials.json"}
			c := Cloud{Name: CloudCustom, AuthorityHost: ts.URL + "/", ResourceManagerEndpoint: "https://management.test/"}
			cred, err := Credential(creds, c, &azcore.ClientOptions{Transport: ts.Client()})
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			p, err := New(Options{SubscriptionID: creds.SubscriptionID, Credential: cred, Cloud: c, Tokens: e.tokens, Transport: e.rec,
				Retry: &policy.RetryOptions{MaxRetries: -1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.EnsureResourceGroup(context.Background(), provider.ResourceGroup{Name: testRG, Location: "westeurope"})
			t.Log(err)
			var ce *CredentialError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a CredentialError", err, err)
			}
			for _, w := range []string{tc.want, tc.aadsts, "ci/credentials.json", creds.ClientID} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q: %v", w, err)
				}
			}
			if strings.Contains(err.Error(), creds.ClientSecret.Reveal()) {
				t.Errorf("error shows the secret: %v", err)
			}
			if len(e.rec.log) != 0 {
				t.Errorf("requests reached ARM without a token: %q", e.rec.log)
			}
		})
	}
}

func TestCloudConfiguration(t *testing.T) {
	for _, name := range []string{"", CloudPublic, CloudChina, CloudGovernment} {
		if _, err := (Cloud{Name: name}).Configuration(); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := (Cloud{Name: "AzureGermany"}).Configuration(); err == nil || !strings.Contains(err.Error(), "AzureUSGovernment") {
		t.Errorf("unknown cloud: %v, want the list of clouds", err)
	}
	if _, err := (Cloud{Name: CloudCustom, AuthorityHost: "http://login.test/", ResourceManagerEndpoint: "https://arm.test/"}).Configuration(); err == nil ||
		!strings.Contains(err.Error(), "azure.authority_host") {
		t.Errorf("plain-HTTP authority: %v, want an error naming azure.authority_host", err)
	}
	cc, err := (Cloud{Name: CloudCustom, AuthorityHost: "https://login.test/", ResourceManagerEndpoint: "https://arm.test/"}).Configuration()
	if err != nil {
		t.Fatal(err)
	}
	if rm := cc.Services["resourceManager"]; rm.Endpoint != "https://arm.test/" || rm.Audience != "https://arm.test/" {
		t.Errorf("resource manager %+v, want the endpoint as audience by default", rm)
	}
	if s := (Cloud{Name: CloudChina}).StorageSuffix(); s != "core.chinacloudapi.cn" {
		t.Errorf("China storage suffix %q", s)
	}
}
