package phase

import (
	"context"
	"slices"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const releaseAgents = `context_agents:
  sales: {}
  Sales_EU: {}
  ext: {azure_account: extacct, azure_sas_token: "sv=2024&sig=ext-sas-1", azure_container: agents}
`

// releaseEnv is keysEnv: the cluster's resource group and storage account
// exist, as deploy_infra made them.
func releaseEnv(t *testing.T, extra string) *Env {
	t.Helper()
	return keysEnv(t, extra)
}

func accountExists(t *testing.T, e *Env, name string) bool {
	t.Helper()
	_, err := e.Provider.StorageAccountKey(context.Background(), provider.ResourceRef{ResourceGroup: e.clusterRG(), Name: name})
	if err != nil && !provider.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func containerExists(t *testing.T, e *Env, rg, account, container string) bool {
	t.Helper()
	_, err := e.Provider.ListBlobs(context.Background(), provider.ContainerRef{ResourceGroup: rg, Account: account, Container: container}, "")
	if err != nil && !provider.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

// deploy_core makes a release storage account per core namespace and the
// agents' containers in the environment's common account; a re-run changes
// nothing; delete_core of one namespace removes its account and leaves the
// other's, and the agents' data stays (the guide's upgrade through a release
// namespace deletes the old one).
func TestReleaseStorageAccountLifecycle(t *testing.T) {
	e := releaseEnv(t, releaseAgents)
	mustRun(t, Common(e))
	usual := e.releaseStorageRef().Name
	common := e.Cfg.Derived.CommonStorageAccount
	store := Phase{Name: "core storage", Steps: Sequence(e.releaseStorageAction(), e.commonAccountAction())}

	got := mustRun(t, store).Changes()
	if len(got) != 1 || got[0].Op != provider.OpCreate || got[0].Name != usual {
		t.Fatalf("first deploy: changes %+v, want the account %s created", got, usual)
	}
	agentsKept := func(when string) {
		t.Helper()
		for _, c := range []string{"agent-sales", "agent-sales-eu"} {
			if !containerExists(t, e, e.commonRG(), common, c) {
				t.Errorf("%s: the agents' container %s/%s is missing", when, common, c)
			}
		}
	}
	agentsKept("deploy_core")
	if containerExists(t, e, e.commonRG(), common, "agent-ext") || containerExists(t, e, e.clusterRG(), usual, "agent-sales") {
		t.Error("an agent's container is in the wrong account")
	}
	if got := mustRun(t, store).Changes(); len(got) != 0 {
		t.Errorf("re-run changed %+v", got)
	}

	e.ReleaseNamespace = true // --ns: a second core namespace
	release := e.releaseStorageRef().Name
	if release == usual {
		t.Fatalf("the release namespace %s shares the account %s", e.CoreNamespace(), usual)
	}
	mustRun(t, Phase{Name: "core storage", Steps: Sequence(e.releaseStorageAction())})
	if !accountExists(t, e, release) {
		t.Fatalf("the release namespace's account %s was not made", release)
	}

	// delete_core, with and without --full, deletes the account of its own
	// namespace (internal/phase/integration runs it against a cluster).
	for _, full := range []bool{false, true} {
		if !hasAction(DeleteCore(e, full), "delete release storage account "+release) {
			t.Errorf("delete_core (full %v) of %s does not delete its account %s", full, e.CoreNamespace(), release)
		}
	}
	mustRun(t, Phase{Name: "delete core storage", Steps: Sequence(e.deleteReleaseStorageAction())})
	if accountExists(t, e, release) {
		t.Errorf("delete_core --ns left its account %s", release)
	}
	if !accountExists(t, e, usual) {
		t.Errorf("delete_core --ns removed the usual namespace's account %s", usual)
	}

	e.ReleaseNamespace = false
	mustRun(t, Phase{Name: "delete core storage", Steps: Sequence(e.deleteReleaseStorageAction())})
	if accountExists(t, e, usual) {
		t.Errorf("delete_core left the account %s", usual)
	}
	agentsKept("after both namespaces' delete_core")
	if got := mustRun(t, Phase{Name: "delete core storage", Steps: Sequence(e.deleteReleaseStorageAction())}).Changes(); len(got) != 0 {
		t.Errorf("a second delete changed %+v", got)
	}
}

func hasAction(ph Phase, name string) bool {
	for _, st := range ph.Steps {
		for _, a := range st {
			if a.Name == name {
				return true
			}
		}
	}
	return false
}

// aura-context gets the account's name and endpoint as settings and its key
// only through the aura-context-storage Secret, once the account exists.
func TestReleaseStorageReachesContext(t *testing.T) {
	e := releaseEnv(t, releaseAgents+"local: {blob_endpoint: 'http://127.0.0.1:10999'}\n")
	ns, account := e.CoreNamespace(), e.releaseStorageRef().Name

	// A plan before the first deploy_core: no key yet, so no Secret.
	objs := renderedCore(t, e)
	if find(objs, "Secret", ns, "aura-context-storage") != nil {
		t.Error("aura-context-storage rendered before the account exists")
	}

	mustRun(t, Common(e))
	mustRun(t, Phase{Name: "core storage", Steps: Sequence(e.releaseStorageAction())})
	key, err := e.Provider.StorageAccountKey(context.Background(), e.releaseStorageRef())
	if err != nil {
		t.Fatal(err)
	}
	common := e.Cfg.Derived.CommonStorageAccount
	agentsKey, err := e.Provider.StorageAccountKey(context.Background(), provider.ResourceRef{ResourceGroup: e.commonRG(), Name: common})
	if err != nil {
		t.Fatal(err)
	}
	var learnt []string
	e.LearnSecrets = func(v ...string) { learnt = append(learnt, v...) }
	objs = renderedCore(t, e)
	data := cmData(t, objs, ns, "aura-context")
	if data["CONTEXT_STORAGE_ACCOUNT"] != account || data["CONTEXT_STORAGE_BLOB_ENDPOINT"] != "http://127.0.0.1:10999/"+account {
		t.Errorf("aura-context: account %q endpoint %q, want %s at http://127.0.0.1:10999/%s",
			data["CONTEXT_STORAGE_ACCOUNT"], data["CONTEXT_STORAGE_BLOB_ENDPOINT"], account, account)
	}
	if data["CONTEXT_AGENTS_STORAGE_ACCOUNT"] != common || data["CONTEXT_AGENTS_STORAGE_BLOB_ENDPOINT"] != "http://127.0.0.1:10999/"+common {
		t.Errorf("aura-context: agents' account %q endpoint %q, want the common account %s",
			data["CONTEXT_AGENTS_STORAGE_ACCOUNT"], data["CONTEXT_AGENTS_STORAGE_BLOB_ENDPOINT"], common)
	}
	if got := secretData(t, objs, ns, "aura-context-storage"); got["CONTEXT_STORAGE_ACCOUNT_KEY"] != key || got["CONTEXT_AGENTS_STORAGE_ACCOUNT_KEY"] != agentsKey || len(got) != 2 {
		t.Errorf("aura-context-storage holds %d values, not just the two accounts' keys", len(got))
	}
	if s := envFromSecrets(t, objs, ns, "aura-context"); !slices.Contains(s, "aura-context-storage") {
		t.Errorf("aura-context reads the Secrets %v, not aura-context-storage", s)
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{key, agentsKey})
	}
	if !slices.Contains(learnt, key) || !slices.Contains(learnt, agentsKey) {
		t.Error("an account key is not redacted from output")
	}
}
