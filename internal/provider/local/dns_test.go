package local

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func setupZone(t *testing.T, p *Provider) {
	t.Helper()
	ctx := context.Background()
	for _, o := range ensureOps()[:2] { // resource group, storage account
		if _, err := o.run(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.EnsureDNSZone(ctx, zone); err != nil {
		t.Fatal(err)
	}
	for _, rs := range []provider.RecordSet{
		{Name: "api", Type: "A", TTL: 300, Values: []string{"20.1.1.1", "20.1.1.2"}},
		{Name: "bot", Type: "CNAME", TTL: 3600, Values: []string{"old-cluster.westeurope.cloudapp.azure.com"}},
		{Name: "api", Type: "TXT", TTL: 60, Values: []string{"owner=aura"}},
		{Name: "unrelated", Type: "A", TTL: 300, Values: []string{"1.2.3.4"}},
	} {
		if _, err := p.PutRecordSet(ctx, zone, rs); err != nil {
			t.Fatal(err)
		}
	}
}

// `aura dns` backs up, switches; `aura dns --rollback` must give back the
// zone byte for byte, "-next" records created by the switch included.
func TestDNSBackupSwitchRestoreIsExact(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	setupZone(t, p)
	zoneFile := p.zonePath(zone)
	original, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatal(err)
	}
	originalSets, err := p.ListRecordSets(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	keys := []provider.RecordKey{{Name: "api", Type: "A"}, {Name: "bot", Type: "cname"}, {Name: "api-next", Type: "A"}, {Name: "api", Type: "A"}}
	dest := provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "dns", Name: "backup/es-dev.json"}

	c, err := provider.BackupRecords(ctx, p, zone, keys, dest)
	if err != nil || c.Op != provider.OpCreate {
		t.Fatalf("backup: %v, %v", c, err)
	}
	if c, err := provider.BackupRecords(ctx, p, zone, keys, dest); err != nil || c.Changed() {
		t.Fatalf("second backup of the same records: %v, %v; want unchanged", c, err)
	}

	// The switch: new addresses, a new target, a new -next record.
	for _, rs := range []provider.RecordSet{
		{Name: "api", Type: "A", TTL: 60, Values: []string{"51.0.0.9"}},
		{Name: "bot", Type: "CNAME", TTL: 3600, Values: []string{"new-cluster.westeurope.cloudapp.azure.com"}},
		{Name: "api-next", Type: "A", TTL: 300, Values: []string{"51.0.0.10"}},
	} {
		if c, err := p.PutRecordSet(ctx, zone, rs); err != nil || !c.Changed() {
			t.Fatalf("switch %s: %v, %v", rs.Key(), c, err)
		}
	}
	if switched, _ := os.ReadFile(zoneFile); bytes.Equal(switched, original) {
		t.Fatal("the switch did not change the zone")
	}

	changes, err := provider.RestoreRecords(ctx, p, zone, dest)
	if err != nil {
		t.Fatal(err)
	}
	var ops []provider.Op
	for _, c := range changes {
		ops = append(ops, c.Op)
	}
	// Deletes first, then by name: api-next A (delete), api A (update), bot CNAME (update).
	if want := []provider.Op{provider.OpDelete, provider.OpUpdate, provider.OpUpdate}; !reflect.DeepEqual(ops, want) {
		t.Errorf("restore did %v, want %v (%v)", ops, want, changes)
	}
	restored, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(restored, original) {
		t.Errorf("restored zone differs:\n%s\nwant:\n%s", restored, original)
	}
	if sets, _ := p.ListRecordSets(ctx, zone); !reflect.DeepEqual(sets, originalSets) {
		t.Errorf("restored record sets %v, want %v", sets, originalSets)
	}
	// A second rollback changes nothing.
	changes, err = provider.RestoreRecords(ctx, p, zone, dest)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Changed() {
			t.Errorf("second restore: %v", c)
		}
	}
}

func TestDNSRestoreRejectsBadBackups(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	setupZone(t, p)
	blob := func(name string) provider.BlobRef {
		return provider.BlobRef{ResourceGroup: rg, Account: acct.Name, Container: "dns", Name: name}
	}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"missing", "", "not found"},
		{"other-zone.json", `{"zone":"other.example.com","records":[]}`, `of zone "other.example.com"`},
		{"garbage.json", `{"zone":`, "unexpected EOF"},
		{"unknown-field.json", `{"zone":"aura.example.com","recs":[]}`, `unknown field "recs"`},
		{"present-without-record.json", `{"zone":"aura.example.com","records":[{"key":{"name":"api","type":"A"},"present":true}]}`, "records[0] (api A): present without a record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.content != "" {
				if _, err := p.PutBlob(ctx, blob(tc.name), []byte(tc.content)); err != nil {
					t.Fatal(err)
				}
			}
			before := tree(t, p.StateDir())
			_, err := provider.RestoreRecords(ctx, p, zone, blob(tc.name))
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Errorf("error %v, want it to mention %q", err, tc.want)
			}
			if after := tree(t, p.StateDir()); after != before {
				t.Error("a rejected restore changed the state")
			}
		})
	}
}
