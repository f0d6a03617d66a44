package azure

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func testAccount() provider.StorageAccount {
	return provider.StorageAccount{ResourceGroup: testRG, Name: "auracommonesdev", Location: "westeurope",
		Containers: []string{"aura-backups", "dns"}, Expiry: []provider.BlobExpiry{{Prefix: "aura-backups/", Days: 7}},
		Tags: map[string]string{"env": "es-dev"}}
}

// accountJSON is the account as Azure holds it.
func accountJSON(t *testing.T, e *env, name string) map[string]any {
	t.Helper()
	var snap map[string]map[string]map[string]any
	if err := json.Unmarshal([]byte(e.cloud.Snapshot()), &snap); err != nil {
		t.Fatal(err)
	}
	return snap["accounts"][strings.ToLower(testRG+"/"+name)]
}

// TestStorageAccountSettings: StorageV2, TLS 1.2, HTTPS only, no public
// blob access, private containers, and the backup_retention_time rule.
func TestStorageAccountSettings(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	c := must(t)(e.p.EnsureStorageAccount(ctx, testAccount()))
	if c.Op != provider.OpCreate || !strings.Contains(c.Detail, "aura-backups, dns") {
		t.Errorf("%q", c)
	}
	a := accountJSON(t, e, "auracommonesdev")
	props := a["properties"].(map[string]any)
	if a["kind"] != "StorageV2" || props["minimumTlsVersion"] != "TLS1_2" || props["allowBlobPublicAccess"] != false || props["supportsHttpsTrafficOnly"] != true {
		t.Errorf("account: kind %v, props %v", a["kind"], props)
	}
	snap := e.cloud.Snapshot()
	for _, want := range []string{`"publicAccess": "None"`, `"daysAfterModificationGreaterThan": 7`, `"aura-backups/"`, `"name": "auraexpiryaurabackups"`} {
		if !strings.Contains(snap, want) {
			t.Errorf("the cloud holds no %s", want)
		}
	}
}

// TestStorageAccountDriftIsRepairedWithOnePatch: someone enabled public blob
// access; the next run turns it off with one PATCH and nothing else.
func TestStorageAccountDriftIsRepairedWithOnePatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	must(t)(e.p.EnsureStorageAccount(ctx, testAccount()))
	if _, err := e.p.accounts.Update(ctx, testRG, "auracommonesdev", armstorage.AccountUpdateParameters{
		Properties: &armstorage.AccountPropertiesUpdateParameters{AllowBlobPublicAccess: to.Ptr(true)}}, nil); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	c := must(t)(e.p.EnsureStorageAccount(ctx, testAccount()))
	if c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "public blob access") {
		t.Errorf("%q, want an update of public blob access", c)
	}
	if w := e.rec.writes(); len(w) != 1 || !strings.HasPrefix(w[0], http.MethodPatch) {
		t.Errorf("writes %q, want one PATCH", w)
	}
}

// TestBlobExpiryKeepsOtherRules: the lifecycle rules aura owns follow
// backup_retention_time; rules someone else added stay.
func TestBlobExpiryKeepsOtherRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	sa := testAccount()
	must(t)(e.p.EnsureStorageAccount(ctx, sa))
	theirs := &armstorage.ManagementPolicyRule{Name: to.Ptr("archive-logs"), Enabled: to.Ptr(true), Type: to.Ptr(armstorage.RuleTypeLifecycle),
		Definition: &armstorage.ManagementPolicyDefinition{Actions: &armstorage.ManagementPolicyAction{BaseBlob: &armstorage.ManagementPolicyBaseBlob{
			TierToCool: &armstorage.DateAfterModification{DaysAfterModificationGreaterThan: to.Ptr(float32(30))}}},
			Filters: &armstorage.ManagementPolicyFilter{BlobTypes: []*string{to.Ptr("blockBlob")}, PrefixMatch: []*string{to.Ptr("logs/")}}}}
	res, err := e.p.policies.Get(ctx, testRG, sa.Name, armstorage.ManagementPolicyNameDefault, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Properties.Policy.Rules = append(res.Properties.Policy.Rules, theirs)
	if _, err := e.p.policies.CreateOrUpdate(ctx, testRG, sa.Name, armstorage.ManagementPolicyNameDefault, res.ManagementPolicy, nil); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	if c := must(t)(e.p.EnsureStorageAccount(ctx, sa)); c.Changed() {
		t.Errorf("another rule made aura write: %q", c)
	}
	sa.Expiry[0].Days = 14
	c := must(t)(e.p.EnsureStorageAccount(ctx, sa))
	if c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "after 14 days") || len(e.rec.writes()) != 1 {
		t.Errorf("%q with writes %q, want one policy update", c, e.rec.writes())
	}
	snap := e.cloud.Snapshot()
	if !strings.Contains(snap, `"archive-logs"`) || !strings.Contains(snap, `"daysAfterModificationGreaterThan": 14`) || strings.Contains(snap, `"daysAfterModificationGreaterThan": 7`) {
		t.Errorf("policy after the update:\n%s", snap)
	}
	sa.Expiry = nil
	must(t)(e.p.EnsureStorageAccount(ctx, sa))
	if snap := e.cloud.Snapshot(); strings.Contains(snap, "auraexpiry") || !strings.Contains(snap, "archive-logs") {
		t.Error("removing the expiry did not remove only aura's rule")
	}
	sa.Expiry = []provider.BlobExpiry{{Prefix: "/aura-backups", Days: 7}}
	if _, err := e.p.EnsureStorageAccount(ctx, sa); err == nil || !strings.Contains(err.Error(), "container name") {
		t.Errorf("a prefix without a container: %v", err)
	}
}

func TestStorageAccountKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	if _, err := e.p.StorageAccountKey(ctx, provider.ResourceRef{ResourceGroup: testRG, Name: "auracommonesdev"}); !provider.IsNotFound(err) {
		t.Errorf("key of a missing account: %v, want ErrNotFound", err)
	}
	must(t)(e.p.EnsureStorageAccount(ctx, testAccount()))
	if k, err := e.p.StorageAccountKey(ctx, provider.ResourceRef{ResourceGroup: testRG, Name: "auracommonesdev"}); err != nil || k != e.cloud.AccountKey {
		t.Errorf("key = %q, %v", k, err)
	}
}
