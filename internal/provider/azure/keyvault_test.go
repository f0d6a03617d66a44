package azure

import (
	"context"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// TestKeyVaultProtectionAndRecovery: vaults are created with soft delete,
// purge protection and RBAC; a deleted vault (kept by Azure, its name
// taken) is recovered by the next deploy_common instead of failing.
func TestKeyVaultProtectionAndRecovery(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	kv := provider.KeyVault{ResourceGroup: testRG, Name: "aura-kv-es-dev", Location: "westeurope", Tags: map[string]string{"env": "es-dev"}}
	must(t)(e.p.EnsureKeyVault(ctx, kv))
	snap := e.cloud.Snapshot()
	for _, want := range []string{`"enablePurgeProtection": true`, `"enableSoftDelete": true`, `"enableRbacAuthorization": true`, `"softDeleteRetentionInDays": 90`} {
		if !strings.Contains(snap, want) {
			t.Errorf("vault lacks %s", want)
		}
	}
	ref := provider.VaultRef{ResourceGroup: testRG, Name: kv.Name}
	must(t)(e.p.EnsureKey(ctx, ref, provider.VaultKey{Name: "aura-cmk"}))
	if c := must(t)(e.p.DeleteKeyVault(ctx, ref)); c.Op != provider.OpDelete || !strings.Contains(c.Detail, "soft-deleted") {
		t.Errorf("delete: %q", c)
	}
	planned := must(t)(e.p.DryRun().EnsureKeyVault(ctx, kv))
	c := must(t)(e.p.EnsureKeyVault(ctx, kv))
	if c.Op != provider.OpCreate || c.Detail != "recovered from soft delete" || planned != c {
		t.Errorf("ensure after delete: %q (planned %q), want a recovery", c, planned)
	}
	if !strings.Contains(e.cloud.Snapshot(), `"deletedVaults": {}`) {
		t.Error("the vault is still in the deleted list")
	}
}

func TestKeyCannotChangeInPlace(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.group(t, testRG)
	ref := provider.VaultRef{ResourceGroup: testRG, Name: "aura-kv-es-dev"}
	must(t)(e.p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: testRG, Name: ref.Name, Location: "westeurope"}))
	must(t)(e.p.EnsureKey(ctx, ref, provider.VaultKey{Name: "aura-cmk", Size: 3072}))
	k, err := e.p.GetKey(ctx, ref, "aura-cmk")
	if err != nil || k.Size != 3072 || !strings.HasPrefix(k.ID, "https://aura-kv-es-dev.vault.azure.net/keys/aura-cmk/") {
		t.Errorf("GetKey = %+v, %v", k, err)
	}
	e.rec.reset()
	_, err = e.p.EnsureKey(ctx, ref, provider.VaultKey{Name: "aura-cmk", Size: 4096})
	if err == nil || !strings.Contains(err.Error(), "RSA-3072") || !strings.Contains(err.Error(), "RSA-4096") {
		t.Errorf("changed key size: %v", err)
	}
	if len(e.rec.writes()) != 0 {
		t.Errorf("wrote %q", e.rec.writes())
	}
}
