package phase

import (
	"context"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const acrConfig = "registry: {acr: {name: auraregistry, resource_group: aura-registry}}"

// calls are the provider writes a phase plans, recorded.
func plannedCalls(e *Env, ph func(*Env) Phase) string {
	real := e.Provider
	rec := &recordingProvider{Provider: real, log: &callLog{}}
	e.Provider = rec
	observeAll(ph(e))
	e.Provider = real
	return rec.log.String()
}

// registry.acr: deploy_infra and deploy_core grant the cluster's kubelet
// identity AcrPull on the registry, once; no pull secret is made.
func TestACRPullForTheKubeletIdentity(t *testing.T) {
	want := `EnsureRoleAssignment [{"cluster":{"resource_group":"auraclusterdevap","name":"auraclusterdevap"},"identity":"kubelet","role":"AcrPull","scope":{"resource_group":"aura-registry","kind":"container registry","name":"auraregistry"}}]`
	e := keysEnv(t, acrConfig)
	for name, ph := range map[string]func(*Env) Phase{"deploy_infra": Infra, "deploy_core": Core} {
		if got := plannedCalls(e, ph); !strings.Contains(got, want) {
			t.Errorf("%s does not grant AcrPull:\n%s", name, got)
		}
	}
	grant := Phase{Name: "acr", Steps: Sequence(e.acrPullActions()...)}
	if got := mustRun(t, grant).Changes(); len(got) != 1 || got[0].Op != provider.OpCreate || !strings.Contains(got[0].Name, "AcrPull for auraclusterdevap/kubelet on container registry auraregistry") {
		t.Fatalf("first run: %+v", got)
	}
	if got := mustRun(t, grant).Changes(); len(got) != 0 {
		t.Errorf("re-run changed %+v", got)
	}
	for _, o := range renderedCore(t, e) {
		if o.GetKind() == "Secret" && o.GetName() == e.Release.ImagePullSecret {
			t.Errorf("a pull secret %s/%s is made with registry.acr", o.GetNamespace(), o.GetName())
		}
	}

	// delete_infra revokes it first, while the cluster's identity exists.
	if ph := DeleteInfra(e); len(ph.Steps[0]) != 1 || !strings.HasPrefix(ph.Steps[0][0].Name, "delete role AcrPull") {
		t.Errorf("delete_infra does not start by revoking AcrPull: %q", ph.Steps[0][0].Name)
	}
	revoke := Phase{Name: "acr", Steps: Sequence(e.deleteACRPullActions()...)}
	if got := mustRun(t, revoke).Changes(); len(got) != 1 || got[0].Op != provider.OpDelete {
		t.Errorf("revoke: %+v", got)
	}
	if got := mustRun(t, revoke).Changes(); len(got) != 0 {
		t.Errorf("second revoke changed %+v", got)
	}
	if got := mustRun(t, grant).Changes(); len(got) != 1 || got[0].Op != provider.OpCreate {
		t.Errorf("grant after revoke: %+v", got)
	}

	plain := keysEnv(t, "registry: {username: ob-es, password: pull-pw-123}")
	for name, ph := range map[string]func(*Env) Phase{"deploy_infra": Infra, "deploy_core": Core} {
		if got := plannedCalls(plain, ph); strings.Contains(got, "AcrPull") {
			t.Errorf("%s grants AcrPull without registry.acr:\n%s", name, got)
		}
	}
	if strings.Contains(DeleteInfra(plain).Steps[0][0].Name, "AcrPull") {
		t.Error("delete_infra revokes AcrPull without registry.acr")
	}
}

// An ACR the release does not pull from is refused before any grant.
func TestACRMustBeTheReleaseRegistry(t *testing.T) {
	e := keysEnv(t, "registry: {acr: {name: obregistry, resource_group: aura-registry}}")
	before := stateTree(t, e.Provider.(interface{ StateDir() string }).StateDir())
	// The whole phases: the check comes before the resource group, the
	// cluster and the cloud services.
	for _, ph := range []Phase{Infra(e), Core(e)} {
		_, err := (&Runner{}).Run(context.Background(), ph)
		if err == nil || !strings.Contains(err.Error(), "registry.acr.name is obregistry, but release "+e.Release.Version+" pulls its images from "+e.Release.Registry) {
			t.Fatalf("%s: err %v", ph.Name, err)
		}
		if after := stateTree(t, e.Provider.(interface{ StateDir() string }).StateDir()); after != before {
			t.Errorf("%s: the refused registry changed the provider's state", ph.Name)
		}
	}
}
