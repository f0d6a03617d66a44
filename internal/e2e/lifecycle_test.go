package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLifecycle runs common → infra → system → core → dns → stop → start →
// dns --rollback → delete_* on the local provider. Every phase runs twice;
// the second run must change nothing, as the API server's resourceVersions
// (or the state files) prove.
func TestLifecycle(t *testing.T) {
	requireBinaries(t)
	w := newWorkspace(t, "next_domains_enabled: true\n")
	t.Cleanup(func() { // never leave a cluster running behind a failed test
		if t.Failed() {
			w.aura("delete_infra")
			w.aura("delete_common", "--yes")
		}
	})
	state := filepath.Join(w.dir, ".aura")

	// common: a second run leaves the state files byte for byte.
	w.ok("deploy_common")
	before := tree(t, state)
	if ch := w.ok("deploy_common").changed(); len(ch) != 0 {
		t.Fatalf("second deploy_common reported changes: %v", ch)
	}
	if after := tree(t, state); before != after {
		t.Fatal("second deploy_common changed the state files")
	}

	// infra: the cluster and output_install/kubeconfig.json.
	w.ok("deploy_infra")
	if _, err := os.Stat(filepath.Join(w.dir, "output_install", "kubeconfig.json")); err != nil {
		t.Fatal(err)
	}
	if ch := w.ok("deploy_infra").changed(); len(ch) != 0 {
		t.Fatalf("second deploy_infra reported changes: %v", ch)
	}

	for _, ph := range []string{"deploy_system", "deploy_core"} {
		w.ok(ph)
		rv := w.snapshot()
		if ch := w.ok(ph).changed(); len(ch) != 0 {
			t.Fatalf("second %s reported changes: %v", ph, ch)
		}
		if again := w.snapshot(); !maps.Equal(rv, again) {
			t.Fatalf("second %s changed resourceVersions:\nbefore %v\nafter  %v", ph, rv, again)
		}
	}
	// A plan of changed secret-bearing settings, even with --debug, says
	// what would change and shows no secret; it changes nothing.
	w.planShowsNoSecret("deploy_system", "next_domains_enabled: true\nnotifications_smtp: {username: alerts, password: e2e-smtp-Pw}\n"+
		"notifications_webhooks:\n  - {name: ops, url: \"https://hooks.example.com/x?token=e2e-s3cret-t0ken\", severity: critical}\n",
		[]string{"update Secret aura-system/alertmanager-aura", "update helm release aura-system/prometheus"},
		"e2e-smtp-Pw", "e2e-s3cret-t0ken", "demo-elastic-password", "demo-dashboards-password", "demo-logs-password")

	// The guide's restore command works against what deploy_system made.
	w.kubectl("create", "job", "--from=cronjob/mongodb-restore", "restore-backup", "-n", "aura-system")
	w.kubectl("get", "job", "restore-backup", "-n", "aura-system")

	core := w.snapshot()
	if !hasKey(core, "Deployment/aura-ap-dev/aura-bot") {
		t.Fatalf("no aura-bot Deployment in aura-ap-dev: %v", keys(core))
	}
	info := filepath.Join(w.dir, "output_install", "ap-dev_info.json")
	if _, err := os.Stat(info); err != nil {
		t.Fatal(err)
	}

	// A release namespace (--ns): killed midway, a re-run converges and a
	// third run changes nothing.
	w.killDuring("apply core", "deploy_core", "--ns")
	w.ok("deploy_core", "--ns")
	rv := w.snapshot()
	if ch := w.ok("deploy_core", "--ns").changed(); len(ch) != 0 {
		t.Fatalf("deploy_core --ns after the kill and a re-run still reports changes: %v", ch)
	}
	if again := w.snapshot(); !maps.Equal(rv, again) {
		t.Fatal("deploy_core --ns re-run changed resourceVersions")
	}

	// dns --ns points the names at the release namespace, after a backup.
	zone := filepath.Join(state, "state", "resourcegroups", "aura-common-ap-dev", "dnszones", "auracognitive.com.json")
	zoneBefore := readFile(t, zone)
	if ch := w.ok("dns", "--ns").changed(); len(ch) == 0 {
		t.Fatal("dns --ns changed nothing")
	}
	if z := readFile(t, zone); z == zoneBefore || !strings.Contains(z, "aura-ap-dev-7-2-0.") {
		t.Fatalf("dns --ns did not point the records at the release namespace:\n%s", z)
	}
	if ch := w.ok("dns", "--ns").changed(); len(ch) != 0 {
		t.Fatalf("second dns --ns reported changes: %v", ch)
	}

	// stop and start keep every object but the Atlas deployment, which they
	// pause and resume through its operator.
	var atlas string
	for k := range rv {
		if strings.HasPrefix(k, "AtlasDeployment/aura-system/") {
			atlas = k
		}
	}
	if atlas == "" {
		t.Fatalf("no AtlasDeployment in aura-system: %v", keys(rv))
	}
	paused := func() string {
		return w.kubectl("get", "atlasdeployments.atlas.mongodb.com", strings.TrimPrefix(atlas, "AtlasDeployment/aura-system/"),
			"-n", "aura-system", "-o", "jsonpath={.spec.deploymentSpec.paused}")
	}
	if r := w.ok("stop"); !slices.ContainsFunc(r.changed(), func(c string) bool { return strings.Contains(c, "atlas deployment") }) {
		t.Fatalf("stop did not pause the Atlas deployment: %v", r.changed())
	}
	if r := w.ok("stop"); len(r.changed()) != 0 {
		t.Fatalf("stop of a stopped cluster changed something: %v", r.changed())
	}
	w.ok("start")
	if got := paused(); got != "false" {
		t.Fatalf("after start the Atlas deployment is paused=%q, want false", got)
	}
	again := w.snapshot()
	if _, ok := again[atlas]; !ok {
		t.Fatalf("no %s: %v", atlas, keys(again))
	}
	delete(again, atlas)
	kept := maps.Clone(rv)
	delete(kept, atlas)
	if !maps.Equal(kept, again) {
		t.Fatal("objects changed across stop/start")
	}

	// rollback restores the zone exactly.
	w.ok("dns", "--rollback")
	if z := readFile(t, zone); z != zoneBefore {
		t.Fatalf("dns --rollback did not restore the records exactly:\nwant %s\ngot  %s", zoneBefore, z)
	}

	// Undeploy in the guide's order; nothing may be left.
	w.ok("delete_core", "--ns")
	w.ok("delete_core", "--full")
	if _, err := os.Stat(info); !os.IsNotExist(err) {
		t.Fatal("delete_core left the info file")
	}
	w.ok("delete_system")
	if got := w.snapshot(); len(got) != 0 {
		t.Fatalf("objects left after delete_core and delete_system: %v", keys(got))
	}
	w.ok("delete_infra")
	w.ok("delete_common", "--yes")
	for _, p := range []string{state, filepath.Join(w.dir, "output_install")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is left after the delete phases", p)
		}
	}
	if procs := processesUnder(w.dir); len(procs) > 0 {
		t.Errorf("processes left after delete_infra: %v", procs)
	}
	// Deleting what is gone is a no-op, not an error.
	for _, ph := range []string{"delete_core", "delete_system", "delete_infra", "delete_common"} {
		if ch := w.ok(ph).changed(); len(ch) != 0 {
			t.Errorf("%s on a deleted environment reported changes: %v", ph, ch)
		}
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Error("deleting a deleted environment left a state directory")
	}
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
