package phase

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

const tenantT1 = `tenant_name: "t1"`

// tenantPair is the example environment and its tenant t1 on one provider.
func tenantPair(t *testing.T, p provider.Provider) (def, ten *Env) {
	t.Helper()
	def, ten = testEnv(t, ""), testEnv(t, tenantT1)
	if p != nil {
		def.Provider = p
	}
	ten.Provider, ten.OutputDir = def.Provider, def.OutputDir
	return def, ten
}

// tenantCore is deploy_core's provider side for a tenant: its opening steps
// and the DNS records (the rest needs a cluster).
func tenantCore(e *Env) Phase {
	return Phase{Name: "tenant core", Steps: append(e.tenantSteps(), Step{e.coreDNSAction()})}
}

func recordNames(t *testing.T, p provider.Provider, z provider.Zone) []string {
	t.Helper()
	rs, err := p.ListRecordSets(context.Background(), z)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// TestTenantCoreNeedsTheEnvironmentZone: without the default tenant's
// deploy_common, a tenant's deploy_core (and its plan) stops at once with
// what to run, and creates nothing.
func TestTenantCoreNeedsTheEnvironmentZone(t *testing.T) {
	_, ten := tenantPair(t, nil)
	state := ten.Provider.(interface{ StateDir() string }).StateDir()
	for _, dry := range []bool{true, false} {
		_, err := (&Runner{DryRun: dry}).Run(context.Background(), Core(ten))
		if err == nil || !strings.Contains(err.Error(), "run deploy_common for the default tenant first") ||
			!strings.Contains(err.Error(), "aura-common-ap-dev:") {
			t.Fatalf("dry run %v: got %v, want the missing zone of aura-common-ap-dev named", dry, err)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "resourcegroups")); !os.IsNotExist(err) {
		t.Errorf("a failed tenant deploy_core created resource groups: %v", err)
	}
}

// TestTenantCoreOnLocal: the tenant's records go in the environment's
// zone; deploy_core creates the tenant's group and storage account (the
// plan shows them and writes nothing), a re-run changes nothing, and
// delete_core --full removes the tenant's group and records only.
func TestTenantCoreOnLocal(t *testing.T) {
	def, ten := tenantPair(t, nil)
	mustRun(t, Common(def))
	mustRun(t, Phase{Name: "core dns", Steps: Sequence(def.coreDNSAction())})
	state := def.Provider.(interface{ StateDir() string }).StateDir()
	zoneFile := filepath.Join(state, "resourcegroups", "aura-common-ap-dev", "dnszones", "auracognitive.com.json")
	if _, err := os.Stat(zoneFile); err != nil {
		t.Fatal(err)
	}

	plan, err := (&Runner{DryRun: true}).Run(context.Background(), tenantCore(ten))
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, c := range plan.Changes() {
		planned = append(planned, string(c.Op)+" "+c.Kind+" "+c.Name)
	}
	for _, want := range []string{"create resource group aura-common-ap-dev-t1", "create storage account auracommonapdevt1"} {
		if !slices.Contains(planned, want) {
			t.Errorf("the plan %q lacks %q", planned, want)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "resourcegroups", "aura-common-ap-dev-t1")); !os.IsNotExist(err) {
		t.Fatalf("the plan created the tenant's group: %v", err)
	}

	mustRun(t, tenantCore(ten))
	if res := mustRun(t, tenantCore(ten)); len(res.Changes()) > 0 {
		t.Errorf("a second run changes %v", res.Changes())
	}
	if tz, dz := ten.zone(), def.zone(); tz.ResourceGroup != dz.ResourceGroup || tz.Name != dz.Name {
		t.Errorf("the tenant's zone is %+v, want the environment's %+v", ten.zone(), def.zone())
	}
	names := recordNames(t, def.Provider, def.zone())
	if !slices.Contains(names, "services-ap-dev-t1") || !slices.Contains(names, "services-ap-dev") {
		t.Errorf("the environment's zone holds %q, want the records of both tenants", names)
	}
	if _, err := os.Stat(filepath.Join(state, "resourcegroups", "aura-common-ap-dev-t1", "dnszones")); !os.IsNotExist(err) {
		t.Errorf("the tenant's group has a zone of its own: %v", err)
	}
	if _, err := def.Provider.StorageAccountKey(context.Background(), provider.ResourceRef{ResourceGroup: "aura-common-ap-dev-t1", Name: "auracommonapdevt1"}); err != nil {
		t.Errorf("the tenant's storage account: %v", err)
	}
	// deploy_common of the tenant afterwards finds everything in place.
	if res := mustRun(t, Common(ten)); len(res.Changes()) > 0 {
		t.Errorf("deploy_common of the tenant after its deploy_core changes %v", res.Changes())
	}

	// delete_core --full ends with the tenant's group (the rest of it needs
	// a cluster: internal/phase/integration TestTenantSideBySide); with --ns
	// the group stays, the tenant's usual namespace may still use it.
	ten.ReleaseNamespace = true
	if steps := ten.deleteTenantGroupSteps(true); len(steps) > 0 {
		t.Errorf("delete_core --ns --full of a tenant deletes %s", steps[0][0].Name)
	}
	ten.ReleaseNamespace = false
	mustRun(t, Phase{Name: "delete tenant group", Steps: ten.deleteTenantGroupSteps(true)})
	if _, err := os.Stat(filepath.Join(state, "resourcegroups", "aura-common-ap-dev-t1")); !os.IsNotExist(err) {
		t.Errorf("delete_core --full left the tenant's group: %v", err)
	}
	if _, err := os.Stat(zoneFile); err != nil {
		t.Errorf("the environment's zone after the tenant's group went: %v", err)
	}
	if steps := def.deleteTenantGroupSteps(true); len(steps) > 0 {
		t.Errorf("delete_core --full of the default tenant deletes %s", steps[0][0].Name)
	}
}

// armLog counts the fake cloud's writes.
type armLog struct {
	next   policy.Transporter
	mu     sync.Mutex
	writes []string
}

func (l *armLog) Do(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		l.mu.Lock()
		l.writes = append(l.writes, req.Method+" "+req.URL.Path)
		l.mu.Unlock()
	}
	return l.next.Do(req)
}

func (l *armLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.writes
	l.writes = nil
	return w
}

// TestTenantZoneOnAzure: on Azure the tenant's record sets are written to
// the zone in the environment's group, its own group holds its storage
// account and no zone, and the tenant's delete_core --full deletes its group
// and its records, nothing of the environment's.
func TestTenantZoneOnAzure(t *testing.T) {
	cloud := fakecloud.New()
	log := &armLog{next: cloud.Transport()}
	p, err := azure.New(azure.Options{SubscriptionID: fakecloud.Subscription, TenantID: "00000000-0000-0000-0000-0000000000bb",
		ClientID: "00000000-0000-0000-0000-0000000000cc", Credential: &azfake.TokenCredential{}, Tokens: &provider.MemoryTokenStore{},
		Transport: log, Retry: &policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
		PollFrequency: time.Millisecond, BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	def, ten := tenantPair(t, p)
	mustRun(t, Common(def))
	mustRun(t, Phase{Name: "core dns", Steps: Sequence(def.coreDNSAction())})
	log.take()
	before := cloud.Snapshot()

	if _, err := (&Runner{DryRun: true}).Run(context.Background(), tenantCore(ten)); err != nil {
		t.Fatal(err)
	}
	if w := log.take(); len(w) > 0 || cloud.Snapshot() != before {
		t.Fatalf("the tenant's plan wrote %q", w)
	}
	mustRun(t, tenantCore(ten))
	var recordWrites int
	for _, w := range log.take() {
		switch {
		case strings.Contains(w, "/dnsZones/"):
			recordWrites++
			if !strings.Contains(w, "/resourceGroups/aura-common-ap-dev/providers/Microsoft.Network/dnsZones/auracognitive.com/") {
				t.Errorf("a tenant's dns write outside the environment's zone: %s", w)
			}
		case strings.Contains(w, "/resourceGroups/aura-common-ap-dev/"):
			t.Errorf("the tenant's deploy_core wrote to the environment's group: %s", w)
		}
	}
	if recordWrites == 0 {
		t.Error("the tenant's deploy_core wrote no record set")
	}
	mustRun(t, tenantCore(ten))
	if w := log.take(); len(w) > 0 {
		t.Errorf("a second run writes %q", w)
	}
	res := cloud.Resources()
	for _, want := range []string{"group aura-common-ap-dev-t1", "recordset aura-common-ap-dev/auracognitive.com/services-ap-dev-t1/cname"} {
		if !slices.ContainsFunc(res, func(r string) bool { return strings.EqualFold(r, want) }) {
			t.Errorf("the cloud lacks %q: %q", want, res)
		}
	}
	for _, r := range res {
		if strings.HasPrefix(strings.ToLower(r), "zone aura-common-ap-dev-t1") {
			t.Errorf("the tenant's group has a zone: %s", r)
		}
	}

	mustRun(t, DeleteCore(ten, true))
	if after := cloud.Snapshot(); after != before {
		t.Errorf("after the tenant's delete_core --full the cloud differs from before its deploy_core:\n%s\nwant\n%s", after, before)
	}
}

// TestTenantGroupWithKeyVaultStays: a tenant whose deploy_common made a
// key vault (Confidential Computing) keeps its group on delete_core --full:
// deleting a purge-protected vault there would hold its name, and the
// group is delete_common's to remove.
func TestTenantGroupWithKeyVaultStays(t *testing.T) {
	_, ten := tenantPair(t, nil)
	ten.Cfg.EnableCustomerKeyEncryption = true
	mustRun(t, Phase{Name: "tenant group", Steps: []Step{{ten.commonGroupAction()}}})
	changes := mustRun(t, Phase{Name: "delete tenant group", Steps: ten.deleteTenantGroupSteps(true)}).Changes()
	state := ten.Provider.(interface{ StateDir() string }).StateDir()
	if _, err := os.Stat(filepath.Join(state, "resourcegroups", "aura-common-ap-dev-t1")); err != nil {
		t.Errorf("delete_core --full deleted the tenant's group with its key vault: %v", err)
	}
	if len(changes) != 0 {
		t.Errorf("changes %+v, want none", changes)
	}
}
