// Package providertest is the contract every provider implementation
// passes (DESIGN.md §6a): an Ensure run twice changes nothing the second
// time; a dry run predicts the change and writes nothing; a cancelled
// context writes nothing; a delete run twice is a no-op the second time;
// DNS record sets backed up and restored are exactly what they were.
//
// An implementation's test calls Run with a Harness that builds the
// provider on empty state and fingerprints everything it wrote.
package providertest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Env is one provider on its own, initially empty, state.
type Env struct {
	Provider provider.Provider
	// State fingerprints everything the provider has written (files, a fake
	// cloud's resources and blobs, a count of write requests...): equal
	// fingerprints mean nothing was written in between.
	State func(t *testing.T) string
}

// Harness builds Envs for the suite.
type Harness struct {
	New func(t *testing.T) Env
}

// Run runs the whole contract. Operations that fail with an error wrapping
// provider.ErrNotInBuild are skipped, each with its own message, so the
// output says what the implementation lacks.
func Run(t *testing.T, h Harness) {
	t.Run("EnsureTwiceChangesNothing", func(t *testing.T) { ensureTwice(t, h.New(t)) })
	t.Run("DryRunPredictsAndWritesNothing", func(t *testing.T) { dryRun(t, h.New(t)) })
	t.Run("DryRunOnEmptyStatePlansEverything", func(t *testing.T) { dryRunEmpty(t, h.New(t)) })
	t.Run("CancelledContextWritesNothing", func(t *testing.T) { cancelled(t, h.New(t)) })
	t.Run("DeleteTwiceIsNoOp", func(t *testing.T) { deleteTwice(t, h.New(t)) })
	t.Run("DNSBackupRestoreExact", func(t *testing.T) { dnsBackupRestore(t, h.New(t)) })
	t.Run("BlobsRoundTrip", func(t *testing.T) { blobs(t, h.New(t)) })
	t.Run("KeysAndSecrets", func(t *testing.T) { keysAndSecrets(t, h.New(t)) })
	t.Run("StopStartOnlyWhenNeeded", func(t *testing.T) { stopStart(t, h.New(t)) })
}

// notInBuild reports (and logs) an operation this implementation lacks.
func notInBuild(t *testing.T, name string, err error) bool {
	t.Helper()
	if errors.Is(err, provider.ErrNotInBuild) {
		t.Logf("%s: skipped: %v", name, err)
		return true
	}
	return false
}

// populate runs EnsureOps and returns those the implementation has.
func populate(t *testing.T, e Env) []Op {
	t.Helper()
	ctx := context.Background()
	var have []Op
	for _, o := range EnsureOps() {
		c, err := o.Run(ctx, e.Provider)
		if notInBuild(t, o.Name, err) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		if !c.Changed() {
			t.Errorf("%s on empty state reported %q, want a change", o.Name, c)
		}
		have = append(have, o)
	}
	return have
}

func ensureTwice(t *testing.T, e Env) {
	ops := populate(t, e)
	before := e.State(t)
	for _, o := range ops {
		c, err := o.Run(context.Background(), e.Provider)
		if err != nil {
			t.Fatalf("%s: second run: %v", o.Name, err)
		}
		if c.Changed() || c.Op != provider.OpNone {
			t.Errorf("%s: second run reported %q, want unchanged", o.Name, c)
		}
	}
	if after := e.State(t); after != before {
		t.Errorf("second run wrote:\n%s\n--- became ---\n%s", before, after)
	}
}

// dryRun: for each operation in deployment order, the dry run predicts
// exactly what the real call then does, and writes nothing.
func dryRun(t *testing.T, e Env) {
	ctx := context.Background()
	dry := e.Provider.DryRun()
	check := func(ops []Op) {
		for _, o := range ops {
			before := e.State(t)
			predicted, err := o.Run(ctx, dry)
			if notInBuild(t, o.Name, err) {
				continue
			}
			if err != nil {
				t.Fatalf("%s: dry run: %v", o.Name, err)
			}
			if after := e.State(t); after != before {
				t.Errorf("%s: dry run wrote:\n%s\n--- became ---\n%s", o.Name, before, after)
			}
			got, err := o.Run(ctx, e.Provider)
			if err != nil {
				t.Fatalf("%s: %v", o.Name, err)
			}
			if !got.Changed() {
				t.Errorf("%s: real run reported %q, want a change", o.Name, got)
			}
			if predicted.Op != got.Op || predicted.Kind != got.Kind || predicted.Name != got.Name {
				t.Errorf("%s: dry run predicted %q, the real run did %q", o.Name, predicted, got)
			}
		}
	}
	check(EnsureOps())
	check(ChangedOps())
	check(DeleteOps())
}

// dryRunEmpty: a whole deployment planned on nothing fails nowhere, plans a
// change for every resource and writes nothing.
func dryRunEmpty(t *testing.T, e Env) {
	before := e.State(t)
	dry := e.Provider.DryRun()
	for _, o := range EnsureOps() {
		c, err := o.Run(context.Background(), dry)
		if notInBuild(t, o.Name, err) {
			continue
		}
		if err != nil {
			t.Errorf("%s: dry run on empty state: %v", o.Name, err)
			continue
		}
		if c.Op != provider.OpCreate {
			t.Errorf("%s: dry run on empty state planned %q, want create", o.Name, c)
		}
	}
	if after := e.State(t); after != before {
		t.Errorf("dry run wrote:\n%s\n--- became ---\n%s", before, after)
	}
}

func cancelled(t *testing.T, e Env) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run := func(phase string, ops []Op) {
		for _, o := range ops {
			before := e.State(t)
			c, err := o.Run(ctx, e.Provider)
			if notInBuild(t, o.Name, err) {
				continue
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s %s with a cancelled context: got %q, %v; want context.Canceled", phase, o.Name, c, err)
			}
			if after := e.State(t); after != before {
				t.Errorf("%s %s with a cancelled context wrote:\n%s\n--- became ---\n%s", phase, o.Name, before, after)
			}
		}
	}
	run("on empty state:", EnsureOps())
	populate(t, e)
	run("on deployed state:", ChangedOps())
	run("on deployed state:", DeleteOps())
}

func deleteTwice(t *testing.T, e Env) {
	populate(t, e)
	ctx := context.Background()
	for _, o := range DeleteOps() {
		c, err := o.Run(ctx, e.Provider)
		if notInBuild(t, o.Name, err) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		if c.Op != provider.OpDelete {
			t.Errorf("%s: first delete reported %q, want delete", o.Name, c)
		}
	}
	before := e.State(t)
	for _, o := range DeleteOps() {
		c, err := o.Run(ctx, e.Provider)
		if notInBuild(t, o.Name, err) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: second delete: %v", o.Name, err)
		}
		if c.Changed() {
			t.Errorf("%s: second delete reported %q, want unchanged", o.Name, c)
		}
	}
	if after := e.State(t); after != before {
		t.Errorf("second delete wrote:\n%s\n--- became ---\n%s", before, after)
	}
}

// dnsBackupRestore: `aura dns` backs up the records it will switch, then
// changes, deletes and creates some; `aura dns --rollback` must bring the
// zone back exactly.
func dnsBackupRestore(t *testing.T, e Env) {
	ctx := context.Background()
	p := e.Provider
	mustOK(t, "resource group")(p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: RG, Location: Location}))
	mustOK(t, "storage account")(p.EnsureStorageAccount(ctx, account))
	mustOK(t, "dns zone")(p.EnsureDNSZone(ctx, zone))
	for _, rs := range records {
		mustOK(t, "record "+rs.Key().String())(p.PutRecordSet(ctx, zone, rs))
	}
	original, err := p.ListRecordSets(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]provider.RecordSet(nil), records...)
	provider.SortRecordSets(want)
	if !sameRecords(original, want) {
		t.Fatalf("ListRecordSets = %+v, want %+v (sorted by name, type)", original, want)
	}
	dest := provider.BlobRef{ResourceGroup: RG, Account: account.Name, Container: "dns", Name: "es-ct.json"}
	keys := []provider.RecordKey{records[0].Key(), records[1].Key(), {Name: "api-next", Type: "A"}}
	mustOK(t, "backup")(provider.BackupRecords(ctx, p, zone, keys, dest))
	if c, err := provider.BackupRecords(ctx, p, zone, keys, dest); err != nil || c.Changed() {
		t.Errorf("backing up unchanged records again: %q, %v; want unchanged", c, err)
	}

	mustOK(t, "switch api")(p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "api", Type: "A", TTL: 60, Values: []string{"10.9.9.9"}}))
	mustOK(t, "delete bot")(p.DeleteRecordSet(ctx, zone, records[1].Key()))
	mustOK(t, "create api-next")(p.PutRecordSet(ctx, zone, provider.RecordSet{Name: "api-next", Type: "A", TTL: 300, Values: []string{"10.0.0.1"}}))

	if _, err := provider.RestoreRecords(ctx, p, zone, dest); err != nil {
		t.Fatalf("restore: %v", err)
	}
	restored, err := p.ListRecordSets(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	if !sameRecords(restored, original) {
		t.Errorf("after restore:\n%+v\nwant exactly:\n%+v", restored, original)
	}
	changes, err := provider.RestoreRecords(ctx, p, zone, dest)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Changed() {
			t.Errorf("second restore: %q, want unchanged", c)
		}
	}
}

func sameRecords(a, b []provider.RecordSet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key() != b[i].Key() || a[i].TTL != b[i].TTL || !slices.Equal(a[i].Values, b[i].Values) {
			return false
		}
	}
	return true
}

func blobs(t *testing.T, e Env) {
	ctx := context.Background()
	p := e.Provider
	mustOK(t, "resource group")(p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: RG, Location: Location}))
	mustOK(t, "storage account")(p.EnsureStorageAccount(ctx, account))
	names := []string{"mongodb/b.gz", "mongodb/a.gz", "redis/x.gz"}
	for _, n := range names {
		ref := blob
		ref.Name = n
		mustOK(t, "put "+n)(p.PutBlob(ctx, ref, []byte("data of "+n)))
		got, err := p.GetBlob(ctx, ref)
		if err != nil || !bytes.Equal(got, []byte("data of "+n)) {
			t.Errorf("GetBlob(%s) = %q, %v", n, got, err)
		}
	}
	list, err := p.ListBlobs(ctx, blob.ContainerRef(), "mongodb/")
	if err != nil || !reflect.DeepEqual(list, []string{"mongodb/a.gz", "mongodb/b.gz"}) {
		t.Errorf("ListBlobs(mongodb/) = %q, %v; want the two mongodb blobs, sorted", list, err)
	}
	missing := blob
	missing.Name = "mongodb/none.gz"
	if _, err := p.GetBlob(ctx, missing); !provider.IsNotFound(err) {
		t.Errorf("GetBlob of a missing blob: %v, want ErrNotFound", err)
	}
	k1, err1 := p.StorageAccountKey(ctx, accountRef)
	k2, err2 := p.StorageAccountKey(ctx, accountRef)
	if err1 != nil || err2 != nil || k1 == "" || k1 != k2 {
		t.Errorf("StorageAccountKey twice: %v, %v; want one stable non-empty key", err1, err2)
	}
	if _, err := p.StorageAccountKey(ctx, provider.ResourceRef{ResourceGroup: RG, Name: "auranone"}); !provider.IsNotFound(err) {
		t.Errorf("StorageAccountKey of a missing account: %v, want ErrNotFound", err)
	}
}

func keysAndSecrets(t *testing.T, e Env) {
	ctx := context.Background()
	p := e.Provider
	mustOK(t, "resource group")(p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: RG, Location: Location}))
	mustOK(t, "key vault")(p.EnsureKeyVault(ctx, vault))
	if _, err := p.EnsureKey(ctx, vaultRef, provider.VaultKey{Name: "aura-cmk"}); notInBuild(t, "key", err) {
		return
	} else if err != nil {
		t.Fatal(err)
	}
	k, err := p.GetKey(ctx, vaultRef, "aura-cmk")
	if err != nil || k.ID == "" || k.Type != "RSA" || k.Size != 2048 {
		t.Errorf("GetKey = %+v, %v; want an RSA-2048 key with an ID", k, err)
	}
	if _, err := p.EnsureKey(ctx, vaultRef, provider.VaultKey{Name: "aura-cmk", Size: 4096}); err == nil {
		t.Error("EnsureKey of an existing key with another size succeeded; want an error (keys cannot change in place)")
	}
	if _, err := p.GetKey(ctx, vaultRef, "none"); !provider.IsNotFound(err) {
		t.Errorf("GetKey of a missing key: %v, want ErrNotFound", err)
	}
}

func stopStart(t *testing.T, e Env) {
	ctx := context.Background()
	p := e.Provider
	mustOK(t, "resource group")(p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: RG, Location: Location}))
	mustOK(t, "cluster")(p.EnsureCluster(ctx, cluster))
	steps := []struct {
		name  string
		call  func(context.Context, provider.ClusterRef) (provider.Change, error)
		op    provider.Op
		state provider.ClusterState
	}{
		{"stop", p.StopCluster, provider.OpUpdate, provider.ClusterStopped},
		{"stop again", p.StopCluster, provider.OpNone, provider.ClusterStopped},
		{"start", p.StartCluster, provider.OpUpdate, provider.ClusterRunning},
		{"start again", p.StartCluster, provider.OpNone, provider.ClusterRunning},
	}
	for _, s := range steps {
		before := e.State(t)
		c, err := s.call(ctx, cluster.Ref())
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if c.Op != s.op {
			t.Errorf("%s: %q, want %s", s.name, c, s.op)
		}
		if s.op == provider.OpNone {
			if c.Detail == "" {
				t.Errorf("%s: no detail saying why nothing was done", s.name)
			}
			if after := e.State(t); after != before {
				t.Errorf("%s wrote:\n%s\n--- became ---\n%s", s.name, before, after)
			}
		}
		if st, err := p.ClusterState(ctx, cluster.Ref()); err != nil || st != s.state {
			t.Errorf("after %s: state %q, %v; want %q", s.name, st, err, s.state)
		}
	}
	if _, err := p.Kubeconfig(ctx, cluster.Ref()); err != nil {
		t.Errorf("Kubeconfig: %v", err)
	}
	if ips, err := p.ClusterOutboundIPs(ctx, cluster.Ref()); err != nil || len(ips) == 0 {
		t.Errorf("ClusterOutboundIPs = %v, %v; want at least one address", ips, err)
	}
}

func mustOK(t *testing.T, what string) func(provider.Change, error) {
	t.Helper()
	return func(_ provider.Change, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}
