package provider

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestTokenStores(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	for name, s := range map[string]TokenStore{"memory": &MemoryTokenStore{}, "dir": DirTokenStore{Dir: dir}} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, found, err := s.Get(ctx, "aks.rg.c1"); found || err != nil {
				t.Fatalf("Get on empty store: found=%v, %v", found, err)
			}
			if err := s.Put(ctx, "aks.rg.c1", `{"op":"create"}`); err != nil {
				t.Fatal(err)
			}
			if tok, found, err := s.Get(ctx, "aks.rg.c1"); !found || err != nil || tok != `{"op":"create"}` {
				t.Fatalf("Get = %q, %v, %v", tok, found, err)
			}
			if err := s.Put(ctx, "../escape", "x"); err == nil {
				t.Error("Put accepted a key with a path in it")
			}
			for range 2 {
				if err := s.Delete(ctx, "aks.rg.c1"); err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}
			if _, found, _ := s.Get(ctx, "aks.rg.c1"); found {
				t.Error("token still there after Delete")
			}
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the token directory is left behind once empty: %v", err)
	}
}
