package azure

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

func testCLU() provider.AIService {
	return provider.AIService{ResourceGroup: testRG, Name: "clu-es-dev", Kind: provider.AIKindCLU, Location: "westeurope",
		AllowedRanges: []string{"20.1.1.1", "195.235.92.0/23"}, Tags: map[string]string{"env": "es-dev"}}
}

func testOpenAI() provider.AIService {
	return provider.AIService{ResourceGroup: testRG, Name: "openai-es-dev", Kind: provider.AIKindOpenAI, Location: "westeurope",
		AllowedRanges: []string{"20.1.1.1"},
		Deployments: []provider.AIDeployment{
			{Name: "gpt-4o", Model: "gpt-4o", Version: "2024-08-06", Capacity: 10},
			{Name: "embeddings", Model: "text-embedding-3-large", Version: "1", Capacity: 20, SKU: "GlobalStandard"},
		}}
}

// TestAIServiceCreateThenNothing: for each kind, the dry run predicts the
// create and writes nothing; the create makes the account with its
// subdomain, SKU and network rules, and its deployments; the next run
// writes nothing and leaves no resume token.
func TestAIServiceCreateThenNothing(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		ai              provider.AIService
		kind, sku, host string
		puts            int
	}{
		{testCLU(), "TextAnalytics", "S", "https://clu-es-dev.cognitiveservices.azure.com/", 1},
		{testOpenAI(), "OpenAI", "S0", "https://openai-es-dev.openai.azure.com/", 3},
	} {
		t.Run(string(tc.ai.Kind), func(t *testing.T) {
			e := newEnv(t)
			e.cloud.LROSteps = 2
			e.group(t, testRG)
			e.rec.reset()
			planned := must(t)(e.p.DryRun().EnsureAIService(ctx, tc.ai))
			if w := e.rec.writes(); len(w) != 0 {
				t.Errorf("dry run wrote %q", w)
			}
			c := must(t)(e.p.EnsureAIService(ctx, tc.ai))
			if c != planned || c.Op != provider.OpCreate {
				t.Errorf("create %q, planned %q", c, planned)
			}
			for _, d := range tc.ai.Deployments {
				if !strings.Contains(c.Detail, "deployment "+d.Name+": model "+d.Model) {
					t.Errorf("create %q does not announce deployment %s", c, d.Name)
				}
			}
			if w := e.rec.writes(); len(w) != tc.puts {
				t.Errorf("writes %q, want %d PUTs", w, tc.puts)
			}
			a := e.cloud.AIAccount(testRG, tc.ai.Name)
			if a == nil {
				t.Fatal("no account")
			}
			acl := a.Properties.NetworkACLs
			var rules []string
			for _, r := range acl.IPRules {
				rules = append(rules, str(r.Value))
			}
			if str(a.Kind) != tc.kind || str(a.SKU.Name) != tc.sku || str(a.Properties.Endpoint) != tc.host ||
				string(*acl.DefaultAction) != "Deny" || !sameSet(rules, tc.ai.AllowedRanges) || string(*a.Properties.ProvisioningState) != "Succeeded" {
				t.Errorf("account as created: %s", e.cloud.Snapshot())
			}
			for _, d := range tc.ai.Deployments {
				got := e.cloud.AIDeployment(testRG, tc.ai.Name, d.Name)
				if got == nil || str(got.Properties.Model.Name) != d.Model || str(got.Properties.Model.Version) != d.Version ||
					i32(got.SKU.Capacity) != d.Capacity || str(got.SKU.Name) != deploymentSKU(d) {
					t.Errorf("deployment %s as created: %+v", d.Name, got)
				}
			}
			e.rec.reset()
			snap := e.cloud.Snapshot()
			if c := must(t)(e.p.EnsureAIService(ctx, tc.ai)); c.Changed() {
				t.Errorf("second run: %q, want no change", c)
			}
			if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
				t.Errorf("second run wrote %q", w)
			}
			if keys := e.tokens.Keys(); len(keys) != 0 {
				t.Errorf("resume tokens left: %q", keys)
			}
		})
	}
}

// TestAIServiceWritesOnlyWhatDiffers: each change makes exactly the PUT it
// needs; the same ranges in another order or spelling make none.
func TestAIServiceWritesOnlyWhatDiffers(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*provider.AIService)
		writes []string // path suffixes of the PUTs
		detail string
	}{
		{"same ranges, other order and /32", func(ai *provider.AIService) { ai.AllowedRanges = []string{"20.1.1.1/32"} }, nil, ""},
		{"cluster IP changed", func(ai *provider.AIService) { ai.AllowedRanges = []string{"20.9.9.9", "195.235.92.0/23"} },
			[]string{"/accounts/openai-es-dev"}, "allowed ranges [20.1.1.1] → [20.9.9.9 195.235.92.0/23]"},
		{"capacity", func(ai *provider.AIService) { ai.Deployments[0].Capacity = 30 },
			[]string{"/deployments/gpt-4o"}, "deployment gpt-4o: Standard capacity 10 → Standard capacity 30"},
		{"model version", func(ai *provider.AIService) { ai.Deployments[1].Version = "2" },
			[]string{"/deployments/embeddings"}, "deployment embeddings: model text-embedding-3-large 1 → text-embedding-3-large 2"},
		{"new deployment", func(ai *provider.AIService) {
			ai.Deployments = append(ai.Deployments, provider.AIDeployment{Name: "gpt-4o-mini", Model: "gpt-4o-mini", Version: "2024-07-18", Capacity: 5})
		}, []string{"/deployments/gpt-4o-mini"}, "deployment gpt-4o-mini: model gpt-4o-mini 2024-07-18, Standard capacity 5"},
		{"tags", func(ai *provider.AIService) { ai.Tags = map[string]string{"env": "es-prod"} }, []string{"/accounts/openai-es-dev"}, "changed: tags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.group(t, testRG)
			ai := testOpenAI()
			must(t)(e.p.EnsureAIService(ctx, ai))
			tc.change(&ai)
			e.rec.reset()
			planned := must(t)(e.p.DryRun().EnsureAIService(ctx, ai))
			if w := e.rec.writes(); len(w) != 0 {
				t.Errorf("dry run wrote %q", w)
			}
			c := must(t)(e.p.EnsureAIService(ctx, ai))
			if c != planned || (tc.detail == "") == c.Changed() || !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("change %q (planned %q), want one saying %q", c, planned, tc.detail)
			}
			w := e.rec.writes()
			if len(w) != len(tc.writes) {
				t.Fatalf("writes %q, want PUTs of %q", w, tc.writes)
			}
			for i, suffix := range tc.writes {
				if !strings.HasPrefix(w[i], "PUT ") || !strings.HasSuffix(w[i], suffix) {
					t.Errorf("write %q, want a PUT of …%s", w[i], suffix)
				}
			}
			a := e.cloud.AIAccount(testRG, ai.Name)
			if str(a.Properties.CustomSubDomainName) != ai.Name || str(a.Properties.DateCreated) == "" {
				t.Errorf("the update lost what Azure set: %s", e.cloud.Snapshot())
			}
		})
	}
}

// TestOpenAIQuotaErrorSaysModelRegionAndCode: the subscription lacks the
// model's quota in the region; the error names the model, the region and
// Azure's code, and says where quota is raised.
func TestOpenAIQuotaErrorSaysModelRegionAndCode(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	e.cloud.SetOpenAIQuota("westeurope", "gpt-4o", 5)
	_, err := e.p.EnsureAIService(context.Background(), testOpenAI())
	if err == nil {
		t.Fatal("no error beyond the quota")
	}
	for _, want := range []string{"gpt-4o 2024-08-06", "capacity 10", "InsufficientQuota in region westeurope", "Quotas", "openai_deployments"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if e.cloud.AIDeployment(testRG, "openai-es-dev", "gpt-4o") != nil {
		t.Error("the deployment beyond the quota exists")
	}
}

// TestAIServiceRefusals: bad input fails naming the service before any
// request.
func TestAIServiceRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*provider.AIService)
		want   string
	}{
		{"CLU with deployments", func(ai *provider.AIService) {
			ai.Kind = provider.AIKindCLU
		}, "only OpenAI accounts have model deployments"},
		{"no capacity", func(ai *provider.AIService) { ai.Deployments[0].Capacity = 0 }, `deployment "gpt-4o" needs a name, a model and a capacity`},
		{"unknown kind", func(ai *provider.AIService) { ai.Kind = "Vision" }, `kind "Vision" is not`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ai := testOpenAI()
			tc.change(&ai)
			if _, err := e.p.EnsureAIService(context.Background(), ai); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ai.Name) {
				t.Errorf("error %v, want one naming %s and saying %q", err, ai.Name, tc.want)
			}
			if len(e.rec.log) != 0 {
				t.Errorf("sent %q", e.rec.log)
			}
		})
	}
}

// TestAIServiceResumesInterruptedCreate: aura is stopped while Azure
// creates the account; the next run waits for that operation instead of
// sending another PUT, then makes the deployments.
func TestAIServiceResumesInterruptedCreate(t *testing.T) {
	e := newEnv(t)
	e.cloud.LROSteps = 3
	e.group(t, testRG)
	ctx, cancel := context.WithCancel(context.Background())
	e.rec.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/get/fake/status") {
			cancel()
		}
	}
	if _, err := e.p.EnsureAIService(ctx, testOpenAI()); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	if keys := e.tokens.Keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "cognitive.put.") {
		t.Fatalf("resume tokens after the interruption: %q", keys)
	}
	e.rec.onRequest = nil
	e2 := newEnvOn(t, e.cloud, e.rec, e.tokens)
	c := must(t)(e2.p.EnsureAIService(context.Background(), testOpenAI()))
	if c.Op != provider.OpCreate || !strings.Contains(c.Detail, "resumed") || !strings.Contains(c.Detail, "deployment gpt-4o") {
		t.Errorf("second run: %q, want the resumed create and the deployments", c)
	}
	if n := e.rec.count(http.MethodPut, "/accounts/openai-es-dev"); n != 3 {
		t.Errorf("%d PUTs under the account in total, want 3 (the account once, two deployments)", n)
	}
	if keys := e.tokens.Keys(); len(keys) != 0 {
		t.Errorf("resume tokens left: %q", keys)
	}
	if c := must(t)(e2.p.EnsureAIService(context.Background(), testOpenAI())); c.Changed() {
		t.Errorf("third run: %q, want unchanged", c)
	}
}

// TestBusyAIServiceIsNotWritten: while someone else's operation runs on
// the account, aura waits, then gives up without writing.
func TestBusyAIServiceIsNotWritten(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ai := testCLU()
	must(t)(e.p.EnsureAIService(ctx, ai))
	e.cloud.SetAIAccountState(testRG, ai.Name, "Accepted")
	ai.AllowedRanges = []string{"20.2.2.2"}
	e.rec.reset()
	for _, op := range []func() (provider.Change, error){
		func() (provider.Change, error) { return e.p.EnsureAIService(ctx, ai) },
		func() (provider.Change, error) {
			return e.p.DeleteAIService(ctx, provider.ResourceRef{ResourceGroup: testRG, Name: ai.Name})
		},
	} {
		if _, err := op(); !isBusy(err) || !strings.Contains(err.Error(), "Accepted") {
			t.Errorf("error %v, want one saying the account is Accepted", err)
		}
	}
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("wrote %q to a busy account", w)
	}
}

// TestAIServiceDeleteLeavesNothing: the delete removes and purges the
// account, so nothing holds its name or quota; a second delete does
// nothing; deploying again makes a new account.
func TestAIServiceDeleteLeavesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cloud.LROSteps = 2
	e.group(t, testRG)
	ai := testOpenAI()
	must(t)(e.p.EnsureAIService(ctx, ai))
	ref := provider.ResourceRef{ResourceGroup: testRG, Name: ai.Name}
	e.rec.reset()
	if c := must(t)(e.p.DryRun().DeleteAIService(ctx, ref)); c.Op != provider.OpDelete || len(e.rec.writes()) != 0 {
		t.Errorf("planned delete: %q, writes %q", c, e.rec.writes())
	}
	if c := must(t)(e.p.DeleteAIService(ctx, ref)); c.Op != provider.OpDelete {
		t.Errorf("delete: %q", c)
	}
	if got := e.cloud.Resources(); len(got) != 1 || got[0] != "group "+strings.ToLower(testRG) {
		t.Errorf("left after the delete: %q, want only the resource group", got)
	}
	if d := e.cloud.DeletedAIAccounts(); len(d) != 0 {
		t.Errorf("soft-deleted accounts left: %q", d)
	}
	e.rec.reset()
	if c := must(t)(e.p.DeleteAIService(ctx, ref)); c.Changed() || len(e.rec.writes()) != 0 {
		t.Errorf("second delete: %q, writes %q", c, e.rec.writes())
	}
	if len(e.tokens.Keys()) != 0 {
		t.Errorf("resume tokens left: %q", e.tokens.Keys())
	}
	if c := must(t)(e.p.EnsureAIService(ctx, ai)); c.Op != provider.OpCreate || strings.Contains(c.Detail, "restores") {
		t.Errorf("deploy after the delete: %q, want a plain create", c)
	}
}

// TestAIServiceRestoresSoftDeletedAccount: an account deleted without its
// purge (the purge failed, or someone deleted it in the portal) holds its
// name for 48 hours; the next deploy restores it instead of failing.
func TestAIServiceRestoresSoftDeletedAccount(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ai := testCLU()
	must(t)(e.p.EnsureAIService(ctx, ai))
	e.rec.addFault(&fault{times: 1, status: http.StatusConflict, match: func(r *http.Request) bool {
		return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/deletedAccounts/")
	}, body: `{"error":{"code":"Conflict","message":"purge refused"}}`})
	if _, err := e.p.DeleteAIService(ctx, provider.ResourceRef{ResourceGroup: testRG, Name: ai.Name}); err == nil || !strings.Contains(err.Error(), "purge") {
		t.Fatalf("delete with a refused purge: %v, want an error saying purge", err)
	}
	if d := e.cloud.DeletedAIAccounts(); !slices.Equal(d, []string{strings.ToLower(testRG + "/" + ai.Name)}) {
		t.Fatalf("soft-deleted accounts %q", d)
	}
	c := must(t)(e.p.EnsureAIService(ctx, ai))
	if c.Op != provider.OpCreate || !strings.Contains(c.Detail, "restores the account deleted earlier") {
		t.Errorf("deploy: %q, want the restore", c)
	}
	if e.cloud.AIAccount(testRG, ai.Name) == nil || len(e.cloud.DeletedAIAccounts()) != 0 {
		t.Errorf("after the restore: %s", e.cloud.Snapshot())
	}
}

// TestAIServiceDeleteFinishesAnEarlierPurge: the delete of an earlier run
// stopped before the purge; the next delete purges what is left.
func TestAIServiceDeleteFinishesAnEarlierPurge(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ai := testCLU()
	ref := provider.ResourceRef{ResourceGroup: testRG, Name: ai.Name}
	must(t)(e.p.EnsureAIService(ctx, ai))
	e.rec.addFault(&fault{times: 1, status: http.StatusConflict, match: func(r *http.Request) bool {
		return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/deletedAccounts/")
	}, body: `{"error":{"code":"Conflict","message":"purge refused"}}`})
	if _, err := e.p.DeleteAIService(ctx, ref); err == nil {
		t.Fatal("the refused purge did not fail the delete")
	}
	e.rec.reset()
	if c := must(t)(e.p.DryRun().DeleteAIService(ctx, ref)); c.Op != provider.OpDelete || len(e.rec.writes()) != 0 {
		t.Errorf("planned: %q, writes %q; want the purge planned and nothing written", c, e.rec.writes())
	}
	if c := must(t)(e.p.DeleteAIService(ctx, ref)); c.Op != provider.OpDelete || !strings.Contains(c.Detail, "purge") {
		t.Errorf("second delete: %q, want the purge", c)
	}
	if d := e.cloud.DeletedAIAccounts(); len(d) != 0 {
		t.Errorf("soft-deleted accounts left: %q", d)
	}
	if c := must(t)(e.p.DeleteAIService(ctx, ref)); c.Changed() {
		t.Errorf("third delete: %q, want nothing", c)
	}
}

// TestAIDeploymentServerErrorsAreRetried: Azure's 500 and 429 on a
// deployment's PUT are retried; one deployment results.
func TestAIDeploymentServerErrorsAreRetried(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	h := http.Header{}
	h.Set("Retry-After", "0")
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests} {
		e.rec.addFault(&fault{times: 1, status: status, header: h, match: onPath(http.MethodPut, "/deployments/gpt-4o"),
			body: `{"error":{"code":"InternalServerError","message":"try again"}}`})
	}
	must(t)(e.p.EnsureAIService(context.Background(), testOpenAI()))
	if n := e.rec.count(http.MethodPut, "/deployments/gpt-4o"); n != 3 {
		t.Errorf("%d PUTs of the deployment, want 3 (two refused, one answered)", n)
	}
	if e.cloud.AIDeployment(testRG, "openai-es-dev", "gpt-4o") == nil {
		t.Error("no deployment after the retries")
	}
}

// TestAIServiceKeys: the endpoint Azure gives the account and its first
// key, for the components' Secret; an account that does not exist is
// ErrNotFound (a plan before the first deploy_core).
func TestAIServiceKeys(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ref := provider.ResourceRef{ResourceGroup: testRG, Name: "openai-es-dev"}
	if _, err := e.p.AIServiceKeys(ctx, ref); !provider.IsNotFound(err) {
		t.Fatalf("keys before the account: %v, want not found", err)
	}
	must(t)(e.p.EnsureAIService(ctx, testOpenAI()))
	e.rec.reset()
	k, err := e.p.AIServiceKeys(ctx, ref)
	key1, _ := fakecloud.AIKeys("openai-es-dev")
	if err != nil || k.Endpoint != "https://openai-es-dev.openai.azure.com/" || k.Key != key1 {
		t.Errorf("keys %+v, %v; want the account's endpoint and key1", k, err)
	}
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("reading the keys wrote %q", w)
	}
}
