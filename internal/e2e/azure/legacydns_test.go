package azure

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns"

	"github.com/auracognitive/aurak8s/internal/config"
)

// TestDNSSwitchTakesLegacyName: legacy_services_domain keeps the old
// Aura's services name (guide: "Keeping old services"), which the zone
// holds as the old platform's A record. A CNAME shares its name with no
// other record set (Azure answers 409), so `aura dns` saves the A record
// with the rest and replaces it; `--rollback` puts it back, and the zone is
// as before. The switch needs no cluster: deploy_common made the zone and
// the account of the backup.
func TestDNSSwitchTakesLegacyName(t *testing.T) {
	w := newWorld(t)
	const legacy = "ai-services-ap-dev"
	w.writeOverlay(baseOverlay + "legacy_services_domain: " + legacy + "." + config.DNSZone + "\n")
	w.config = w.load()
	w.ok("deploy_common")
	ttl, ip := int64(3600), "51.105.10.20"
	name := legacy
	if err := w.cloud.SetRecordSet(w.config.Derived.CommonResourceGroup, config.DNSZone, armdns.RecordTypeA, armdns.RecordSet{Name: &name,
		Properties: &armdns.RecordSetProperties{TTL: &ttl, ARecords: []*armdns.ARecord{{IPv4Address: &ip}}}}); err != nil {
		t.Fatal(err)
	}
	before := w.dnsZone()

	r := w.ok("dns")
	w.expectWrites(r, append(prefixed("PUT ", w.names(false)), "DELETE "+legacy+"/a", "PUT "+legacy+"/cname"))
	after := w.dnsZone()
	w.pointAt("dns", append(w.names(false), legacy+"/cname"), w.usualTarget())
	if after[legacy+"/a"] != "" {
		t.Errorf("dns left the old A record beside the CNAME: %s", after[legacy+"/a"])
	}
	w.rerunWritesNothing("dns")

	r = w.ok("dns", "--rollback")
	w.expectWrites(r, append(prefixed("DELETE ", w.names(false)), "DELETE "+legacy+"/cname", "PUT "+legacy+"/a"))
	w.sameZoneBut("dns --rollback", before, w.dnsZone(), nil)
}
