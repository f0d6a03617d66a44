package azure

import (
	"slices"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestInterruptedCreateResumes: Ctrl-C while Azure creates the cluster
// leaves the operation running; the next deploy_infra waits for it (its
// resume token, across processes) instead of sending the create again, and
// converges.
func TestInterruptedCreateResumes(t *testing.T) {
	w := newWorld(t)
	w.ok("deploy_common")
	// Slow operations: each lasts 50 steps (a second).
	w.cloud.SetLROSteps(50)
	cluster := "/subscriptions/" + fakecloud.Subscription + "/resourceGroups/" + w.config.ClusterName +
		"/providers/Microsoft.ContainerService/managedClusters/" + w.config.ClusterName
	// Interrupted while it waits: aura has sent the create and saved where
	// to poll.
	r := w.interruptAt("GET /fakecloud/operations"+cluster+"/", "deploy_infra")
	if r.code != 130 {
		t.Fatalf("interrupted deploy_infra: exit %d, want 130\n%s", r.code, r.stderr)
	}
	if mc := w.cloud.Cluster(w.config.ClusterName, w.config.ClusterName); mc == nil || *mc.Properties.ProvisioningState != "Creating" {
		t.Fatalf("the cluster is not being created after the interrupt: %+v", mc)
	}

	r = w.ok("deploy_infra")
	if slices.Contains(r.writes, "PUT "+cluster) {
		t.Errorf("the re-run sent the create again instead of waiting for it: %q", r.writes)
	}
	if !slices.ContainsFunc(w.srv.Requests(), func(r string) bool { return strings.HasPrefix(r, "GET /fakecloud/operations"+cluster+"/") }) {
		t.Errorf("the re-run did not wait for the create at its status URL: %q", w.srv.Requests())
	}
	if mc := w.cloud.Cluster(w.config.ClusterName, w.config.ClusterName); mc == nil || *mc.Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("the cluster did not finish: %+v", mc)
	}
	w.cloud.SetLROSteps(2)
	w.rerunWritesNothing("deploy_infra")
	w.ok("delete_infra")
	w.ok("delete_common", "--yes")
	if left := w.cloud.Resources(); len(left) != 0 {
		t.Errorf("left in the cloud:\n%s", strings.Join(left, "\n"))
	}
}
