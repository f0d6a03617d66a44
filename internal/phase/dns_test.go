package phase

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/release"
)

// testEnv is the example configuration on a local provider without a
// cluster: enough for the phases that only touch provider state.
func testEnv(t *testing.T, extra string) *Env {
	t.Helper()
	dir := t.TempDir()
	base, err := os.ReadFile(filepath.Join("..", "..", "examples", "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "config.yml")
	ecfg := filepath.Join(dir, "profile")
	if err := os.WriteFile(cfgFile, base, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ecfg, "override.yml"), []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{CfgFile: cfgFile, ExtraDir: ecfg, VaultPassword: "aura-demo"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := local.New(local.Options{StateDir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Cfg: cfg, Provider: p, Release: rel, OutputDir: filepath.Join(dir, "output_install")}
}

func mustRun(t *testing.T, ph Phase) *Result {
	t.Helper()
	res, err := (&Runner{}).Run(context.Background(), ph)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func zoneRecords(t *testing.T, e *Env) []provider.RecordSet {
	t.Helper()
	rs, err := e.Provider.ListRecordSets(context.Background(), e.zone())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestDNSSwitchAndRollback: the switch backs up what it changes, a second
// switch changes nothing (and keeps that backup), and the rollback restores
// the records exactly — including removing records the switch created.
func TestDNSSwitchAndRollback(t *testing.T) {
	e := testEnv(t, "")
	mustRun(t, Common(e))
	// What deploy_core created for the usual namespace, plus a foreign record.
	mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())})
	if _, err := e.Provider.PutRecordSet(context.Background(), e.zone(), provider.RecordSet{Name: "other", Type: "A", TTL: 60, Values: []string{"10.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	before := zoneRecords(t, e)
	if len(before) < 2 {
		t.Fatalf("core created no records: %v", before)
	}

	e.ReleaseNamespace = true // the new core namespace (--ns)
	if got := mustRun(t, DNS(e)).Changes(); len(got) == 0 {
		t.Fatal("the switch changed nothing")
	}
	for _, rs := range zoneRecords(t, e) {
		if rs.Name != "other" && rs.Values[0] != e.ingressTarget() {
			t.Errorf("%s points to %v, want %s", rs.Name, rs.Values, e.ingressTarget())
		}
	}
	if got := mustRun(t, DNS(e)).Changes(); len(got) != 0 {
		t.Fatalf("a second switch changed %v", got)
	}

	mustRun(t, DNSRollback(e))
	after := zoneRecords(t, e)
	if len(after) != len(before) {
		t.Fatalf("rollback: %d records, want %d", len(after), len(before))
	}
	for i := range before {
		if !sameRecord(before[i], after[i]) || before[i].Name != after[i].Name {
			t.Errorf("rollback: record %d is %+v, want %+v", i, after[i], before[i])
		}
	}
}

// TestDNSRollbackWithoutBackup says there is nothing to roll back.
func TestDNSRollbackWithoutBackup(t *testing.T) {
	e := testEnv(t, "")
	mustRun(t, Common(e))
	if _, err := (&Runner{}).Run(context.Background(), DNSRollback(e)); err == nil {
		t.Fatal("rollback without a backup succeeded")
	}
}

// TestCoreDNSKeepsForeignTargets: deploy_core does not move existing names
// unless force_dns_update; the -next names always follow the new deployment.
func TestCoreDNSKeepsForeignTargets(t *testing.T) {
	for _, force := range []bool{false, true} {
		extra := "next_domains_enabled: true\n"
		if force {
			extra += "force_dns_update: true\n"
		}
		e := testEnv(t, extra)
		mustRun(t, Common(e))
		mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())})
		old := e.ingressTarget()
		e.ReleaseNamespace = true
		mustRun(t, Phase{Name: "core dns", Steps: Sequence(e.coreDNSAction())})
		for _, rs := range zoneRecords(t, e) {
			next := len(rs.Name) > 5 && rs.Name[len(rs.Name)-5:] == "-next"
			want := old
			if next || force {
				want = e.ingressTarget()
			}
			if rs.Values[0] != want {
				t.Errorf("force=%v: %s points to %s, want %s", force, rs.Name, rs.Values[0], want)
			}
		}
	}
}
