package azure

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func testZone(t *testing.T, e *env) provider.Zone {
	t.Helper()
	e.group(t, testRG)
	z := provider.Zone{ResourceGroup: testRG, Name: "auracognitive.com"}
	must(t)(e.p.EnsureDNSZone(context.Background(), z))
	return z
}

// TestListRecordSetsSortedWithoutZoneRecords: the zone's own SOA and NS
// are Azure's, not aura's; the rest comes sorted by name and type.
func TestListRecordSetsSortedWithoutZoneRecords(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	z := testZone(t, e)
	for _, rs := range []provider.RecordSet{
		{Name: "www", Type: "CNAME", TTL: 300, Values: []string{"bot-es-dev.auracognitive.com"}},
		{Name: "bot-es-dev", Type: "A", TTL: 300, Values: []string{"20.1.1.1"}},
		{Name: "bot-es-dev", Type: "TXT", TTL: 60, Values: []string{"v=1"}},
		{Name: "api-es-dev", Type: "a", TTL: 300, Values: []string{"20.1.1.2", "20.1.1.3"}},
	} {
		must(t)(e.p.PutRecordSet(ctx, z, rs))
	}
	got, err := e.p.ListRecordSets(ctx, z)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, rs := range got {
		keys = append(keys, rs.Key().String())
	}
	want := []string{"api-es-dev A", "bot-es-dev A", "bot-es-dev TXT", "www CNAME"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("ListRecordSets = %q, want %q", keys, want)
	}
}

func TestRecordSetsCompareValuesAsSets(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	z := testZone(t, e)
	must(t)(e.p.PutRecordSet(ctx, z, provider.RecordSet{Name: "api", Type: "A", TTL: 300, Values: []string{"20.1.1.2", "20.1.1.3"}}))
	e.rec.reset()
	if c := must(t)(e.p.PutRecordSet(ctx, z, provider.RecordSet{Name: "api", Type: "A", TTL: 300, Values: []string{"20.1.1.3", "20.1.1.2"}})); c.Changed() {
		t.Errorf("the same addresses in another order: %q", c)
	}
	c := must(t)(e.p.PutRecordSet(ctx, z, provider.RecordSet{Name: "api", Type: "A", TTL: 60, Values: []string{"20.1.1.2", "20.1.1.3"}}))
	if c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "ttl 300 → 60") || len(e.rec.writes()) != 1 {
		t.Errorf("ttl change: %q, writes %q", c, e.rec.writes())
	}
	if _, err := e.p.PutRecordSet(ctx, z, provider.RecordSet{Name: "mail", Type: "MX", TTL: 300, Values: []string{"10 mx.example.com"}}); err == nil ||
		!strings.Contains(err.Error(), "A, AAAA, CNAME and TXT") {
		t.Errorf("an MX record: %v", err)
	}
}

// TestLongTXTRecordRoundTrips: a TXT value longer than DNS's 255-character
// strings is split on the way in and joined on the way out.
func TestLongTXTRecordRoundTrips(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	z := testZone(t, e)
	long := strings.Repeat("k", 600)
	must(t)(e.p.PutRecordSet(ctx, z, provider.RecordSet{Name: "dkim", Type: "TXT", TTL: 300, Values: []string{long}}))
	if !strings.Contains(e.cloud.Snapshot(), `"`+strings.Repeat("k", 255)+`",`) {
		t.Error("the value was not split into 255-character strings")
	}
	got, err := e.p.GetRecordSet(ctx, z, provider.RecordKey{Name: "dkim", Type: "TXT"})
	if err != nil || len(got.Values) != 1 || got.Values[0] != long {
		t.Errorf("GetRecordSet = %d values, %v", len(got.Values), err)
	}
	e.rec.reset()
	if c := must(t)(e.p.PutRecordSet(ctx, z, provider.RecordSet{Name: "dkim", Type: "TXT", TTL: 300, Values: []string{long}})); c.Changed() {
		t.Errorf("second put: %q", c)
	}
}

func TestDeleteRecordInMissingZone(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	c, err := e.p.DeleteRecordSet(context.Background(), provider.Zone{ResourceGroup: testRG, Name: "none.example"}, provider.RecordKey{Name: "api", Type: "A"})
	if err != nil || c.Changed() {
		t.Errorf("%q, %v; want unchanged (no zone, no record)", c, err)
	}
}
