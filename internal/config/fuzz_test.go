package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain bounds the minimization of each new fuzzing input to 3 s unless
// -fuzzminimizetime is given: a load takes about a millisecond and
// minimizing costs a number of loads quadratic in the input's size, so
// Go's default of 60 s let one input from a large corpus stop both workers
// for a minute.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.fuzzminimizetime" })
	if !given {
		if err := flag.Set("test.fuzzminimizetime", "3s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// FuzzLoad feeds arbitrary files to the loader, as an --ecfg file over a
// valid configuration (testdata/minimal.yml), so mutations reach the rules
// and templates instead of stopping at missing keys. It must never panic,
// and it must either load or return *Errors whose every line names a file.
//
// The seeds stay a few lines long. The fuzzer minimizes every input that
// reaches new code, at a cost quadratic in its size: with the 13 KB example
// configuration as a seed, both workers spent their first minute minimizing
// (0 execs/s). The loaded file is rewritten in place, not made in a new
// temporary directory per input (a worker runs one input at a time).
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"environment_type: [\n",
		"a: &x {b: *x}\n",
		"infrastructure: {compute: {agentpools: {common: null, x: [1]}}}\n",
		"aura_encryption_key: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n",
		"genesys: {push_provider: '{{ undefined_var }}'}\natlas_cluster_name: '{% for %}'\n",
		"atlas_cluster_name: \"{% for i in range(3) %}{{ environment_name }}{% endfor %}\"\n",
		"<<: {a: 1}\nnotifications_webhooks: [{name: 1, url: 2, severity: 3}]\n",
		"notifications_webhooks: [{name: ops, url: 'https://hooks.example.com/x?token=t0k', severity: critical}]\n",
		"local: {state_dir: testdata/minimal.yml/state}\nprovider: local\n",
		"--- 1\n--- 2\n",
	} {
		f.Add([]byte(seed))
	}
	base, err := filepath.Abs("testdata/minimal.yml")
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	over := filepath.Join(dir, "fuzz.yml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(over, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(LoadOptions{CfgFile: base, ExtraDir: dir, VaultPassword: "pw"})
		if err == nil {
			if cfg == nil || cfg.Derived.Components == nil {
				t.Fatal("nil config without error")
			}
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) || len(errs.Problems) == 0 {
			t.Fatalf("error %T without problems: %v", err, err)
		}
		for _, pr := range errs.Problems {
			if pr.File == "" && pr.From == "" {
				t.Fatalf("problem names no file: %v", pr)
			}
			if strings.Contains(pr.Msg, "cannot decode configuration") {
				t.Fatalf("the checker let an undecodable value through: %v", pr)
			}
		}
	})
}
