package config

import (
	"regexp"
	"strings"
	"testing"
)

// The release storage account's name is one Azure accepts, the same on
// every run, and different for another namespace, environment or cluster.
func TestReleaseStorageAccountName(t *testing.T) {
	cfg := loadOK(t, readFile(t, examplePath))
	ns := cfg.Derived.CoreNamespace
	name := cfg.ReleaseStorageAccount(ns)
	if !storageAcctRE.MatchString(name) {
		t.Fatalf("%q is not an Azure storage account name", name)
	}
	if again := loadOK(t, readFile(t, examplePath)).ReleaseStorageAccount(ns); again != name {
		t.Errorf("not stable: %q then %q", name, again)
	}
	if !strings.HasPrefix(name, "aura"+strings.ReplaceAll(cfg.Derived.EnvironmentName, "-", "")) {
		t.Errorf("%q does not show the environment %s", name, cfg.Derived.EnvironmentName)
	}
	seen := map[string]string{name: "the example"}
	for _, tc := range []struct {
		what  string
		edits []edit
		ns    string
	}{
		{"a release namespace", nil, cfg.ReleaseNamespace("7.3.0")},
		{"another environment type", []edit{{"environment_type", "pre"}}, ns},
		{"another tenant", []edit{{"tenant_name", "brand1"}}, ns},
		{"another cluster", []edit{{"cluster_name", "auraclusterb"}}, ns},
	} {
		c := loadOK(t, mutate(t, readFile(t, examplePath), tc.edits...))
		got := c.ReleaseStorageAccount(tc.ns)
		if !storageAcctRE.MatchString(got) {
			t.Errorf("%s: %q is not an Azure storage account name", tc.what, got)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: %q is also the account of %s", tc.what, got, prev)
		}
		seen[got] = tc.what
	}
}

var containerRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$`)

// Every agent name the config accepts gives a container name Azure accepts.
func TestContextAgentContainer(t *testing.T) {
	long := strings.Repeat("Agent_", 20)
	for _, tc := range []struct{ agent, want string }{
		{"sales", "agent-sales"},
		{"Sales_EU", "agent-sales-eu"},
		{"a--b__c", "agent-a-b-c"},
		{"x", "agent-x"},
		{long + "1", ""},
	} {
		got := ContextAgentContainer(tc.agent)
		if !containerRE.MatchString(got) || len(got) > 63 {
			t.Errorf("%s: %q is not an Azure container name", tc.agent, got)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: %q, want %q", tc.agent, got, tc.want)
		}
	}
	if ContextAgentContainer(long+"1") == ContextAgentContainer(long+"2") {
		t.Error("two long agent names share a container")
	}
}

// Only the agents on the default storage get a container.
func TestContextAgentContainers(t *testing.T) {
	cfg := loadOK(t, mutate(t, readFile(t, examplePath), edit{"context_agents",
		"{sales: {}, Sales_EU: {}, ext: {azure_account: extacct, azure_sas_token: tok-1, azure_container: agents}, half: {azure_account: halfacct}}"}))
	got := strings.Join(cfg.ContextAgentContainers(), ",")
	if want := "agent-half,agent-sales,agent-sales-eu"; got != want {
		t.Errorf("containers %s, want %s", got, want)
	}
}
