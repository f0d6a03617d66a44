package phase

import (
	"context"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// TestCoreDNSNextOff: deploy_core with next_domains_enabled off deletes the
// -next records that point at its own deployment, keeps those pointing at
// another one (a release namespace under test), never touches the
// environment's names, and has nothing to do when run again.
func TestCoreDNSNextOff(t *testing.T) {
	for _, tc := range []struct {
		name        string
		nextOnNS    bool // the -next names were last deployed from the release namespace
		lowTTL      bool // an operator lowered their TTL by hand: they still point here
		wantDeleted bool
	}{
		{"-next on this deployment", false, false, true},
		{"-next on this deployment, ttl lowered", false, true, true},
		{"-next on the release namespace", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv(t, "next_domains_enabled: true\n")
			mustRun(t, Common(e))
			mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())})
			if tc.nextOnNS {
				e.ReleaseNamespace = true
				mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())})
				e.ReleaseNamespace = false
			}
			if tc.lowTTL {
				for _, rs := range e.records(true) {
					rs.TTL = 60
					if _, err := e.Provider.PutRecordSet(context.Background(), e.zone(), rs); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := zoneRecords(t, e)

			e.Cfg.NextDomainsEnabled = false
			changes := mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())}).Changes()
			after := zoneRecords(t, e)
			var want []provider.RecordSet
			for _, rs := range before {
				if !tc.wantDeleted || !strings.HasSuffix(rs.Name, "-next") {
					want = append(want, rs)
				}
			}
			if len(after) != len(want) {
				t.Fatalf("records after: %+v\nwant %+v", after, want)
			}
			for i := range want {
				if after[i].Name != want[i].Name || !sameRecord(after[i], want[i]) {
					t.Errorf("record %d: %+v, want %+v", i, after[i], want[i])
				}
			}
			deleted := 0
			for _, c := range changes {
				if c.Op == provider.OpDelete {
					deleted++
					if c.Detail != "next_domains_enabled is off" {
						t.Errorf("%s: detail %q, want the reason", c.Name, c.Detail)
					}
				}
			}
			if n := len(before) - len(after); deleted != n || (tc.wantDeleted && n == 0) {
				t.Errorf("%d deletes reported, %d record sets gone (changes %+v)", deleted, n, changes)
			}
			if again := mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())}).Changes(); len(again) != 0 {
				t.Errorf("run again: %+v", again)
			}
		})
	}
}
