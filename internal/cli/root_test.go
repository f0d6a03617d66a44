package cli

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/release"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"version", []string{"version"}, ExitOK, "aura "},
		{"--version", []string{"--version"}, ExitOK, "aura "},
		{"plan without a phase", []string{"plan"}, ExitUsage, "plan needs a phase: one of build_local, delete_common, "},
		{"plan without a phase, with flags", []string{"plan", "-v", "p"}, ExitUsage, "plan needs a phase"},
		{"plan of an unknown phase", []string{"plan", "deploy_everything"}, ExitUsage, `unknown phase "deploy_everything"; phases: build_local, delete_common, `},
		{"plan help", []string{"plan", "--help"}, ExitOK, "Available Commands"},
		{"deploy_core help lists the components", []string{"deploy_core", "--help"}, ExitOK, "  nlp (aura-nlp)\n"},
		{"unknown command", []string{"deploy_everything"}, ExitUsage, "unknown command"},
		{"unknown flag", []string{"version", "--nope"}, ExitUsage, "unknown flag"},
		{"extra argument", []string{"version", "x"}, ExitUsage, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, c.code, errs)
			}
			if !strings.Contains(out+errs, c.want) {
				t.Fatalf("output %q does not contain %q", out+errs, c.want)
			}
		})
	}
}

func TestVaultPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/pass"
	if err := writeFile(file, "from-file\n"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AURA_VAULT_PASSWORD", "from-env")
	cases := []struct {
		name string
		g    Globals
		want string
	}{
		{"flag wins", Globals{VaultPass: "from-flag", VaultPasswordFile: file}, "from-flag"},
		{"file strips newline", Globals{VaultPasswordFile: file}, "from-file"},
		{"environment last", Globals{}, "from-env"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.g.VaultPassword()
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
	if _, err := (&Globals{VaultPasswordFile: dir + "/missing"}).VaultPassword(); err == nil {
		t.Fatal("a missing password file must be an error")
	}
}

// TestVersion: `aura version` and `aura --version` print the same: the
// installer version, the version of the release it installs and the commit.
func TestVersion(t *testing.T) {
	m, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	_, long, _ := run(t, "--version")
	_, short, _ := run(t, "version")
	if long != short {
		t.Errorf("--version printed %q, version printed %q", long, short)
	}
	lines := strings.Split(strings.TrimSuffix(short, "\n"), "\n")
	platform := "platform " + runtime.GOOS + "/" + runtime.GOARCH + " " + runtime.Version()
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "aura ") || lines[1] != "release "+m.Version || !strings.HasPrefix(lines[2], "commit ") || lines[3] != platform {
		t.Errorf("version printed %q", short)
	}
	code, js, _ := run(t, "version", "--output", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(js), &v); code != ExitOK || err != nil || v.Release != m.Version || v.Installer == "" || v.Commit == "" || v.Profile != "" {
		t.Errorf("version --output json: exit %d, %q (%v)", code, js, err)
	}
}

// TestDeployCoreHelpListsComponents: every component -t accepts, and its
// aliases, are in `aura deploy_core --help` and `aura plan deploy_core --help`.
func TestDeployCoreHelpListsComponents(t *testing.T) {
	m, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"deploy_core", "--help"}, {"plan", "deploy_core", "--help"}} {
		code, out, _ := run(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, c := range m.Components {
			want := "\n  " + c.Name
			if len(c.Aliases) > 0 {
				want += " (" + strings.Join(c.Aliases, ", ") + ")"
			}
			if !strings.Contains(out, want+"\n") {
				t.Errorf("%v does not list %q:\n%s", args, want, out)
			}
		}
	}
}
