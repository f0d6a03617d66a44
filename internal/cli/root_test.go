package cli

import (
	"bytes"
	"strings"
	"testing"
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
