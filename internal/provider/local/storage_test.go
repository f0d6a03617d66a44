package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func TestBlobs(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	for _, o := range ensureOps()[:2] {
		if _, err := o.run(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ref := func(name string) provider.BlobRef {
		return provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "aura-backups", Name: name}
	}
	for _, name := range []string{"mongodb/a.gz", "mongodb/restore/b.gz", "redis/c.rdb", ".hidden"} {
		if c, err := p.PutBlob(ctx, ref(name), []byte(name)); err != nil || c.Op != provider.OpCreate {
			t.Fatalf("put %s: %v, %v", name, c, err)
		}
	}
	if c, err := p.PutBlob(ctx, ref("redis/c.rdb"), []byte("new")); err != nil || c.Op != provider.OpUpdate {
		t.Fatalf("overwrite: %v, %v", c, err)
	}
	if got, err := p.GetBlob(ctx, ref("redis/c.rdb")); err != nil || string(got) != "new" {
		t.Errorf("get = %q, %v", got, err)
	}
	for prefix, want := range map[string][]string{
		"":         {".hidden", "mongodb/a.gz", "mongodb/restore/b.gz", "redis/c.rdb"},
		"mongodb/": {"mongodb/a.gz", "mongodb/restore/b.gz"},
		"nothing":  nil,
	} {
		got, err := p.ListBlobs(ctx, backups, prefix)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("list %q = %v, %v; want %v", prefix, got, err, want)
		}
	}
	if c, err := p.DeleteBlob(ctx, ref("mongodb/restore/b.gz")); err != nil || c.Op != provider.OpDelete {
		t.Fatalf("delete: %v, %v", c, err)
	}
	if _, err := os.Stat(filepath.Join(p.containerDir(backups), "mongodb", "restore")); !os.IsNotExist(err) {
		t.Errorf("empty virtual folder left behind: %v", err)
	}
	if _, err := p.GetBlob(ctx, ref("mongodb/restore/b.gz")); !provider.IsNotFound(err) {
		t.Errorf("get deleted blob: %v, want not found", err)
	}
	// Re-ensuring the account with fewer containers keeps the others' blobs.
	c, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg, Name: acct.Name, Location: acct.Location, Containers: []string{"aura-backups", "grafana"}})
	if err != nil || c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "containers added: grafana") {
		t.Errorf("add container: %v, %v", c, err)
	}
	if got, _ := p.ListBlobs(ctx, provider.ContainerRef{ResourceGroup: rg, Account: acct.Name, Container: "dns"}, ""); got != nil {
		t.Errorf("dns container: %v", got)
	}
}

// Bad input names the field and the value, and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	for _, o := range ensureOps() {
		if _, err := o.run(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	blob := func(name string) provider.BlobRef {
		return provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "aura-backups", Name: name}
	}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"resource group with a slash", func() error {
			_, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "a/b"})
			return err
		}, `resource group name "a/b"`},
		{"resource group ..", func() error { _, err := p.DeleteResourceGroup(ctx, ".."); return err }, `resource group name ".."`},
		{"empty account", func() error {
			_, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg})
			return err
		}, `storage account name ""`},
		{"container name", func() error {
			_, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: rg, Name: acct.Name, Containers: []string{"../x"}})
			return err
		}, `storage container name "../x"`},
		{"blob escaping", func() error { _, err := p.PutBlob(ctx, blob("../../../../x"), nil); return err }, `blob name "../../../../x"`},
		{"absolute blob", func() error { _, err := p.PutBlob(ctx, blob("/etc/passwd"), nil); return err }, `blob name "/etc/passwd"`},
		{"empty segment", func() error { _, err := p.GetBlob(ctx, blob("a//b")); return err }, `blob name "a//b"`},
		{"record type", func() error {
			_, err := p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "x", Type: "PTRX", Values: []string{"a"}})
			return err
		}, `type "PTRX"`},
		{"cname with two values", func() error {
			_, err := p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "x", Type: "CNAME", Values: []string{"a", "b"}})
			return err
		}, "exactly one value"},
		{"record without values", func() error {
			_, err := p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "x", Type: "A"})
			return err
		}, "values is empty"},
		{"key name", func() error { _, err := p.EnsureKey(ctx, vaultRef, provider.VaultKey{Name: "a b"}); return err }, `key vault key name "a b"`},
		{"ai kind", func() error {
			_, err := p.EnsureAIService(ctx, provider.AIService{ResourceGroup: rg, Name: "x", Kind: "Vision"})
			return err
		}, `kind "Vision"`},
		{"missing resource group", func() error {
			_, err := p.EnsureKeyVault(ctx, provider.KeyVault{ResourceGroup: "nope", Name: "kv"})
			return err
		}, `resource group "nope" does not exist`},
		{"missing container", func() error {
			_, err := p.PutBlob(ctx, provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "nope", Name: "x"}, nil)
			return err
		}, `storage container "auraesdevcommon/nope" does not exist`},
		{"missing vault", func() error {
			_, err := p.EnsureKey(ctx, provider.VaultRef{ResourceGroup: rg, Name: "nope"}, provider.VaultKey{Name: "x"})
			return err
		}, `key vault "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tree(t, p.StateDir())
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
			if after := tree(t, p.StateDir()); after != before {
				t.Errorf("bad input changed the state")
			}
		})
	}
}

func TestCorruptStateIsNamed(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	setupZone(t, p)
	if err := os.WriteFile(p.zonePath(zone), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := p.ListRecordSets(ctx, zone)
	if err == nil || !strings.Contains(err.Error(), p.zonePath(zone)+" is corrupt") {
		t.Errorf("error %v, want it to name the corrupt file", err)
	}
}

// Writers in separate goroutines, each with its own Provider (as separate
// aura processes would have), must not lose each other's updates: EnsureKey
// is a read-modify-write of one file.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	for _, o := range ensureOps()[:6] { // up to the key vault and the dns zone
		if _, err := o.run(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		q, err := New(Options{StateDir: p.StateDir()})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("s-%d-%d", w, i)
				if _, err := q.EnsureKey(ctx, vaultRef, provider.VaultKey{Name: name}); err != nil {
					errs <- err
				}
				if _, err := q.PutRecordSet(ctx, zone, provider.RecordSet{Name: name, Type: "A", TTL: 1, Values: []string{"10.0.0.1"}}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range writers {
		for i := range each {
			name := fmt.Sprintf("s-%d-%d", w, i)
			if k, err := p.GetKey(ctx, vaultRef, name); err != nil || k.Name != name {
				t.Errorf("key %s = %+v, %v", name, k, err)
			}
			if _, err := p.GetRecordSet(ctx, zone, provider.RecordKey{Name: name, Type: "A"}); err != nil {
				t.Errorf("record %s: %v", name, err)
			}
		}
	}
}

// A crash can leave a temporary file in STATE/.tmp and a storage account
// with its containers but without its record. Re-running converges, and
// the garbage is never listed as a blob.
func TestRerunAfterCrash(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	if _, err := ensureOps()[0].run(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(p.containerDir(backups), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.StateDir(), tmpDirName, ".account.json1234"), []byte(`{"na`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := p.EnsureStorageAccount(ctx, acct)
	if err != nil || c.Op != provider.OpCreate || c.Detail != "containers added: dns" {
		t.Fatalf("re-run: %v, %v", c, err)
	}
	if c, err := p.EnsureStorageAccount(ctx, acct); err != nil || c.Changed() {
		t.Fatalf("third run: %v, %v", c, err)
	}
	if got, err := p.ListBlobs(ctx, backups, ""); err != nil || len(got) != 0 {
		t.Errorf("blobs after crash: %v, %v", got, err)
	}
}

// A cancelled context (Ctrl-C) stops before the write.
func TestCancelledContextWritesNothing(t *testing.T) {
	p, _ := newProvider(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := tree(t, p.StateDir())
	for _, o := range ensureOps() {
		if _, err := o.run(ctx, p); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", o.name, err)
		}
	}
	if after := tree(t, p.StateDir()); after != before {
		t.Error("a cancelled call wrote state")
	}
}
