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

func containerExists(t *testing.T, e *Env, account, container string) bool {
	t.Helper()
	_, err := e.Provider.ListBlobs(context.Background(), provider.ContainerRef{ResourceGroup: e.clusterRG(), Account: account, Container: container}, "")
	if err != nil && !provider.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

// deploy_core makes a release storage account per core namespace with a
// container per agent on the default storage; a re-run changes nothing;
// delete_core of one namespace removes its account and leaves the other's.
func TestReleaseStorageAccountLifecycle(t *testing.T) {
	e := releaseEnv(t, releaseAgents)
	usual := e.releaseStorageRef().Name
	store := Phase{Name: "core storage", Steps: Sequence(e.releaseStorageAction())}

	got := mustRun(t, store).Changes()
	if len(got) != 1 || got[0].Op != provider.OpCreate || got[0].Name != usual {
		t.Fatalf("first deploy: changes %+v, want the account %s created", got, usual)
	}
	for _, c := range []string{"agent-sales", "agent-sales-eu"} {
		if !containerExists(t, e, usual, c) {
			t.Errorf("container %s/%s missing", usual, c)
		}
	}
	if containerExists(t, e, usual, "agent-ext") {
		t.Error("the external agent got a container in the release account")
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
	if !accountExists(t, e, release) || !containerExists(t, e, release, "agent-sales") {
		t.Fatalf("the release namespace's account %s was not made with its containers", release)
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

	mustRun(t, Phase{Name: "core storage", Steps: Sequence(e.releaseStorageAction())})
	key, err := e.Provider.StorageAccountKey(context.Background(), e.releaseStorageRef())
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
	if got := secretData(t, objs, ns, "aura-context-storage"); got["CONTEXT_STORAGE_ACCOUNT_KEY"] != key || len(got) != 1 {
		t.Errorf("aura-context-storage holds %d values, not just the account key", len(got))
	}
	if s := envFromSecrets(t, objs, ns, "aura-context"); !slices.Contains(s, "aura-context-storage") {
		t.Errorf("aura-context reads the Secrets %v, not aura-context-storage", s)
	}
	for _, o := range objs {
		checkNoSecret(t, o, []string{key})
	}
	if !slices.Contains(learnt, key) {
		t.Error("the account key is not redacted from output")
	}
}
