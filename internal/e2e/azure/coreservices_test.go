package azure

import (
	"context"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
	"github.com/auracognitive/aurak8s/internal/release"
)

// checkCoreServices: deploy_core registered the bot at the services name
// over HTTPS with the service principal's app, and made the CLU and OpenAI
// accounts open to the cluster's outbound IP and the configured ranges
// only, with the release's model deployments; their endpoints and keys
// reach the components as the aura-cognitive Secret, never as output.
func (w *world) checkCoreServices(deployed result) {
	w.t.Helper()
	rg := w.config.Derived.ClusterResourceGroup
	bot := w.cloud.Bot(rg, w.config.Derived.BotChannelName)
	if bot == nil {
		w.t.Fatalf("no bot channel %s in %s", w.config.Derived.BotChannelName, rg)
	}
	if got, want := str(bot.Properties.Endpoint), "https://"+w.config.DNSName("services")+"/api/messages"; got != want {
		w.t.Errorf("bot endpoint %s, want %s", got, want)
	}
	if got := str(bot.Properties.MsaAppID); got != sp.ClientID {
		w.t.Errorf("bot app %s, want the service principal's %s", got, sp.ClientID)
	}
	for _, tc := range []struct {
		name   string
		kind   string
		ranges []string
	}{
		{"clu-" + w.config.Derived.EnvironmentName, "TextAnalytics", w.config.CLUAllowedRanges},
		{"openai-" + w.config.Derived.EnvironmentName, "OpenAI", w.config.OpenAIAllowedRanges},
	} {
		a := w.cloud.AIAccount(rg, tc.name)
		if a == nil {
			w.t.Errorf("no AI account %s", tc.name)
			continue
		}
		var rules, cluster []string
		for _, r := range a.Properties.NetworkACLs.IPRules {
			if v := str(r.Value); strings.HasPrefix(v, "20.50.") { // the fake AKS's outbound IP
				cluster = append(cluster, v)
			} else {
				rules = append(rules, v)
			}
		}
		slices.Sort(rules)
		if str(a.Kind) != tc.kind || string(*a.Properties.NetworkACLs.DefaultAction) != "Deny" || len(cluster) != 1 || !slices.Equal(rules, tc.ranges) {
			w.t.Errorf("AI account %s: kind %s, default %s, rules %q, want %s open to the cluster's IP and %q only",
				tc.name, str(a.Kind), *a.Properties.NetworkACLs.DefaultAction, append(cluster, rules...), tc.kind, tc.ranges)
		}
	}
	w.checkCognitiveSecret(deployed)
	rel := w.release()
	if len(rel.OpenAIDeployments) == 0 {
		w.t.Fatal("the release has no OpenAI deployments")
	}
	for _, d := range rel.OpenAIDeployments {
		got := w.cloud.AIDeployment(rg, "openai-"+w.config.Derived.EnvironmentName, d.Name)
		if got == nil || str(got.Properties.Model.Name) != d.Model || int(*got.SKU.Capacity) != d.Capacity {
			w.t.Errorf("OpenAI deployment %s: %+v, want model %s capacity %d", d.Name, got, d.Model, d.Capacity)
		}
	}
}

// checkCognitiveSecret: the Secret holds each account's endpoint and the
// key Azure gives out; aura printed no key.
func (w *world) checkCognitiveSecret(deployed result) {
	w.t.Helper()
	cs, err := kubernetes.NewForConfig(w.kube)
	if err != nil {
		w.t.Fatal(err)
	}
	sec, err := cs.CoreV1().Secrets(w.config.Derived.CoreNamespace).Get(context.Background(), "aura-cognitive", metav1.GetOptions{})
	if err != nil {
		w.t.Fatalf("the aura-cognitive Secret: %v", err)
	}
	env := w.config.Derived.EnvironmentName
	clu, _ := fakecloud.AIKeys("clu-" + env)
	openai, _ := fakecloud.AIKeys("openai-" + env)
	want := map[string]string{
		"CLU_ENDPOINT": "https://clu-" + env + ".cognitiveservices.azure.com/", "CLU_KEY": clu,
		"OPENAI_ENDPOINT": "https://openai-" + env + ".openai.azure.com/", "OPENAI_KEY": openai,
	}
	for k, v := range want {
		if got := string(sec.Data[k]); got != v {
			w.t.Errorf("aura-cognitive %s = %q, want %q", k, got, v)
		}
	}
	for _, key := range []string{clu, openai} {
		if strings.Contains(deployed.stdout+deployed.stderr, key) {
			w.t.Errorf("deploy_core printed an AI key")
		}
	}
}

// nextBotChannel: with next_bot_channel_enabled, deploy_core adds the
// -next channel at the -next services name; with the flag off again
// (guide: before the final DNS update), deploy_core deletes it. Each
// re-run writes nothing. It returns the last deploy_core, with both flags
// off.
func (w *world) nextBotChannel() result {
	w.t.Helper()
	rg, name := w.config.Derived.ClusterResourceGroup, w.config.Derived.NextBotChannelName
	w.writeOverlay(baseOverlay + "next_domains_enabled: true\nnext_bot_channel_enabled: true\n")
	w.ok("deploy_core")
	bot := w.cloud.Bot(rg, name)
	if bot == nil {
		w.t.Fatalf("next_bot_channel_enabled: no bot channel %s", name)
	}
	if got, want := str(bot.Properties.Endpoint), "https://"+w.config.NextDNSName("services")+"/api/messages"; got != want {
		w.t.Errorf("-next bot endpoint %s, want %s", got, want)
	}
	w.rerunWritesNothing("deploy_core")

	w.writeOverlay(baseOverlay + "next_domains_enabled: true\n")
	r := w.ok("deploy_core")
	if w.cloud.Bot(rg, name) != nil {
		w.t.Errorf("next_bot_channel_enabled off: the bot channel %s is still there", name)
	}
	if !slices.ContainsFunc(r.writes, func(s string) bool {
		return strings.HasPrefix(s, "DELETE ") && strings.HasSuffix(s, "/botServices/"+name)
	}) {
		w.t.Errorf("next_bot_channel_enabled off: ARM writes %q, want the DELETE of %s", r.writes, name)
	}
	if w.cloud.Bot(rg, w.config.Derived.BotChannelName) == nil {
		w.t.Errorf("the bot channel %s went with the -next one", w.config.Derived.BotChannelName)
	}
	w.rerunWritesNothing("deploy_core")

	w.writeOverlay(baseOverlay)
	return w.ok("deploy_core")
}

// release is the manifest the aura binary embeds.
func (w *world) release() *release.Manifest {
	w.t.Helper()
	m, err := release.Default()
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// checkSingleTenant: after its bot step deploy_core returned the service
// principal's application to its own tenant with one Graph write, and said
// so; the Graph log is reset for the re-run.
func (w *world) checkSingleTenant(deployed result) {
	w.t.Helper()
	if gw := w.srv.Directory.GraphWrites(); len(gw) != 1 || !strings.HasPrefix(gw[0], "PATCH /v1.0/applications/") {
		w.t.Errorf("deploy_core's Graph writes %q, want one PATCH of the application", gw)
	}
	for _, a := range w.srv.Directory.Applications() {
		if a.AppID == sp.ClientID && a.SignInAudience != "AzureADMyOrg" {
			w.t.Errorf("after deploy_core the application signs in as %s, want AzureADMyOrg", a.SignInAudience)
		}
	}
	if !strings.Contains(deployed.stdout, "cross-tenant sign-in was needed for the bot channel step only") {
		w.t.Errorf("deploy_core did not say it returned the application to single-tenant:\n%s", deployed.stdout)
	}
	w.srv.Directory.ResetGraph()
}
