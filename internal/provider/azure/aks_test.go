package azure

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const testRG = "aura-es-dev-1"

func testCluster() provider.ClusterSpec {
	return provider.ClusterSpec{ResourceGroup: testRG, Name: "aura-es-dev-1", Location: "westeurope", KubernetesVersion: "1.33.5",
		SKUTier: "Paid", Zones: []string{"1", "2", "3"}, APIServerAuthorizedRanges: []string{"195.235.92.0/23", "10.0.0.0/8"},
		SSHPublicKey: "ssh-rsa AAAAB3NzaC1yc2E aura", Tags: map[string]string{"env": "es-dev"},
		Pools: []provider.NodePool{
			{Name: "system", Mode: "System", MinSize: 2, MaxSize: 6, VMSize: "Standard_D2as_v4"},
			{Name: "common", Mode: "User", MinSize: 2, MaxSize: 15, VMSize: "Standard_D4as_v4"},
			{Name: "management", Mode: "User", MinSize: 3, MaxSize: 6, VMSize: "Standard_D4as_v4"},
		}}
}

func (e *env) group(t *testing.T, name string) {
	t.Helper()
	must(t)(e.p.EnsureResourceGroup(context.Background(), provider.ResourceGroup{Name: name, Location: "westeurope"}))
}

// TestClusterWritesOnlyWhatDiffers: after the cluster exists, each change of
// the spec makes exactly the request it needs, and changes aura does not
// own or that are equal as sets make none.
func TestClusterWritesOnlyWhatDiffers(t *testing.T) {
	cases := []struct {
		name   string
		change func(*provider.ClusterSpec)
		writes []string // "PUT managedClusters", "PUT agentPools/NAME"
	}{
		{"nothing", func(*provider.ClusterSpec) {}, nil},
		{"ranges in another order", func(s *provider.ClusterSpec) {
			s.APIServerAuthorizedRanges = []string{"10.0.0.0/8", "195.235.92.0/23"}
		}, nil},
		{"zones in another order", func(s *provider.ClusterSpec) { s.Zones = []string{"3", "1", "2"} }, nil},
		{"sku tier", func(s *provider.ClusterSpec) { s.SKUTier = "Free" }, []string{"PUT managedClusters"}},
		{"kubernetes version", func(s *provider.ClusterSpec) { s.KubernetesVersion = "1.34.2" }, []string{"PUT managedClusters"}},
		{"api open to all", func(s *provider.ClusterSpec) { s.APIServerAuthorizedRanges = []string{"*"} }, []string{"PUT managedClusters"}},
		{"a new tag", func(s *provider.ClusterSpec) { s.Tags = map[string]string{"env": "es-dev", "owner": "aura"} }, []string{"PUT managedClusters"}},
		{"one pool's max size", func(s *provider.ClusterSpec) { s.Pools[1].MaxSize = 20 }, []string{"PUT agentPools/common"}},
		{"a new pool", func(s *provider.ClusterSpec) {
			s.Pools = append(s.Pools, provider.NodePool{Name: "gpu", Mode: "User", MinSize: 1, MaxSize: 2, VMSize: "Standard_NC6s_v3"})
		}, []string{"PUT agentPools/gpu"}},
		{"a fixed-size pool", func(s *provider.ClusterSpec) { s.Pools[2].MaxSize = 3 }, []string{"PUT agentPools/management"}},
		{"sku and a pool", func(s *provider.ClusterSpec) { s.SKUTier = "Free"; s.Pools[0].MinSize = 3 }, []string{"PUT managedClusters", "PUT agentPools/system"}},
		{"a pool removed from the config", func(s *provider.ClusterSpec) { s.Pools = s.Pools[:2] }, []string{"DELETE agentPools/management"}},
		{"the system pool renamed", func(s *provider.ClusterSpec) { s.Pools[0].Name = "sys2" }, []string{"PUT agentPools/sys2", "DELETE agentPools/system"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			e.group(t, testRG)
			spec := testCluster()
			if c := must(t)(e.p.EnsureCluster(ctx, spec)); c.Op != provider.OpCreate {
				t.Fatalf("first run: %q, want create", c)
			}
			e.rec.reset()
			tc.change(&spec)
			planned := must(t)(e.p.DryRun().EnsureCluster(ctx, spec))
			if w := e.rec.writes(); len(w) != 0 {
				t.Fatalf("dry run wrote %q", w)
			}
			c := must(t)(e.p.EnsureCluster(ctx, spec))
			if got := clusterWrites(e.rec.writes()); strings.Join(got, ";") != strings.Join(tc.writes, ";") {
				t.Errorf("writes = %q, want %q", got, tc.writes)
			}
			if spec.KubernetesVersion != "1.33.5" {
				for _, ap := range e.cloud.Cluster(testRG, spec.Name).Properties.AgentPoolProfiles {
					if str(ap.OrchestratorVersion) != spec.KubernetesVersion {
						t.Errorf("pool %s stays at %q: the upgrade left the pools behind", str(ap.Name), str(ap.OrchestratorVersion))
					}
				}
			}
			if c.Changed() != (len(tc.writes) > 0) || planned.Op != c.Op {
				t.Errorf("change %q (planned %q), want changed=%v", c, planned, len(tc.writes) > 0)
			}
			e.rec.reset()
			if again := must(t)(e.p.EnsureCluster(ctx, spec)); again.Changed() || len(e.rec.writes()) != 0 {
				t.Errorf("third run: %q, writes %q; want none", again, e.rec.writes())
			}
		})
	}
}

func clusterWrites(writes []string) []string {
	var out []string
	for _, w := range writes {
		method, path, _ := strings.Cut(w, " ")
		if i := strings.Index(path, "/agentPools/"); i >= 0 {
			out = append(out, method+" agentPools/"+path[i+len("/agentPools/"):])
		} else if strings.Contains(path, "/managedClusters/") {
			out = append(out, method+" managedClusters")
		} else {
			out = append(out, w)
		}
	}
	return out
}

// TestClusterImmutableChangesFailWithoutWriting: what AKS cannot change in
// place is refused with the way out, before any write.
func TestClusterImmutableChangesFailWithoutWriting(t *testing.T) {
	cases := []struct {
		name   string
		change func(*provider.ClusterSpec)
		want   string
	}{
		{"vm size", func(s *provider.ClusterSpec) { s.Pools[1].VMSize = "Standard_D8as_v4" }, "cannot change a pool's VM size"},
		{"zones", func(s *provider.ClusterSpec) { s.Zones = nil }, "aks_multi_az"},
		{"encryption at host", func(s *provider.ClusterSpec) { s.EncryptionInTransit = true }, "enable_encryption_in_transit"},
		{"sku tier name", func(s *provider.ClusterSpec) { s.SKUTier = "Gold" }, "aks_sku_tier"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			e.group(t, testRG)
			spec := testCluster()
			must(t)(e.p.EnsureCluster(ctx, spec))
			e.rec.reset()
			spec.SKUTier = "Free" // a change that alone would be written
			tc.change(&spec)
			_, err := e.p.EnsureCluster(ctx, spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if w := e.rec.writes(); len(w) != 0 {
				t.Errorf("wrote %q", w)
			}
		})
	}
}

// TestClusterResumesInterruptedCreate: aura is stopped while Azure creates
// the cluster; the next run waits for that operation instead of sending
// another PUT, and leaves no resume token behind.
func TestClusterResumesInterruptedCreate(t *testing.T) {
	e := newEnv(t)
	e.cloud.LROSteps = 3
	e.group(t, testRG)
	ctx, cancel := context.WithCancel(context.Background())
	e.rec.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/get/fake/status") {
			cancel() // Ctrl-C while waiting
		}
	}
	_, err := e.p.EnsureCluster(ctx, testCluster())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	if keys := e.tokens.Keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "aks.put.") {
		t.Fatalf("resume tokens after the interruption: %q, want the cluster's", keys)
	}
	e.rec.onRequest = nil

	// A second aura process on the same environment state.
	e2 := newEnvOn(t, e.cloud, e.rec, e.tokens)
	c, err := e2.p.EnsureCluster(context.Background(), testCluster())
	if err != nil {
		t.Fatal(err)
	}
	if c.Op != provider.OpCreate || !strings.Contains(c.Detail, "resumed") {
		t.Errorf("second run: %q, want the resumed create", c)
	}
	if n := e.rec.count(http.MethodPut, "/managedClusters/"); n != 1 {
		t.Errorf("%d PUTs of the cluster in total, want 1", n)
	}
	if keys := e.tokens.Keys(); len(keys) != 0 {
		t.Errorf("resume tokens left: %q", keys)
	}
	if c := must(t)(e2.p.EnsureCluster(context.Background(), testCluster())); c.Changed() {
		t.Errorf("third run: %q, want unchanged", c)
	}
}

// TestClusterResumesInterruptedPoolDelete: a pool removed from the config is
// deleted; Ctrl-C while Azure deletes it leaves a resume token that the next
// run waits on instead of reporting the pool gone unseen.
func TestClusterResumesInterruptedPoolDelete(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	must(t)(e.p.EnsureCluster(context.Background(), testCluster()))
	spec := testCluster()
	spec.Pools = spec.Pools[:2]
	e.cloud.LROSteps = 3
	ctx, cancel := context.WithCancel(context.Background())
	e.rec.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/get/fake/status") {
			cancel()
		}
	}
	if _, err := e.p.EnsureCluster(ctx, spec); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	if keys := e.tokens.Keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "aks.pooldel.") {
		t.Fatalf("resume tokens after the interruption: %q, want the pool delete's", keys)
	}
	e.rec.onRequest = nil
	e2 := newEnvOn(t, e.cloud, e.rec, e.tokens)
	c := must(t)(e2.p.EnsureCluster(context.Background(), spec))
	if !strings.Contains(c.Detail, "resumed deleting") {
		t.Errorf("second run: %q, want the resumed delete", c)
	}
	if n := e.rec.count(http.MethodDelete, "/agentPools/"); n != 1 {
		t.Errorf("%d DELETEs of the pool in total, want 1", n)
	}
	if keys := e.tokens.Keys(); len(keys) != 0 {
		t.Errorf("resume tokens left: %q", keys)
	}
	if c := must(t)(e2.p.EnsureCluster(context.Background(), spec)); c.Changed() {
		t.Errorf("third run: %q, want unchanged", c)
	}
}

// TestBusyClusterIsNotWritten: while an operation someone else started runs
// on the cluster, aura waits, then gives up without writing.
func TestBusyClusterIsNotWritten(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	spec := testCluster()
	must(t)(e.p.EnsureCluster(ctx, spec))
	e.cloud.SetClusterState(testRG, spec.Name, "Upgrading")
	e.rec.reset()
	spec.SKUTier = "Free"
	if c, err := e.p.DryRun().EnsureCluster(ctx, spec); err != nil || c.Op != provider.OpUpdate {
		t.Errorf("dry run of a busy cluster: %q, %v; want the planned update", c, err)
	}
	_, err := e.p.EnsureCluster(ctx, spec)
	if !isBusy(err) || !strings.Contains(err.Error(), "Upgrading") {
		t.Errorf("error %v, want one saying the cluster is Upgrading", err)
	}
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("wrote %q to a busy cluster", w)
	}
	for _, op := range []func(context.Context, provider.ClusterRef) (provider.Change, error){e.p.StopCluster, e.p.StartCluster} {
		if _, err := op(ctx, spec.Ref()); !isBusy(err) {
			t.Errorf("stop/start of a busy cluster: %v, want busy", err)
		}
	}
	e.cloud.SetClusterState(testRG, spec.Name, "Succeeded")
	if c := must(t)(e.p.EnsureCluster(ctx, spec)); c.Op != provider.OpUpdate {
		t.Errorf("once settled: %q, want update", c)
	}
}

// TestStopStartCallsAzureOnlyWhenNeeded: the guide's "if the environment was
// already stopped, the command will not do anything".
func TestStopStartCallsAzureOnlyWhenNeeded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cloud.LROSteps = 1
	e.group(t, testRG)
	spec := testCluster()
	must(t)(e.p.EnsureCluster(ctx, spec))
	for range 2 {
		must(t)(e.p.StopCluster(ctx, spec.Ref()))
	}
	for range 2 {
		must(t)(e.p.StartCluster(ctx, spec.Ref()))
	}
	must(t)(e.p.StopCluster(ctx, spec.Ref()))
	// deploy_infra on a stopped cluster starts it.
	if c := must(t)(e.p.EnsureCluster(ctx, spec)); c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "start") {
		t.Errorf("ensure on a stopped cluster: %q, want it started", c)
	}
	if stops, starts := e.rec.count(http.MethodPost, "/stop"), e.rec.count(http.MethodPost, "/start"); stops != 2 || starts != 2 {
		t.Errorf("%d stop and %d start requests, want 2 and 2", stops, starts)
	}
	if _, err := e.p.StopCluster(ctx, provider.ClusterRef{ResourceGroup: testRG, Name: "none"}); !provider.IsNotFound(err) {
		t.Errorf("stop of a missing cluster: %v, want ErrNotFound", err)
	}
	if len(e.tokens.Keys()) != 0 {
		t.Errorf("resume tokens left: %q", e.tokens.Keys())
	}
}

func TestKubeconfigFallsBackToUserCredentials(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	spec := testCluster()
	must(t)(e.p.EnsureCluster(ctx, spec))
	kc, err := e.p.Kubeconfig(ctx, spec.Ref())
	if err != nil || !strings.Contains(string(kc), "clusterAdmin") {
		t.Fatalf("Kubeconfig = %q, %v; want the admin kubeconfig", kc, err)
	}
	e.rec.addFault(&fault{times: 1, status: http.StatusBadRequest,
		match: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/listClusterAdminCredential") },
		body:  `{"code":"BadRequest","message":"Getting static credential is not allowed because this cluster is set to disable local accounts."}`})
	kc, err = e.p.Kubeconfig(ctx, spec.Ref())
	if err != nil || !strings.Contains(string(kc), "clusterUser") {
		t.Errorf("Kubeconfig with local accounts disabled = %q, %v; want the user kubeconfig", kc, err)
	}
	if _, err := e.p.Kubeconfig(ctx, provider.ClusterRef{ResourceGroup: testRG, Name: "none"}); !provider.IsNotFound(err) {
		t.Errorf("Kubeconfig of a missing cluster: %v, want ErrNotFound", err)
	}
}

func TestClusterOutboundIPsAndDelete(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cloud.LROSteps = 2
	e.group(t, testRG)
	spec := testCluster()
	must(t)(e.p.EnsureCluster(ctx, spec))
	ips, err := e.p.ClusterOutboundIPs(ctx, spec.Ref())
	if err != nil || len(ips) != 1 || !strings.HasPrefix(ips[0], "20.50.") {
		t.Errorf("ClusterOutboundIPs = %q, %v; want the load balancer's public IP", ips, err)
	}
	if c := must(t)(e.p.DeleteCluster(ctx, spec.Ref())); c.Op != provider.OpDelete {
		t.Errorf("delete: %q", c)
	}
	// DeleteCluster returns once AKS has deleted it.
	if e.cloud.Cluster(testRG, spec.Name) != nil {
		t.Error("the cluster still exists after DeleteCluster returned")
	}
	if st, err := e.p.ClusterState(ctx, spec.Ref()); err != nil || st != provider.ClusterAbsent {
		t.Errorf("state after delete: %q, %v", st, err)
	}
	if n := e.rec.count(http.MethodDelete, "/managedClusters/"); n != 1 {
		t.Errorf("%d DELETE requests, want 1", n)
	}
}

// TestCustomerManagedKey: enable_customer_key_encryption gives the cluster
// a disk encryption set on the vault's key, whose identity may use the key.
func TestCustomerManagedKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, "aura-common-es-dev")
	e.group(t, testRG)
	vault := provider.VaultRef{ResourceGroup: "aura-common-es-dev", Name: "aura-kv-es-dev"}
	must(t)(e.p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: vault.ResourceGroup, Name: vault.Name, Location: "westeurope"}))
	must(t)(e.p.EnsureKey(ctx, vault, provider.VaultKey{Name: "aura-disks"}))
	spec := testCluster()
	spec.CustomerManagedKey = &provider.KeyRef{Vault: vault, Key: "aura-disks"}
	if c := must(t)(e.p.EnsureCluster(ctx, spec)); c.Op != provider.OpCreate {
		t.Fatalf("create: %q", c)
	}
	mc := e.cloud.Cluster(testRG, spec.Name)
	if got := str(mc.Properties.DiskEncryptionSetID); !strings.HasSuffix(got, "/diskEncryptionSets/aura-es-dev-1-des") {
		t.Errorf("disk encryption set of the cluster: %q", got)
	}
	found := false
	for _, a := range e.cloud.Assignments() {
		if strings.HasPrefix(a, desRole+" → ") && strings.HasSuffix(a, "/vaults/aura-kv-es-dev") {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s assignment on the vault: %q", desRole, e.cloud.Assignments())
	}
	e.rec.reset()
	if c := must(t)(e.p.EnsureCluster(ctx, spec)); c.Changed() || len(e.rec.writes()) != 0 {
		t.Errorf("second run: %q, writes %q", c, e.rec.writes())
	}
	spec.CustomerManagedKey = nil
	must(t)(e.p.DeleteCluster(ctx, spec.Ref()))
	if n := e.rec.count(http.MethodDelete, "/diskEncryptionSets/"); n != 1 {
		t.Errorf("%d deletes of the disk encryption set with the cluster, want 1", n)
	}
}
