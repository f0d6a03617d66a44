package azure

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func testBot() provider.BotChannel {
	return provider.BotChannel{ResourceGroup: testRG, Name: "aura-bot-es-dev", Location: "global",
		Endpoint: "https://services-es-dev.auracognitive.com/api/messages", Tags: map[string]string{"env": "es-dev"}}
}

// TestBotChannelCreateThenNothing: the dry run predicts the create and
// writes nothing; the create registers the service principal's app,
// single-tenant, with the HTTPS endpoint; the next run writes nothing.
func TestBotChannelCreateThenNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	bc := testBot()
	e.rec.reset()
	planned := must(t)(e.p.DryRun().EnsureBotChannel(ctx, bc))
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("dry run wrote %q", w)
	}
	c := must(t)(e.p.EnsureBotChannel(ctx, bc))
	if c != planned || c.Op != provider.OpCreate || !strings.Contains(c.Detail, "endpoint "+bc.Endpoint) || !strings.Contains(c.Detail, "app "+testClientID) {
		t.Errorf("create %q, planned %q", c, planned)
	}
	if w := e.rec.writes(); len(w) != 1 || !strings.HasPrefix(w[0], "PUT ") {
		t.Errorf("writes %q, want one PUT", w)
	}
	b := e.cloud.Bot(testRG, bc.Name)
	if b == nil {
		t.Fatal("no bot")
	}
	pr := b.Properties
	if str(pr.Endpoint) != bc.Endpoint || str(pr.MsaAppID) != testClientID || pr.MsaAppType == nil || string(*pr.MsaAppType) != "SingleTenant" ||
		str(pr.MsaAppTenantID) != "00000000-0000-0000-0000-0000000000bb" || str(b.Location) != "global" || str(b.Tags["env"]) != "es-dev" {
		t.Errorf("bot as created: %s", e.cloud.Snapshot())
	}
	e.rec.reset()
	snap := e.cloud.Snapshot()
	if c := must(t)(e.p.EnsureBotChannel(ctx, bc)); c.Changed() {
		t.Errorf("second run: %q, want no change", c)
	}
	if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
		t.Errorf("second run wrote %q", w)
	}
}

// TestBotChannelChangeIsOnePut: the -next domain moved; one PUT, from what
// Azure holds, so tags others set and Azure's own fields stay.
func TestBotChannelChangeIsOnePut(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	bc := testBot()
	bc.Tags = map[string]string{"env": "es-dev", "owner": "aura"}
	must(t)(e.p.EnsureBotChannel(ctx, bc))
	bc.Endpoint = "https://services-es-dev-next.auracognitive.com/api/messages"
	bc.Tags = map[string]string{"env": "es-prod"}
	e.rec.reset()
	c := must(t)(e.p.EnsureBotChannel(ctx, bc))
	if c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "endpoint https://services-es-dev.auracognitive.com/api/messages → "+bc.Endpoint) || !strings.Contains(c.Detail, "tags") {
		t.Errorf("change: %q", c)
	}
	if w := e.rec.writes(); len(w) != 1 || !strings.HasPrefix(w[0], "PUT ") || !strings.HasSuffix(w[0], "/botServices/"+bc.Name) {
		t.Errorf("writes %q, want one PUT of the bot", w)
	}
	b := e.cloud.Bot(testRG, bc.Name)
	if str(b.Properties.Endpoint) != bc.Endpoint || str(b.Tags["env"]) != "es-prod" || str(b.Tags["owner"]) != "aura" ||
		str(b.Properties.DisplayName) != bc.Name || str(b.Properties.MsaAppID) != testClientID {
		t.Errorf("bot after the change: %s", e.cloud.Snapshot())
	}
}

// TestBotChannelRefusals: what Azure would refuse, or a change it cannot
// make, fails naming the field, with nothing written.
func TestBotChannelRefusals(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*provider.BotChannel)
		want   string
	}{
		{"http endpoint", func(bc *provider.BotChannel) { bc.Endpoint = "http://services-es-dev.auracognitive.com/api/messages" }, "is not an https:// URL"},
		{"no endpoint", func(bc *provider.BotChannel) { bc.Endpoint = "" }, "is not an https:// URL"},
		{"another app", func(bc *provider.BotChannel) { bc.AppID = "11111111-0000-0000-0000-000000000000" }, "Azure cannot change a bot's app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.group(t, testRG)
			bc := testBot()
			must(t)(e.p.EnsureBotChannel(ctx, bc))
			tc.change(&bc)
			e.rec.reset()
			snap := e.cloud.Snapshot()
			for _, p := range []provider.Provider{e.p.DryRun(), e.p} {
				if _, err := p.EnsureBotChannel(ctx, bc); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), bc.Name) {
					t.Errorf("error %v, want one naming %s and saying %q", err, bc.Name, tc.want)
				}
			}
			if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
				t.Errorf("wrote %q", w)
			}
		})
	}
}

// TestBusyBotChannelIsNotWritten: aura waits for someone else's operation,
// then gives up without writing.
func TestBusyBotChannelIsNotWritten(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	bc := testBot()
	must(t)(e.p.EnsureBotChannel(ctx, bc))
	e.cloud.SetBotState(testRG, bc.Name, "Updating")
	bc.Endpoint = "https://other.auracognitive.com/api/messages"
	e.rec.reset()
	for _, op := range []func() (provider.Change, error){
		func() (provider.Change, error) { return e.p.EnsureBotChannel(ctx, bc) },
		func() (provider.Change, error) {
			return e.p.DeleteBotChannel(ctx, provider.ResourceRef{ResourceGroup: testRG, Name: bc.Name})
		},
	} {
		if _, err := op(); !isBusy(err) || !strings.Contains(err.Error(), "Updating") {
			t.Errorf("error %v, want one saying the bot is Updating", err)
		}
	}
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("wrote %q to a busy bot", w)
	}
	e.cloud.SetBotState(testRG, bc.Name, "Succeeded")
	if c := must(t)(e.p.EnsureBotChannel(ctx, bc)); c.Op != provider.OpUpdate {
		t.Errorf("once settled: %q, want update", c)
	}
}

// TestBotChannelDeleteTwice: the dry run writes nothing, the delete leaves
// nothing, a second delete does nothing.
func TestBotChannelDeleteTwice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	bc := testBot()
	must(t)(e.p.EnsureBotChannel(ctx, bc))
	ref := provider.ResourceRef{ResourceGroup: testRG, Name: bc.Name}
	e.rec.reset()
	if c := must(t)(e.p.DryRun().DeleteBotChannel(ctx, ref)); c.Op != provider.OpDelete || len(e.rec.writes()) != 0 {
		t.Errorf("planned delete: %q, writes %q", c, e.rec.writes())
	}
	if c := must(t)(e.p.DeleteBotChannel(ctx, ref)); c.Op != provider.OpDelete {
		t.Errorf("delete: %q", c)
	}
	if got := e.cloud.Resources(); len(got) != 1 || got[0] != "group "+strings.ToLower(testRG) {
		t.Errorf("left after the delete: %q, want only the resource group", got)
	}
	if c := must(t)(e.p.DeleteBotChannel(ctx, ref)); c.Changed() {
		t.Errorf("second delete: %q, want nothing", c)
	}
	if n := e.rec.count(http.MethodDelete, "/botServices/"); n != 1 {
		t.Errorf("%d DELETEs, want 1", n)
	}
}

// TestBotChannelThrottlingIsRetried: a 429 and a 503 from Azure on the
// registration's PUT are retried by the SDK; one bot results.
func TestBotChannelThrottlingIsRetried(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	bc := testBot()
	h := http.Header{}
	h.Set("Retry-After", "0")
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		e.rec.addFault(&fault{times: 1, status: status, header: h, match: onPath(http.MethodPut, "/botServices/"+bc.Name),
			body: `{"error":{"code":"TooManyRequests","message":"slow down"}}`})
	}
	if c := must(t)(e.p.EnsureBotChannel(context.Background(), bc)); c.Op != provider.OpCreate {
		t.Errorf("%q, want create", c)
	}
	if n := e.rec.count(http.MethodPut, "/botServices/"+bc.Name); n != 3 {
		t.Errorf("%d PUTs, want 3 (two refused, one answered)", n)
	}
	if e.cloud.Bot(testRG, bc.Name) == nil {
		t.Error("no bot after the retries")
	}
}
