package azure

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func testWorkspace() provider.DatabricksWorkspace {
	return provider.DatabricksWorkspace{ResourceGroup: testRG, Name: "aura-databricks-es-dev", Location: "westeurope",
		ManagedResourceGroup: "aura-databricks-managed-es-dev", Tags: map[string]string{"env": "es-dev"}}
}

// confidentialWorkspace is a workspace with the Confidential Computing
// settings, on a vault key made first (as deploy_common does).
func confidentialWorkspace(t *testing.T, e *env) provider.DatabricksWorkspace {
	t.Helper()
	ctx := context.Background()
	vault := provider.VaultRef{ResourceGroup: testRG, Name: "aura-kv-es-dev"}
	must(t)(e.p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: testRG, Name: vault.Name, Location: "westeurope"}))
	must(t)(e.p.EnsureKey(ctx, vault, provider.VaultKey{Name: "aura-cmk", Type: "RSA", Size: 3072}))
	ws := testWorkspace()
	ws.RequireInfrastructureEncryption = true
	ws.CustomerManagedKey = &provider.KeyRef{Vault: vault, Key: "aura-cmk"}
	return ws
}

// TestDatabricksWorkspaceCreateThenNothing: the create sends the
// Confidential Computing settings and says so; the next run writes nothing.
func TestDatabricksWorkspaceCreateThenNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cloud.LROSteps = 2
	e.group(t, testRG)
	ws := confidentialWorkspace(t, e)
	e.rec.reset()
	planned := must(t)(e.p.DryRun().EnsureDatabricksWorkspace(ctx, ws))
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("dry run wrote %q", w)
	}
	c := must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws))
	if c != planned {
		t.Errorf("create %q, planned %q", c, planned)
	}
	for _, want := range []string{"location westeurope", "SKU premium", "managed resource group aura-databricks-managed-es-dev",
		"infrastructure encryption", "customer-managed key aura-kv-es-dev/aura-cmk", "tags env=es-dev"} {
		if c.Op != provider.OpCreate || !strings.Contains(c.Detail, want) {
			t.Errorf("create: %q, want a create saying %q", c, want)
		}
	}
	w := e.cloud.Workspace(testRG, ws.Name)
	if w == nil {
		t.Fatal("no workspace")
	}
	params := w.Properties.Parameters
	enc := params.Encryption.Value
	if !boolParamOf(params.RequireInfrastructureEncryption) || str(enc.KeyName) != "aura-cmk" ||
		str(enc.KeyVaultURI) != "https://aura-kv-es-dev.vault.azure.net/" || len(str(enc.KeyVersion)) != 32 ||
		str(w.SKU.Name) != "premium" || !strings.HasSuffix(str(w.Properties.ManagedResourceGroupID), "/resourceGroups/aura-databricks-managed-es-dev") {
		t.Errorf("workspace as created: %s", e.cloud.Snapshot())
	}
	if !strings.Contains(strings.Join(e.cloud.Resources(), "\n"), "group aura-databricks-managed-es-dev") {
		t.Error("Databricks made no managed resource group")
	}
	// Azure makes the storage identity with the workspace; it is granted
	// the key, then the key is set.
	if puts, grants := e.rec.count(http.MethodPut, "/workspaces/"), e.rec.count(http.MethodPut, "/roleAssignments/"); puts != 2 || grants != 1 {
		t.Errorf("%d PUTs of the workspace and %d role assignments, want 2 and 1: %q", puts, grants, e.rec.writes())
	}
	e.rec.reset()
	snap := e.cloud.Snapshot()
	if c := must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws)); c.Changed() {
		t.Errorf("second run: %q, want no change", c)
	}
	if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
		t.Errorf("second run wrote %q", w)
	}
	if len(e.tokens.Keys()) != 0 {
		t.Errorf("resume tokens left: %q", e.tokens.Keys())
	}
}

// TestDatabricksTagChangeIsOnePut: a tag aura owns changed; the PUT starts
// from what Azure holds, so tags set by others and the settings stay.
func TestDatabricksTagChangeIsOnePut(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ws := confidentialWorkspace(t, e)
	ws.Tags = map[string]string{"env": "es-dev", "owner": "aura"}
	must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws))
	ws.Tags = map[string]string{"env": "es-prod"}
	e.rec.reset()
	c := must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws))
	if c.Op != provider.OpUpdate || c.Detail != "changed: tags" {
		t.Errorf("tag change: %q", c)
	}
	if w := e.rec.writes(); len(w) != 1 || !strings.HasPrefix(w[0], "PUT ") || !strings.Contains(w[0], "/workspaces/"+ws.Name) {
		t.Errorf("writes %q, want one PUT of the workspace", w)
	}
	w := e.cloud.Workspace(testRG, ws.Name)
	if str(w.Tags["env"]) != "es-prod" || str(w.Tags["owner"]) != "aura" || !boolParamOf(w.Properties.Parameters.RequireInfrastructureEncryption) ||
		w.Properties.Parameters.Encryption == nil {
		t.Errorf("workspace after the tag change: %s", e.cloud.Snapshot())
	}
}

// TestDatabricksSettingsCannotBeUndone: the guide's "these settings cannot
// be disabled once the Databricks workspace has been created": a config
// that turns one off is refused, naming its key, and nothing is written.
func TestDatabricksSettingsCannotBeUndone(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*provider.DatabricksWorkspace)
		key    string
	}{
		{"infrastructure encryption off", func(ws *provider.DatabricksWorkspace) { ws.RequireInfrastructureEncryption = false }, "databricks_requireInfrastructureEncryption"},
		{"customer-managed key off", func(ws *provider.DatabricksWorkspace) { ws.CustomerManagedKey = nil }, "enable_customer_key_databricks_encryption"},
		{"enhanced security compliance on", func(ws *provider.DatabricksWorkspace) {
			ws.EnhancedSecurityCompliance, ws.ComplianceStandards = true, []string{"HIPAA", "PCI_DSS"}
		}, "databricks_enhanced_security_compliance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.group(t, testRG)
			ws := confidentialWorkspace(t, e)
			must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws))
			tc.change(&ws)
			e.rec.reset()
			snap := e.cloud.Snapshot()
			for _, p := range []provider.Provider{e.p.DryRun(), e.p} {
				_, err := p.EnsureDatabricksWorkspace(ctx, ws)
				if err == nil || !strings.Contains(err.Error(), tc.key) {
					t.Errorf("error %v, want one naming %s", err, tc.key)
				}
			}
			if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
				t.Errorf("wrote %q", w)
			}
		})
	}
}

// TestDatabricksEnhancedSecurityNotInBuild: the SDK of this build cannot
// set enhanced security compliance; asking for it fails before any request
// instead of making a workspace without it.
func TestDatabricksEnhancedSecurityNotInBuild(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	e.rec.reset()
	ws := testWorkspace()
	ws.EnhancedSecurityCompliance, ws.ComplianceStandards = true, []string{"HIPAA"}
	_, err := e.p.EnsureDatabricksWorkspace(context.Background(), ws)
	if !errors.Is(err, provider.ErrNotInBuild) || !strings.Contains(err.Error(), "databricks_enhanced_security_compliance") {
		t.Errorf("error %v, want ErrNotInBuild naming databricks_enhanced_security_compliance", err)
	}
	if len(e.rec.log) != 0 {
		t.Errorf("sent %q", e.rec.log)
	}
}

// TestDatabricksResumesInterruptedCreate: aura is stopped while Azure
// creates the workspace; the next run waits for that operation instead of
// sending another PUT.
func TestDatabricksResumesInterruptedCreate(t *testing.T) {
	e := newEnv(t)
	e.cloud.LROSteps = 3
	e.group(t, testRG)
	ctx, cancel := context.WithCancel(context.Background())
	e.rec.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/get/fake/status") {
			cancel()
		}
	}
	if _, err := e.p.EnsureDatabricksWorkspace(ctx, testWorkspace()); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	if keys := e.tokens.Keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "databricks.put.") {
		t.Fatalf("resume tokens after the interruption: %q", keys)
	}
	e.rec.onRequest = nil
	e2 := newEnvOn(t, e.cloud, e.rec, e.tokens)
	c := must(t)(e2.p.EnsureDatabricksWorkspace(context.Background(), testWorkspace()))
	if c.Op != provider.OpCreate || !strings.Contains(c.Detail, "resumed") {
		t.Errorf("second run: %q, want the resumed create", c)
	}
	if n := e.rec.count(http.MethodPut, "/workspaces/"); n != 1 {
		t.Errorf("%d PUTs of the workspace in total, want 1", n)
	}
	if keys := e.tokens.Keys(); len(keys) != 0 {
		t.Errorf("resume tokens left: %q", keys)
	}
	if c := must(t)(e2.p.EnsureDatabricksWorkspace(context.Background(), testWorkspace())); c.Changed() {
		t.Errorf("third run: %q, want unchanged", c)
	}
}

// TestBusyDatabricksWorkspaceIsNotWritten: while an operation someone else
// started runs on the workspace, aura waits, then gives up without writing.
func TestBusyDatabricksWorkspaceIsNotWritten(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ws := testWorkspace()
	must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws))
	e.cloud.SetWorkspaceState(testRG, ws.Name, "Updating")
	ws.Tags = map[string]string{"env": "es-prod"}
	e.rec.reset()
	for _, op := range []func() (provider.Change, error){
		func() (provider.Change, error) { return e.p.EnsureDatabricksWorkspace(ctx, ws) },
		func() (provider.Change, error) {
			return e.p.DeleteDatabricksWorkspace(ctx, provider.ResourceRef{ResourceGroup: testRG, Name: ws.Name})
		},
	} {
		if _, err := op(); !isBusy(err) || !strings.Contains(err.Error(), "Updating") {
			t.Errorf("error %v, want one saying the workspace is Updating", err)
		}
	}
	if w := e.rec.writes(); len(w) != 0 {
		t.Errorf("wrote %q to a busy workspace", w)
	}
	e.cloud.SetWorkspaceState(testRG, ws.Name, "Succeeded")
	if c := must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws)); c.Op != provider.OpUpdate {
		t.Errorf("once settled: %q, want update", c)
	}
}

// TestDatabricksDeleteTwice: the delete waits until the workspace and its
// managed resource group are gone; a second delete does nothing.
func TestDatabricksDeleteTwice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cloud.LROSteps = 2
	e.group(t, testRG)
	ws := testWorkspace()
	must(t)(e.p.EnsureDatabricksWorkspace(ctx, ws))
	ref := provider.ResourceRef{ResourceGroup: testRG, Name: ws.Name}
	if c := must(t)(e.p.DryRun().DeleteDatabricksWorkspace(ctx, ref)); c.Op != provider.OpDelete || !strings.Contains(c.Detail, ws.ManagedResourceGroup) {
		t.Errorf("planned delete: %q", c)
	}
	if c := must(t)(e.p.DeleteDatabricksWorkspace(ctx, ref)); c.Op != provider.OpDelete {
		t.Errorf("delete: %q", c)
	}
	if e.cloud.Workspace(testRG, ws.Name) != nil {
		t.Error("the workspace still exists after the delete returned")
	}
	if got := e.cloud.Resources(); len(got) != 1 || got[0] != "group "+strings.ToLower(testRG) {
		t.Errorf("left after the delete: %q, want only the resource group", got)
	}
	if c := must(t)(e.p.DeleteDatabricksWorkspace(ctx, ref)); c.Changed() {
		t.Errorf("second delete: %q, want nothing", c)
	}
	if n := e.rec.count(http.MethodDelete, "/workspaces/"); n != 1 {
		t.Errorf("%d DELETE requests, want 1", n)
	}
	if len(e.tokens.Keys()) != 0 {
		t.Errorf("resume tokens left: %q", e.tokens.Keys())
	}
}

func boolParamOf(p *armdatabricks.WorkspaceCustomBooleanParameter) bool {
	return p != nil && boolv(p.Value)
}

// TestDatabricksKeySetByTheNextRun: aura stopped after Azure made the
// workspace and before its key was set; the next run grants the storage
// identity the key and sets it, with no second create.
func TestDatabricksKeySetByTheNextRun(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	ws := confidentialWorkspace(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	puts := 0
	e.rec.onRequest = func(r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/roleAssignments/") {
			cancel() // Ctrl-C once the workspace exists
		}
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/workspaces/") {
			puts++
		}
	}
	if _, err := e.p.EnsureDatabricksWorkspace(ctx, ws); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	if w := e.cloud.Workspace(testRG, ws.Name); w == nil || w.Properties.Parameters.Encryption != nil {
		t.Fatalf("after the interruption: %+v, want a workspace without its key yet", w)
	}
	c := must(t)(e.p.EnsureDatabricksWorkspace(context.Background(), ws))
	if c.Op != provider.OpUpdate || c.Detail != "changed: customer-managed key" {
		t.Errorf("second run: %q, want the key set", c)
	}
	if w := e.cloud.Workspace(testRG, ws.Name); w.Properties.Parameters.Encryption == nil || puts != 2 {
		t.Errorf("%d PUTs of the workspace, encryption %+v; want 2 and the key", puts, w.Properties.Parameters.Encryption)
	}
	if c := must(t)(e.p.EnsureDatabricksWorkspace(context.Background(), ws)); c.Changed() {
		t.Errorf("third run: %q, want unchanged", c)
	}
}
