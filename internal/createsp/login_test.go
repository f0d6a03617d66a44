package createsp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/auracognitive/aurak8s/internal/createsp"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

var userCode = regexp.MustCompile(`enter the code ([A-Z0-9]+)`)

// TestDeviceCodeLogin: the prompt shows the verification URL and a code;
// login waits until the user enters that code, and the one sign-in serves
// ARM and Graph for the whole run.
func TestDeviceCodeLogin(t *testing.T) {
	w := newWorld(t)
	w.srv.Directory.AutoApprove = false
	var mu sync.Mutex
	var prompts []string
	approved := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := createsp.Login(ctx, w.e, createsp.LoginOptions{Transport: w.srv.Client(), Prompt: func(m string) {
		mu.Lock()
		prompts = append(prompts, m)
		mu.Unlock()
		m2 := userCode.FindStringSubmatch(m)
		if m2 == nil {
			approved <- nil
			return
		}
		// The user types the code in a browser a moment later.
		go func() { time.Sleep(200 * time.Millisecond); approved <- w.srv.Directory.Approve(m2[1]) }()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 1 || !strings.Contains(prompts[0], w.srv.URL+fakecloud.VerificationPath) || !userCode.MatchString(prompts[0]) {
		t.Fatalf("prompts %q, want one with %s and a code", prompts, w.srv.URL+fakecloud.VerificationPath)
	}
	if s.TenantID != owner.TenantID || s.User != "alice@fakecloud.test" {
		t.Errorf("signed in as %q in tenant %q", s.User, s.TenantID)
	}
	if _, err := createsp.Run(ctx, s, w.options("aura-sp")); err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 1 {
		t.Errorf("the run prompted again: %q", prompts)
	}
}

// TestSecretNeverInProgressOrDebug: --debug shows every request, never the
// secret Graph returned.
func TestSecretNeverInProgressOrDebug(t *testing.T) {
	w := newWorld(t)
	var debug bytes.Buffer
	o := w.options("aura-sp")
	o.Debug = &debug
	learned := ""
	o.LearnSecret = func(s string) { learned = s }
	r := w.ok(o)
	secret := r.Credentials.ClientSecret.Reveal()
	if secret == "" || learned != secret {
		t.Fatalf("LearnSecret was told %q", learned)
	}
	if !strings.Contains(debug.String(), "debug: POST "+w.srv.URL+"/v1.0/applications/") || !strings.Contains(debug.String(), "/addPassword → 200") {
		t.Errorf("--debug does not show the requests:\n%s", debug.String())
	}
	out := debug.String() + strings.Join(w.progress, "\n")
	for _, e := range r.Changes {
		out += e
	}
	if strings.Contains(out, secret) {
		t.Errorf("the secret is in the output:\n%s", out)
	}
	// Neither a printed credential nor its JSON shows it.
	if s := r.Credentials.String() + must(credentialsJSON(r.Credentials)); strings.Contains(s, secret) {
		t.Errorf("the credentials print their secret: %s", s)
	}
}

// TestAssignRolesUpdated: a custom role AssignRoles whose actions differ
// (an older release's) is updated in place, not duplicated.
func TestAssignRolesUpdated(t *testing.T) {
	w := newWorld(t)
	cred, err := azure.Credential(&credentials.Credentials{TenantID: owner.TenantID, ClientID: owner.ClientID, ClientSecret: credentials.Secret(owner.ClientSecret)},
		azure.Cloud{Name: azure.CloudCustom, AuthorityHost: w.srv.URL + "/", ResourceManagerEndpoint: w.srv.URL + "/", ResourceManagerAudience: fakecloud.Audience},
		&azcore.ClientOptions{Transport: w.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defs, err := armauthorization.NewRoleDefinitionsClient(cred, &arm.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: w.e.Cloud, Transport: w.srv.Client()}})
	if err != nil {
		t.Fatal(err)
	}
	scope := "/subscriptions/" + fakecloud.Subscription
	read := "Microsoft.Authorization/roleAssignments/read"
	if _, err := defs.CreateOrUpdate(context.Background(), scope, "0ld00000-0000-4000-8000-000000000001", armauthorization.RoleDefinition{Properties: &armauthorization.RoleDefinitionProperties{
		RoleName: to("AssignRoles"), Permissions: []*armauthorization.Permission{{Actions: []*string{&read}}}, AssignableScopes: []*string{&scope},
	}}, nil); err != nil {
		t.Fatal(err)
	}
	w.ok(w.options("aura-sp"))
	if got := w.srv.Cloud.CustomRoles(); len(got) != 1 || got[0] != assignRoles {
		t.Errorf("custom roles %q, want [%s]", got, assignRoles)
	}
	if !contains(w.srv.Writes(), "/roleDefinitions/0ld00000-0000-4000-8000-000000000001") {
		t.Errorf("the existing role was not updated in place: %q", w.srv.Writes())
	}
	if !contains(w.srv.Cloud.Assignments(), "roleDefinitions/0ld00000-0000-4000-8000-000000000001 → ") {
		t.Errorf("AssignRoles is not assigned: %q", w.srv.Cloud.Assignments())
	}
}

// TestSetSingleTenant: after deploy_core's bot step the application goes
// back to its own tenant, through its own service principal's login; a
// second call changes nothing.
func TestSetSingleTenant(t *testing.T) {
	w := newWorld(t)
	r := w.ok(w.options("aura-sp"))
	cloud := azure.Cloud{Name: azure.CloudCustom, AuthorityHost: w.srv.URL + "/", ResourceManagerEndpoint: w.srv.URL + "/", ResourceManagerAudience: fakecloud.Audience}
	client := &azcore.ClientOptions{Transport: w.srv.Client()}
	cred, err := azure.Credential(r.Credentials, cloud, client)
	if err != nil {
		t.Fatal(err)
	}
	app := createsp.NewApp(cred, w.e, r.Credentials.ClientID, client)
	w.srv.Directory.ResetGraph()
	if c, err := app.DryRun().EnsureSingleTenant(context.Background()); err != nil || c.Op != provider.OpUpdate {
		t.Fatalf("dry run: %+v, %v; want an update", c, err)
	}
	if n := len(w.srv.Directory.GraphWrites()); n != 0 {
		t.Errorf("the dry run wrote %d times to Graph", n)
	}
	// Without Graph rights of its own (create_sp gives none) the step is
	// left to an administrator: said, not failed.
	w.srv.Directory.SetDenyAppWrites(true)
	if c, err := app.EnsureSingleTenant(context.Background()); err != nil || c.Changed() || !strings.Contains(c.Detail, "az ad app update --id "+r.Credentials.ClientID) {
		t.Errorf("Graph refusing the write: %+v, %v; want no change and the command that finishes it", c, err)
	}
	w.srv.Directory.SetDenyAppWrites(false)
	for i, want := range []bool{true, false} {
		w.srv.Directory.ResetGraph()
		c, err := app.EnsureSingleTenant(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if changed := c.Changed(); changed != want {
			t.Errorf("call %d: changed %v (%s), want %v", i+1, changed, c, want)
		}
		if got := w.srv.Directory.Applications()[0].SignInAudience; got != "AzureADMyOrg" {
			t.Errorf("call %d: audience %s", i+1, got)
		}
		if n := len(w.srv.Directory.GraphWrites()); (n == 1) != want {
			t.Errorf("call %d: %d Graph writes", i+1, n)
		}
	}
}

func credentialsJSON(c *credentials.Credentials) (string, error) {
	data, err := json.Marshal(c)
	return string(data), err
}

func to[T any](v T) *T { return &v }
