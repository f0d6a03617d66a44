package phase

import (
	"context"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// TestCoreDNSLegacyNameHeld: the old platform's A record holds the
// legacy_services_domain name, where deploy_core wants a CNAME (which
// shares its name with nothing). deploy_core leaves it and says `aura dns`
// switches it; with force_dns_update it replaces it.
func TestCoreDNSLegacyNameHeld(t *testing.T) {
	ctx := context.Background()
	old := provider.RecordSet{Name: "ai-services-ap-dev", Type: "A", TTL: 3600, Values: []string{"51.105.10.20"}}
	cname := provider.RecordKey{Name: old.Name, Type: "CNAME"}
	for _, force := range []bool{false, true} {
		extra := "legacy_services_domain: ai-services-ap-dev.auracognitive.com\n"
		if force {
			extra += "force_dns_update: true\n"
		}
		e := testEnv(t, extra)
		mustRun(t, Common(e))
		if _, err := e.Provider.PutRecordSet(ctx, e.zone(), old); err != nil {
			t.Fatal(err)
		}
		res := mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())})
		_, aErr := e.Provider.GetRecordSet(ctx, e.zone(), old.Key())
		got, cErr := e.Provider.GetRecordSet(ctx, e.zone(), cname)
		if !force {
			if aErr != nil || !provider.IsNotFound(cErr) {
				t.Errorf("deploy_core: A record %v, CNAME %+v (%v); want the A record kept and no CNAME", aErr, got, cErr)
			}
			var said bool
			for _, a := range res.Actions {
				for _, c := range a.Changes {
					said = said || (c.Name == old.Name && strings.Contains(c.Detail, "held by the A record set") && strings.Contains(c.Detail, "aura dns"))
				}
			}
			if !said {
				t.Errorf("deploy_core did not say the name is held: %+v", res.Actions)
			}
			continue
		}
		if !provider.IsNotFound(aErr) || cErr != nil || got.Values[0] != e.ingressTarget() {
			t.Errorf("force_dns_update: A record %v, CNAME %+v (%v); want the CNAME to %s only", aErr, got, cErr, e.ingressTarget())
		}
	}
}
