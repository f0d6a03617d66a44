package local

import (
	"context"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// TestAIServiceKeys: an account's endpoint and key exist once the account
// does, stay the same from run to run, and differ between accounts.
func TestAIServiceKeys(t *testing.T) {
	ctx := context.Background()
	p, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.ResourceRef{ResourceGroup: rg, Name: "clu-es-dev"}
	if _, err := p.AIServiceKeys(ctx, ref); !provider.IsNotFound(err) {
		t.Fatalf("keys before the account: %v, want not found", err)
	}
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: rg}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"clu-es-dev", "openai-es-dev"} {
		if _, err := p.EnsureAIService(ctx, provider.AIService{ResourceGroup: rg, Name: name, Kind: provider.AIKindCLU}); err != nil {
			t.Fatal(err)
		}
	}
	k1, err := p.AIServiceKeys(ctx, ref)
	if err != nil || k1.Endpoint != "https://clu-es-dev.cognitiveservices.local/" || len(k1.Key) != 64 {
		t.Fatalf("keys %+v, %v", k1, err)
	}
	again, _ := p.AIServiceKeys(ctx, ref)
	other, _ := p.AIServiceKeys(ctx, provider.ResourceRef{ResourceGroup: rg, Name: "openai-es-dev"})
	if again != k1 || other.Key == k1.Key {
		t.Errorf("keys: %+v, again %+v, other account %+v", k1, again, other)
	}
	if _, err := p.DeleteAIService(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AIServiceKeys(ctx, ref); !provider.IsNotFound(err) {
		t.Errorf("keys after the delete: %v, want not found", err)
	}
}
