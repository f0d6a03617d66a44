package local

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func TestStorageAccountKey(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	ref := provider.ResourceRef{ResourceGroup: rg, Name: acct.Name}
	if _, err := p.StorageAccountKey(ctx, ref); !provider.IsNotFound(err) {
		t.Fatalf("key of an absent account: %v, want not found", err)
	}
	for _, o := range ensureOps()[:2] {
		if _, err := o.run(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	k1, err := p.StorageAccountKey(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.StdEncoding.DecodeString(k1); err != nil || len(raw) != 64 {
		t.Errorf("key %q is not 64 bytes of base64 like an Azure key: %d, %v", k1, len(raw), err)
	}
	k2, err := p.DryRun().StorageAccountKey(ctx, ref)
	if err != nil || k2 != k1 {
		t.Errorf("the key changed between calls (dry run %v): Secrets holding it would be rewritten on every deploy", err)
	}
	other, err := p.StorageAccountKey(ctx, provider.ResourceRef{ResourceGroup: rg, Name: "otheraccount"})
	if !provider.IsNotFound(err) || other != "" {
		t.Errorf("another account: %q, %v", other, err)
	}
}
