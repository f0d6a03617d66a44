package createsp_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/createsp"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

const assignRoles = "AssignRoles: Microsoft.Authorization/roleAssignments/delete, Microsoft.Authorization/roleAssignments/read, Microsoft.Authorization/roleAssignments/write"

// TestFirstRunCreatesSecondRunReuses: the first run makes the application,
// its service principal, a secret, the AssignRoles role and the two
// assignments, and writes credentials.json 0600; the second run, with that
// file, changes nothing in Graph, ARM or the file, and says so.
func TestFirstRunCreatesSecondRunReuses(t *testing.T) {
	w := newWorld(t)
	r := w.ok(w.options("aura-sp-pro"))

	wantWrites := []string{
		"POST /v1.0/applications",
		"POST /v1.0/servicePrincipals",
		"POST /v1.0/applications/ID/addPassword",
		"PUT /subscriptions/ID/providers/Microsoft.Authorization/roleDefinitions/ID",
		"PUT /subscriptions/ID/providers/Microsoft.Authorization/roleAssignments/ID",
		"PUT /subscriptions/ID/providers/Microsoft.Authorization/roleAssignments/ID",
	}
	if got := w.writes(); !slices.Equal(got, wantWrites) {
		t.Errorf("first run wrote\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantWrites, "\n"))
	}
	apps := w.srv.Directory.Applications()
	if len(apps) != 1 || apps[0].DisplayName != "aura-sp-pro" || apps[0].SignInAudience != "AzureADMultipleOrgs" || len(apps[0].Secrets) != 1 {
		t.Fatalf("applications: %+v", apps)
	}
	spID := w.srv.Directory.ServicePrincipalOf(apps[0].AppID)
	if spID == "" {
		t.Fatal("no service principal for the application")
	}
	if got := w.srv.Cloud.CustomRoles(); !slices.Equal(got, []string{assignRoles}) {
		t.Errorf("custom roles %q", got)
	}
	// Contributor and AssignRoles, to the principal, at the subscription.
	assignments := w.srv.Cloud.Assignments()
	scope := "/subscriptions/" + fakecloud.Subscription
	if len(assignments) != 2 || !slices.Contains(assignments, "Contributor → "+spID+" @ "+scope) ||
		!slices.ContainsFunc(assignments, func(a string) bool {
			return strings.HasPrefix(a, scope+"/providers/Microsoft.Authorization/roleDefinitions/") && strings.HasSuffix(a, " → "+spID+" @ "+scope)
		}) {
		t.Errorf("assignments %q", assignments)
	}

	// credentials.json: 0600, and what -c reads.
	info, err := os.Stat(w.file())
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("credentials.json has mode %04o, want 0600", info.Mode().Perm())
	}
	creds, warnings, err := credentials.Load(w.file(), func(string) string { return "" })
	if err != nil || len(warnings) > 0 {
		t.Fatalf("credentials.json does not load: %v %q", err, warnings)
	}
	if creds.ClientID != apps[0].AppID || creds.TenantID != owner.TenantID || creds.SubscriptionID != fakecloud.Subscription || creds.ClientSecret.Reveal() == "" {
		t.Errorf("credentials.json holds %v", creds)
	}
	if r.Credentials.ClientSecret.Reveal() != creds.ClientSecret.Reveal() {
		t.Error("the result's secret is not the file's")
	}
	exports := createsp.Exports(r.Credentials)
	for _, line := range []string{"export AZURE_CLIENT_ID=" + creds.ClientID + "\n", "export AZURE_TENANT=" + owner.TenantID + "\n",
		"export AZURE_SUBSCRIPTION_ID=" + fakecloud.Subscription + "\n", "export AZURE_SECRET='" + creds.ClientSecret.Reveal() + "'\n"} {
		if !strings.Contains(exports, line) {
			t.Errorf("exports lack %q:\n%s", line, exports)
		}
	}

	before := w.readFile()
	stat, _ := os.Stat(w.file())
	r2 := w.ok(w.options("aura-sp-pro"))
	if got := w.writes(); len(got) != 0 {
		t.Errorf("second run wrote %q", got)
	}
	if len(r2.Changes) != 0 {
		t.Errorf("second run reports changes %q", r2.Changes)
	}
	if after, stat2 := w.readFile(), must(os.Stat(w.file())); after != before || !stat2.ModTime().Equal(stat.ModTime()) {
		t.Error("second run rewrote credentials.json")
	}
	if r2.Credentials.ClientSecret.Reveal() != creds.ClientSecret.Reveal() || r2.Credentials.ClientID != creds.ClientID {
		t.Error("second run does not give the first run's credentials")
	}
	if !contains(w.progress, "reusing application aura-sp-pro") || !contains(w.progress, "reusing service principal") {
		t.Errorf("second run does not say it reused: %q", w.progress)
	}
	if len(w.srv.Directory.Applications()[0].Secrets) != 1 {
		t.Error("second run added a secret")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSingleTenantDiffersOnlyByAudience: -p makes the same requests and
// objects as the default, but the application signs in its own tenant
// only.
func TestSingleTenantDiffersOnlyByAudience(t *testing.T) {
	multi, single := newWorld(t), newWorld(t)
	multi.ok(multi.options("aura-sp"))
	o := single.options("aura-sp")
	o.SingleTenant = true
	single.ok(o)
	if a, b := multi.writes(), single.writes(); !slices.Equal(a, b) {
		t.Errorf("writes differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	am, as := multi.srv.Directory.Applications()[0], single.srv.Directory.Applications()[0]
	if am.SignInAudience != "AzureADMultipleOrgs" || as.SignInAudience != "AzureADMyOrg" {
		t.Errorf("audiences %s and %s", am.SignInAudience, as.SignInAudience)
	}
	am.ID, am.AppID, am.SignInAudience = "", "", ""
	as.ID, as.AppID, as.SignInAudience = "", "", ""
	if !slices.Equal(am.Secrets, as.Secrets) || am.DisplayName != as.DisplayName {
		t.Errorf("applications differ beyond the audience: %+v, %+v", am, as)
	}
	if a, b := multi.srv.Cloud.CustomRoles(), single.srv.Cloud.CustomRoles(); !slices.Equal(a, b) {
		t.Errorf("custom roles differ: %q, %q", a, b)
	}

	// A later run without -p makes the application multi-tenant again,
	// with one PATCH and nothing else.
	single.ok(single.options("aura-sp"))
	if got := single.writes(); !slices.Equal(got, []string{"PATCH /v1.0/applications/ID"}) {
		t.Errorf("switching to multi-tenant wrote %q", got)
	}
	if got := single.srv.Directory.Applications()[0].SignInAudience; got != "AzureADMultipleOrgs" {
		t.Errorf("audience %s", got)
	}
}

// TestRotateSecret: a new secret only with --rotate-secret, and the file
// that holds the old one is replaced only with --force.
func TestRotateSecret(t *testing.T) {
	w := newWorld(t)
	w.ok(w.options("aura-sp"))
	old := w.readFile()

	o := w.options("aura-sp")
	o.RotateSecret = true
	_, err := w.run(o)
	if err == nil || !strings.Contains(err.Error(), w.file()+" exists") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("rotation without --force: %v", err)
	}
	if got := w.writes(); len(got) != 0 || w.readFile() != old {
		t.Fatalf("a refused rotation wrote %q", got)
	}

	o.Force = true
	r := w.ok(o)
	if got := w.writes(); !slices.Equal(got, []string{"POST /v1.0/applications/ID/addPassword"}) {
		t.Errorf("rotation wrote %q", got)
	}
	if w.readFile() == old || !strings.Contains(w.readFile(), r.Credentials.ClientSecret.Reveal()) {
		t.Error("credentials.json does not hold the new secret")
	}
	if n := len(w.srv.Directory.Applications()[0].Secrets); n != 2 {
		t.Errorf("the application has %d secrets, want 2", n)
	}
}

// TestRefusals: what create_sp refuses, before it changes anything.
func TestRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(w *world, o *createsp.Options)
		want  []string
	}{
		{name: "user without rights to register applications", setup: func(w *world, _ *createsp.Options) { w.srv.Directory.DenyAppWrites = true },
			want: []string{"alice@fakecloud.test may not create or change application \"aura-sp\"", "Authorization_RequestDenied", "Application Administrator", "Application.ReadWrite.All"}},
		{name: "a name Graph refuses", setup: func(_ *world, o *createsp.Options) { o.Name = strings.Repeat("aura", 31) },
			want: []string{`-n "auraaura`, "Microsoft Graph refused the name", "displayName"}},
		{name: "no subscription", setup: func(w *world, _ *createsp.Options) { w.srv.Directory.Subscriptions = nil },
			want: []string{"alice@fakecloud.test has access to no enabled Azure subscription in tenant " + owner.TenantID, "ask an administrator for Owner"}},
		{name: "a subscription the user cannot see", setup: func(_ *world, o *createsp.Options) { o.SubscriptionID = "11111111-0000-4000-8000-000000000000" },
			want: []string{"--subscription 11111111-0000-4000-8000-000000000000: alice@fakecloud.test has no access to it"}},
		{name: "two subscriptions and no choice", setup: func(w *world, _ *createsp.Options) {
			w.srv.Directory.Subscriptions = []string{fakecloud.Subscription, "22222222-0000-4000-8000-000000000000"}
		}, want: []string{"sees 2 subscriptions; choose one with --subscription", fakecloud.Subscription, "22222222-0000-4000-8000-000000000000"}},
		{name: "a Contributor, who may not assign roles", setup: func(w *world, _ *createsp.Options) {
			w.srv.Directory.UserPermissions = fakecloud.ContributorPermissions
		},
			want: []string{"alice@fakecloud.test may not create the custom role AssignRoles in subscription " + fakecloud.Subscription, "ask an administrator for Owner, or User Access Administrator"}},
		{name: "empty name", setup: func(_ *world, o *createsp.Options) { o.Name = " " }, want: []string{"-n: the service principal's name is required"}},
		{name: "a credentials file of someone else", setup: func(w *world, _ *createsp.Options) {
			if err := os.WriteFile(w.file(), []byte(`{"AZURE_CLIENT_ID": "c0ffee00-0000-4000-8000-000000000000", "AZURE_SECRET": "x", "AZURE_TENANT": "`+owner.TenantID+`", "AZURE_SUBSCRIPTION_ID": "`+fakecloud.Subscription+`"}`), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"credentials.json exists and holds the credentials of client ID c0ffee00-0000-4000-8000-000000000000: pass --force"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			o := w.options("aura-sp")
			c.setup(w, &o)
			before, _ := os.ReadFile(w.file())
			_, err := w.run(o)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range c.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if got := w.writes(); len(got) != 0 {
				t.Errorf("refused, yet wrote %q", got)
			}
			if len(w.srv.Directory.Applications()) != 0 {
				t.Error("an application was made")
			}
			if after, _ := os.ReadFile(w.file()); string(after) != string(before) {
				t.Error("credentials.json changed")
			}
		})
	}
}

// TestExistingApplicationWithoutItsFile: Graph never shows a secret twice,
// so an application found without its credentials.json needs
// --rotate-secret; nothing is changed until then.
func TestExistingApplicationWithoutItsFile(t *testing.T) {
	w := newWorld(t)
	w.ok(w.options("aura-sp"))
	if err := os.Remove(w.file()); err != nil {
		t.Fatal(err)
	}
	_, err := w.run(w.options("aura-sp"))
	if err == nil || !strings.Contains(err.Error(), "never shows its secret again") || !strings.Contains(err.Error(), "--rotate-secret") {
		t.Fatalf("got %v", err)
	}
	if got := w.writes(); len(got) != 0 {
		t.Errorf("wrote %q", got)
	}
	o := w.options("aura-sp")
	o.RotateSecret = true
	w.ok(o)
	if got := w.writes(); !slices.Equal(got, []string{"POST /v1.0/applications/ID/addPassword"}) {
		t.Errorf("--rotate-secret wrote %q", got)
	}
	if _, _, err := credentials.Load(w.file(), func(string) string { return "" }); err != nil {
		t.Error(err)
	}
}

// TestReplicationLag: ARM does not know a new service principal at once;
// the assignment is retried, within bounds, and a run that gives up keeps
// the secret it made in credentials.json, so the next run goes on.
func TestReplicationLag(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		w := newWorld(t)
		w.srv.Directory.AppLag = 2
		w.srv.Directory.PrincipalLag = 2
		w.ok(w.options("aura-sp"))
		if n := len(w.srv.Cloud.Assignments()); n != 2 {
			t.Errorf("%d assignments, want 2", n)
		}
		if apps := w.srv.Directory.Applications(); len(apps) != 1 || len(apps[0].Secrets) != 1 || w.srv.Directory.ServicePrincipalOf(apps[0].AppID) == "" {
			t.Errorf("after the lag: %+v", apps)
		}
		if !contains(w.progress, "waiting") {
			t.Errorf("the wait is not reported: %q", w.progress)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		w := newWorld(t)
		w.srv.Directory.PrincipalLag = 1000
		o := w.options("aura-sp")
		o.ReplicationTimeout = 50 * time.Millisecond
		_, err := w.run(o)
		if err == nil || !strings.Contains(err.Error(), "has not replicated the new service principal") || !strings.Contains(err.Error(), "run create_sp again") {
			t.Fatalf("got %v", err)
		}
		if _, _, err := credentials.Load(w.file(), func(string) string { return "" }); err != nil {
			t.Fatalf("the secret was lost: %v", err)
		}
		if n := len(w.srv.Cloud.Assignments()); n != 0 {
			t.Fatalf("%d assignments before replication", n)
		}
		w.srv.Directory.Replicate()
		w.ok(w.options("aura-sp"))
		if n := len(w.srv.Cloud.Assignments()); n != 2 {
			t.Errorf("the second run made %d assignments, want 2", n)
		}
		if contains(w.writes(), "addPassword") {
			t.Error("the second run added another secret")
		}
	})
}
