package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
)

// examplesDir is resolved before any test changes the working directory.
var examplesDir, _ = filepath.Abs(filepath.Join("..", "..", "examples"))

// phaseConfig copies examples/config.yml into a fresh working directory
// that the test changes into, with extra YAML as an --ecfg overlay (the returned arguments).
func phaseConfig(t *testing.T, extra string) []string {
	t.Helper()
	base, err := os.ReadFile(filepath.Join(examplesDir, "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, base, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--cfg", cfg}
	if extra != "" {
		ecfg := filepath.Join(dir, "profile")
		if err := os.MkdirAll(ecfg, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ecfg, "override.yml"), []byte(extra), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--ecfg", ecfg)
	}
	return args
}

// TestPhaseBadInputChangesNothing: bad input fails with exit 2, names what
// is wrong, and leaves no state behind.
func TestPhaseBadInputChangesNothing(t *testing.T) {
	t.Setenv("AURA_VAULT_PASSWORD", "")
	cases := []struct {
		name  string
		extra string
		args  []string
		want  string
	}{
		{"invalid config", "aks_sku_tier: Gold\n", []string{"deploy_common", "-v", "p"}, "aks_sku_tier"},
		{"missing vault password", "", []string{"deploy_common"}, "vault password is required"},
		{"unknown -t component", "", []string{"deploy_core", "-v", "p", "-t", "nlp", "user-helpr"}, "user-helpr"},
		{"disabled -t component", "", []string{"deploy_core", "-v", "p", "-t", "qdrant"}, "qdrant"},
		{"stray argument", "", []string{"deploy_core", "-v", "p", "nlp"}, "after -t"},
		{"bad --output", "", []string{"deploy_common", "-v", "p", "--output", "xml"}, "--output"},
		{"missing credentials file", "", []string{"deploy_common", "-v", "p", "-c", "nope.json"}, "nope.json"},
		{"incomplete credentials", "", []string{"deploy_common", "-v", "p", "-c", "creds.json"}, "AZURE_SECRET"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := phaseConfig(t, c.extra)
			if err := os.WriteFile("creds.json", []byte(`{"AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001"}`), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errs := run(t, append(c.args, args...)...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, ExitUsage, out, errs)
			}
			if !strings.Contains(errs, c.want) {
				t.Fatalf("stderr does not name %q:\n%s", c.want, errs)
			}
			if _, err := os.Stat(".aura"); !os.IsNotExist(err) {
				t.Fatal("a refused command created the state directory")
			}
		})
	}
}

// TestUnknownComponentListsThem: a -t typo is refused with a suggestion and
// the list of components, so the user needs no other command to fix it.
func TestUnknownComponentListsThem(t *testing.T) {
	args := phaseConfig(t, "")
	code, _, errs := run(t, append([]string{"deploy_core", "-v", "p", "-t", "nlp", "user-helpr"}, args...)...)
	if code != ExitUsage {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{`unknown component "user-helpr"`, `did you mean "user-helper"?`, "nlp (aura-nlp), ", ", aurapush-sendfeedback-service"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error does not say %q: %s", want, errs)
		}
	}
}

// TestCredentialsFileReadableByOthersWarns: the guide's credentials.json
// holds a client secret; a group/world-readable file gets a warning.
func TestCredentialsFileReadableByOthersWarns(t *testing.T) {
	args := phaseConfig(t, "")
	creds := `{"AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001", "AZURE_SECRET": "s3cr3t-value",
		"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000002", "AZURE_TENANT": "00000000-0000-0000-0000-000000000003"}`
	if err := os.WriteFile("credentials.json", []byte(creds), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, append([]string{"plan", "deploy_common", "-v", "p", "-c", "credentials.json"}, args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "chmod 600") {
		t.Fatalf("no warning about the file mode:\n%s", errs)
	}
	if strings.Contains(out+errs, "s3cr3t-value") {
		t.Fatal("the client secret reached the output")
	}
}

// TestPlanChangesNothing: `aura plan` and --dry-run print the plan and
// write no state.
func TestPlanChangesNothing(t *testing.T) {
	for _, args := range [][]string{{"plan", "deploy_common"}, {"deploy_common", "--dry-run"}, {"plan", "deploy_infra"}} {
		code, out, errs := run(t, append(append(args, "-v", "p"), phaseConfig(t, "")...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if !strings.Contains(out, "planned") || !strings.Contains(out, "create resource group") {
			t.Fatalf("%v printed no plan:\n%s", args, out)
		}
		left, _ := filepath.Glob(filepath.Join(".aura", "state", "resourcegroups", "*"))
		if len(left) > 0 {
			t.Fatalf("%v created %v", args, left)
		}
		if _, err := os.Stat(".aura"); !os.IsNotExist(err) {
			t.Fatalf("%v created the state directory", args)
		}
		if _, err := os.Stat("aura.pem"); !os.IsNotExist(err) {
			t.Fatalf("%v created the private key", args)
		}
	}
}

// TestLockedEnvironmentChangesNothing: a mutating command on an environment
// another run holds fails at once naming the holder and changes nothing;
// with --wait-lock it queues and then runs.
func TestLockedEnvironmentChangesNothing(t *testing.T) {
	args := append([]string{"deploy_common", "-v", "p"}, phaseConfig(t, "")...)
	p, err := local.New(local.Options{StateDir: filepath.Join(".aura", "state")})
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := p.Lock(context.Background(), "environment-ap-dev", provider.LockHolder{Command: "aura deploy_system", PID: 4242,
		User: "ob", Host: "bastion", Since: time.Now().Add(-time.Minute)}, false)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, args...)
	if code != ExitFailed || !strings.Contains(errs, "aura deploy_system") || !strings.Contains(errs, "pid 4242") || !strings.Contains(errs, "--wait-lock") {
		t.Fatalf("exit %d, want %d naming the holder and --wait-lock:\n%s", code, ExitFailed, errs)
	}
	if groups, _ := filepath.Glob(filepath.Join(".aura", "state", "resourcegroups", "*")); len(groups) > 0 {
		t.Fatalf("a run that found the environment locked created %v", groups)
	}

	time.AfterFunc(time.Second, unlock)
	code, out, errs := run(t, append(args, "--wait-lock")...)
	if code != ExitOK || !strings.Contains(out+errs, "waiting for it") {
		t.Fatalf("--wait-lock: exit %d\n%s\n%s", code, out, errs)
	}
	if groups, _ := filepath.Glob(filepath.Join(".aura", "state", "resourcegroups", "*")); len(groups) == 0 {
		t.Fatal("--wait-lock did not run the phase after the lock was released")
	}
}

// TestDeleteCommonAsksFirst: delete_common deletes every backup, so it runs
// only when confirmed (--yes without a terminal); with nothing to delete it
// asks nothing.
func TestDeleteCommonAsksFirst(t *testing.T) {
	args := append([]string{"-v", "p"}, phaseConfig(t, "")...)
	if code, _, errs := run(t, append([]string{"delete_common"}, args...)...); code != ExitOK {
		t.Fatalf("delete_common of an absent environment: exit %d: %s", code, errs)
	}
	if code, _, errs := run(t, append([]string{"deploy_common"}, args...)...); code != ExitOK {
		t.Fatalf("deploy_common: exit %d: %s", code, errs)
	}
	code, _, errs := run(t, append([]string{"delete_common"}, args...)...)
	if code != ExitUsage || !strings.Contains(errs, "every backup") || !strings.Contains(errs, "--yes") {
		t.Fatalf("unconfirmed delete_common: exit %d, want %d asking for --yes:\n%s", code, ExitUsage, errs)
	}
	if groups, _ := filepath.Glob(filepath.Join(".aura", "state", "resourcegroups", "*")); len(groups) == 0 {
		t.Fatal("an unconfirmed delete_common deleted the common resource group")
	}
	if code, _, errs := run(t, append([]string{"delete_common", "--yes"}, args...)...); code != ExitOK {
		t.Fatalf("delete_common --yes: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(".aura"); !os.IsNotExist(err) {
		t.Fatal("delete_common --yes left the state directory")
	}
}

// TestPlanDeployInfraShowsTheCluster: an operator checks the cluster's
// pools, sizes, zones, tier and ranges before paying for them.
func TestPlanDeployInfraShowsTheCluster(t *testing.T) {
	args := phaseConfig(t, "aks_multi_az: true\naks_sku_tier: Paid\nkubernetes_api_allowed_sources: [\"203.0.113.0/24\"]\n")
	code, out, errs := run(t, append([]string{"plan", "deploy_infra", "-v", "p"}, args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"tier Paid", "zones 1,2,3", "API from 203.0.113.0/24", "kubernetes 1.34",
		"common (User, Standard_D4as_v4, 2-15 nodes)", "system (System, Standard_D2as_v4, 2-6 nodes)"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan deploy_infra does not show %q:\n%s", want, out)
		}
	}
}
