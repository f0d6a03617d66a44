package fakecloud_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestCNAMEStandsAlone: as Azure DNS does, the fake refuses a CNAME where
// another record set has the name (the apex's SOA and NS included) and any
// record set where a CNAME has it, with 409 Conflict, changing nothing; a
// CNAME of another name is fine.
func TestCNAMEStandsAlone(t *testing.T) {
	ctx := context.Background()
	c := fakecloud.New()
	s := fakecloud.NewServer(c, sp)
	defer s.Close()
	p := overHTTPS(t, s, sp.ClientSecret)
	zone := provider.Zone{ResourceGroup: "rg", Name: "example.com"}
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg", Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureDNSZone(ctx, zone); err != nil {
		t.Fatal(err)
	}
	put := func(name, typ, value string) error {
		_, err := p.PutRecordSet(ctx, zone, provider.RecordSet{Name: name, Type: typ, TTL: 300, Values: []string{value}})
		return err
	}
	for _, rs := range [][3]string{{"legacy", "A", "10.0.0.1"}, {"services", "CNAME", "ingress.example.net"}} {
		if err := put(rs[0], rs[1], rs[2]); err != nil {
			t.Fatal(err)
		}
	}
	before := c.Snapshot()
	for _, tc := range []struct{ name, typ, value string }{
		{"legacy", "CNAME", "ingress.example.net"},
		{"services", "TXT", "verification"},
		{"services", "A", "10.0.0.2"},
		{"@", "CNAME", "ingress.example.net"},
	} {
		var re *azcore.ResponseError
		if err := put(tc.name, tc.typ, tc.value); !errors.As(err, &re) || re.StatusCode != http.StatusConflict {
			t.Errorf("%s %s beside another type: %v, want 409 Conflict", tc.name, tc.typ, err)
		}
	}
	if after := c.Snapshot(); after != before {
		t.Errorf("refused writes changed the zone:\nbefore %s\nafter  %s", before, after)
	}
	if err := put("legacy-next", "CNAME", "ingress.example.net"); err != nil {
		t.Errorf("a CNAME of a free name: %v", err)
	}
}
