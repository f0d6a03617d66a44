package azure

import (
	"slices"
	"strings"
	"testing"
)

// TestLifecycle runs the aura binary through the life cycle on Azure — a
// fake one over HTTPS on this machine, reached as a Custom cloud, with
// Confidential Computing on (key vault, key, disk encryption set), a
// Databricks workspace and OpenAI: deploy_common → deploy_infra →
// deploy_system → dns → deploy_core (→ the -next bot channel on, then off;
// -next names off; the release namespace with -next names → dns --ns → dns
// --rollback → delete_core --ns; -next names on the usual namespace)
// → stop → start → delete_core --full → delete_system → delete_infra →
// delete_common. Before each deploy, its plan and dry run
// write nothing to ARM and announce every resource the run then makes;
// every re-run writes nothing; after the deletes the cloud holds nothing.
func TestLifecycle(t *testing.T) {
	w := newWorld(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the fake cloud holds:\n%s", strings.Join(w.cloud.Resources(), "\n"))
		}
	})

	for _, ph := range []string{"deploy_common", "deploy_infra", "deploy_system"} {
		before := w.cloud.Resources()
		plan := w.planWritesNothing(ph)
		w.ok(ph)
		w.planCovers(ph, plan, newIn(before, w.cloud.Resources()))
		w.rerunWritesNothing(ph)
		w.rerunWritesNothing("plan", ph)
	}
	// databricks_enabled: deploy_common made the workspace with the
	// Confidential Computing settings of the config.
	ws := w.cloud.Workspace(w.config.Derived.CommonResourceGroup, "aura-databricks-"+w.config.Derived.EnvironmentName)
	if ws == nil || ws.Properties.Parameters == nil || ws.Properties.Parameters.RequireInfrastructureEncryption == nil ||
		ws.Properties.Parameters.Encryption == nil || ws.Properties.Parameters.Encryption.Value == nil {
		t.Errorf("the Databricks workspace lacks infrastructure encryption or its customer-managed key: %+v", ws)
	}

	// dns saves the records it changes in the common storage account,
	// whose blob endpoint ARM gives: Azurite.
	zone := w.zoneRecords()
	if r := w.ok("dns"); len(r.writes) == 0 {
		t.Fatal("dns changed no record set")
	}
	if backup := w.blob(w.config.Derived.CommonStorageAccount, "aura-dns-backups", w.config.Derived.EnvironmentName+".json"); !strings.Contains(backup, "services-ap-dev") {
		t.Errorf("the DNS backup in Azurite does not hold the switched names:\n%s", backup)
	}
	w.rerunWritesNothing("dns")
	w.ok("dns", "--rollback")
	if after := w.zoneRecords(); after != zone {
		t.Errorf("dns --rollback did not restore the zone:\nbefore %s\nafter  %s", zone, after)
	}

	// deploy_core: the bot channel, the CLU and OpenAI accounts (with the
	// release's model deployments), reachable only from the cluster's
	// outbound IP and the configured ranges, then core in the cluster.
	before := w.cloud.Resources()
	w.srv.Directory.ResetGraph()
	plan := w.planWritesNothing("deploy_core")
	if gw := w.srv.Directory.GraphWrites(); len(gw) != 0 {
		t.Errorf("the plan of deploy_core wrote to Microsoft Graph: %q", gw)
	}
	deployed := w.ok("deploy_core")
	w.planCovers("deploy_core", plan, newIn(before, w.cloud.Resources()))
	w.checkSingleTenant(deployed)
	w.rerunWritesNothing("deploy_core")
	if gw := w.srv.Directory.GraphWrites(); len(gw) != 0 {
		t.Errorf("a re-run of deploy_core wrote to Microsoft Graph: %q", gw)
	}
	w.rerunWritesNothing("plan", "deploy_core")
	w.checkCoreServices(deployed)
	w.checkDatabricksJob(deployed)
	releaseAccount := "account " + w.config.Derived.ClusterResourceGroup + "/" + w.config.ReleaseStorageAccount(w.config.Derived.CoreNamespace)
	if !slices.ContainsFunc(w.cloud.Resources(), func(r string) bool { return strings.EqualFold(r, releaseAccount) }) {
		t.Errorf("deploy_core made no release storage account (%s)", releaseAccount)
	}
	w.nextDomainsOff(w.nextBotChannel())
	w.foreignRecords()
	w.releaseNamespace()
	w.dnsSwitch()
	w.deleteReleaseNamespace()
	fullZone, fullPlan := w.beforeFullDelete()

	// stop and start: each changes the power state once; a repeat writes
	// nothing.
	for _, step := range []struct{ cmd, state string }{{"stop", "Stopped"}, {"start", "Running"}} {
		if r := w.ok(step.cmd); len(r.writes) != 1 || !strings.HasSuffix(r.writes[0], "/"+step.cmd) {
			t.Errorf("%s: ARM writes %q, want one POST …/%s", step.cmd, r.writes, step.cmd)
		}
		mc := w.cloud.Cluster(w.config.ClusterName, w.config.ClusterName)
		if mc == nil || mc.Properties.PowerState == nil || string(*mc.Properties.PowerState.Code) != step.state {
			t.Fatalf("after %s the cluster is not %s: %+v", step.cmd, step.state, mc)
		}
		w.rerunWritesNothing(step.cmd)
	}

	// delete_core --full deletes the bot channel and the AI accounts (and
	// purges them: nothing holds their names or quota); the rest goes with
	// the deletes after it.
	deletes := [][]string{{"delete_core", "--full"}, {"delete_system"}, {"delete_infra"}, {"delete_common", "--yes"}}
	for i, args := range deletes {
		r := w.ok(args...)
		if i == 0 {
			w.afterFullDelete(fullZone, fullPlan, r)
			if jobs := w.dbxJobs(); len(jobs) != 0 {
				t.Errorf("delete_core --full left Databricks jobs %+v", jobs)
			}
			for _, r := range w.cloud.Resources() {
				if strings.HasPrefix(r, "bot ") || strings.HasPrefix(r, "ai-") || strings.EqualFold(r, releaseAccount) {
					t.Errorf("delete_core --full left %s", r)
				}
			}
		}
	}
	if d := w.cloud.DeletedAIAccounts(); len(d) != 0 {
		t.Errorf("soft-deleted AI accounts left (they hold the name and the quota): %q", d)
	}
	if left := w.cloud.Resources(); len(left) != 0 {
		t.Errorf("left in the cloud after the deletes:\n%s", strings.Join(left, "\n"))
	}
	// Azure keeps a deleted key vault (purge protection): a later
	// deploy_common recovers it.
	if kv := w.cloud.DeletedVaults(); len(kv) != 1 || kv[0] != w.config.KeyVaultName() {
		t.Errorf("soft-deleted key vaults %q, want %s", kv, w.config.KeyVaultName())
	}
	for _, account := range []string{w.config.Derived.CommonStorageAccount, w.config.ClusterStorageAccount()} {
		if c := w.containers(account); len(c) != 0 {
			t.Errorf("Azurite still holds containers of %s: %q", account, c)
		}
	}
	for _, args := range deletes {
		w.rerunWritesNothing(args...)
	}
}

// planWritesNothing runs `aura plan PHASE` and `aura PHASE --dry-run`:
// neither writes to ARM, and both plan the same changes.
func (w *world) planWritesNothing(phase string) []string {
	w.t.Helper()
	var plans [2][]string
	for i, args := range [][]string{{"plan", phase}, {phase, "--dry-run"}} {
		r := w.ok(args...)
		if len(r.writes) != 0 {
			w.t.Errorf("aura %s wrote to ARM: %q", strings.Join(args, " "), r.writes)
		}
		plans[i] = r.changed()
	}
	if strings.Join(plans[0], "\n") != strings.Join(plans[1], "\n") {
		w.t.Errorf("plan %s and %s --dry-run differ:\n%s\n---\n%s", phase, phase, strings.Join(plans[0], "\n"), strings.Join(plans[1], "\n"))
	}
	w.t.Logf("%s plans:\n%s", phase, strings.Join(plans[0], "\n"))
	return plans[0]
}

// rerunWritesNothing runs a command that already ran: no ARM write, no
// change reported.
func (w *world) rerunWritesNothing(args ...string) {
	w.t.Helper()
	r := w.ok(args...)
	if len(r.writes) != 0 || len(r.changed()) != 0 {
		w.t.Errorf("aura %s again: ARM writes %q, reported changes %q", strings.Join(args, " "), r.writes, r.changed())
	}
}

// newIn lists what after holds and before did not.
func newIn(before, after []string) []string {
	var out []string
	for _, r := range after {
		if !slices.Contains(before, r) {
			out = append(out, r)
		}
	}
	return out
}
