package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/vault"
)

const (
	vaultTestPassword = "cli-test-password"
	vaultTestPlain    = "aura_bot_services_api_key: top-secret-api-key\n"
)

// vaultFixture writes a file with content and mode 0644 in a fresh directory.
func vaultFixture(t *testing.T, content string) string {
	t.Helper()
	t.Setenv("AURA_VAULT_PASSWORD", "")
	p := filepath.Join(t.TempDir(), "secrets.yml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertMode0600(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %04o, want 0600", path, info.Mode().Perm())
	}
}

// assertNoSecret fails when the password or the plaintext shows up in text
// that a user would see or a CI log would keep.
func assertNoSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range []string{vaultTestPassword, "top-secret-api-key"} {
			if strings.Contains(s, secret) {
				t.Fatalf("output reveals %q:\n%s", secret, s)
			}
		}
	}
}

func TestVaultEncryptViewDecryptInPlace(t *testing.T) {
	f := vaultFixture(t, vaultTestPlain)
	code, out, errs := run(t, "vault", "encrypt", f, "-v", vaultTestPassword)
	if code != ExitOK || !strings.Contains(errs, "Encryption successful") {
		t.Fatalf("encrypt: exit %d, stderr %q", code, errs)
	}
	assertNoSecret(t, out, errs, readString(t, f))
	if !strings.HasPrefix(readString(t, f), "$ANSIBLE_VAULT;1.1;AES256\n") {
		t.Fatalf("not vaulted: %q", readString(t, f))
	}
	assertMode0600(t, f)

	code, out, errs = run(t, "vault", "view", f, "-v", vaultTestPassword)
	if code != ExitOK || out != vaultTestPlain {
		t.Fatalf("view: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !vault.IsEncrypted([]byte(readString(t, f))) {
		t.Fatal("view changed the file")
	}

	code, out, errs = run(t, "vault", "decrypt", f, "-v", vaultTestPassword)
	if code != ExitOK || !strings.Contains(errs, "Decryption successful") {
		t.Fatalf("decrypt: exit %d, stderr %q", code, errs)
	}
	assertNoSecret(t, out, errs)
	if got := readString(t, f); got != vaultTestPlain {
		t.Fatalf("decrypt wrote %q", got)
	}
	assertMode0600(t, f)
}

func TestVaultPasswordFromFileAndEnvironment(t *testing.T) {
	f := vaultFixture(t, vaultTestPlain)
	pw := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pw, []byte(vaultTestPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "vault", "encrypt", f, "--vault-password-file", pw); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Setenv("AURA_VAULT_PASSWORD", vaultTestPassword)
	if code, out, errs := run(t, "vault", "view", f); code != ExitOK || out != vaultTestPlain {
		t.Fatalf("exit %d, %q, %s", code, out, errs)
	}
}

func TestVaultOutputAndVaultID(t *testing.T) {
	f := vaultFixture(t, vaultTestPlain)
	dest := filepath.Join(filepath.Dir(f), "out.vault")

	code, _, errs := run(t, "vault", "encrypt", f, "--output", dest, "--vault-id", "prod", "-v", vaultTestPassword)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if readString(t, f) != vaultTestPlain {
		t.Fatal("--output must leave the input unchanged")
	}
	if !strings.HasPrefix(readString(t, dest), "$ANSIBLE_VAULT;1.2;AES256;prod\n") {
		t.Fatalf("--vault-id did not write 1.2: %q", readString(t, dest))
	}
	assertMode0600(t, dest)

	code, out, _ := run(t, "vault", "decrypt", dest, "--output", "-", "-v", vaultTestPassword)
	if code != ExitOK || out != vaultTestPlain {
		t.Fatalf("decrypt to stdout: exit %d, %q", code, out)
	}
	if !vault.IsEncrypted([]byte(readString(t, dest))) {
		t.Fatal("--output - must leave the input unchanged")
	}

	code, out, _ = run(t, "vault", "encrypt", f, "--output", "-", "-v", vaultTestPassword)
	if code != ExitOK || !strings.HasPrefix(out, "$ANSIBLE_VAULT;1.1;AES256\n") {
		t.Fatalf("encrypt to stdout: exit %d, %q", code, out)
	}
}

func TestVaultRefusals(t *testing.T) {
	encrypted, err := vault.Encrypt([]byte(vaultTestPlain), vaultTestPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	malformed := "$ANSIBLE_VAULT;1.1;AES256\n3031\nnot-hex\n"
	cases := []struct {
		name    string
		content string // the file FILE
		args    []string
		want    string
	}{
		{"no password", vaultTestPlain, []string{"vault", "encrypt", "FILE"}, "no vault password: give -v PASSWORD, --vault-password-file PATH or set AURA_VAULT_PASSWORD"},
		{"no password for view", string(encrypted), []string{"vault", "view", "FILE"}, "no vault password"},
		{"encrypt twice", string(encrypted), []string{"vault", "encrypt", "FILE", "-v", vaultTestPassword}, "FILE is already vault-encrypted; nothing changed"},
		{"decrypt plain", vaultTestPlain, []string{"vault", "decrypt", "FILE", "-v", vaultTestPassword}, "FILE is not vault-encrypted; nothing changed"},
		{"wrong password", string(encrypted), []string{"vault", "decrypt", "FILE", "-v", "not-the-password"}, "vault password is wrong for FILE"},
		{"wrong password view", string(encrypted), []string{"vault", "view", "FILE", "-v", "not-the-password"}, "vault password is wrong for FILE"},
		{"malformed", malformed, []string{"vault", "decrypt", "FILE", "-v", vaultTestPassword}, "FILE:3: malformed vault data: character 'n' at column 1 is not hexadecimal"},
		{"bad vault id", vaultTestPlain, []string{"vault", "encrypt", "FILE", "--vault-id", "a;b", "-v", vaultTestPassword}, "vault id"},
		{"missing file", "", []string{"vault", "view", "DIR/nope.yml", "-v", vaultTestPassword}, "DIR/nope.yml does not exist"},
		{"no file argument", "", []string{"vault", "encrypt", "-v", vaultTestPassword}, "accepts 1 arg"},
		{"unknown subcommand", "", []string{"vault", "rekey", "FILE"}, "unknown command"},
		{"missing password file", vaultTestPlain, []string{"vault", "encrypt", "FILE", "--vault-password-file", "DIR/nope"}, "--vault-password-file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := vaultFixture(t, c.content)
			expand := func(s string) string {
				return strings.ReplaceAll(strings.ReplaceAll(s, "DIR", filepath.Dir(f)), "FILE", f)
			}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = expand(a)
			}
			code, out, errs := run(t, args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d (stderr %q)", code, ExitUsage, errs)
			}
			if want := expand(c.want); !strings.Contains(errs, want) {
				t.Fatalf("stderr %q does not say %q", errs, want)
			}
			if got := readString(t, f); got != c.content {
				t.Fatalf("the file changed to %q", got)
			}
			if info, _ := os.Stat(f); info.Mode().Perm() != 0o644 {
				t.Fatalf("the file mode changed to %04o", info.Mode().Perm())
			}
			assertNoSecret(t, out, errs)
			entries, _ := os.ReadDir(filepath.Dir(f))
			if len(entries) != 1 {
				t.Fatalf("files left behind: %v", entries)
			}
		})
	}
}

func TestVaultEncryptString(t *testing.T) {
	t.Setenv("AURA_VAULT_PASSWORD", vaultTestPassword)
	cases := []struct {
		name   string
		args   []string
		prefix string
	}{
		{"with name", []string{"--name", "aura_bot_services_api_key"}, "aura_bot_services_api_key: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n"},
		{"without name", nil, "!vault |\n          $ANSIBLE_VAULT;1.1;AES256\n"},
		{"vault id", []string{"--name", "k", "--vault-id", "prod"}, "k: !vault |\n          $ANSIBLE_VAULT;1.2;AES256;prod\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, append(append([]string{"vault", "encrypt_string"}, c.args...), "top-secret-api-key")...)
			if code != ExitOK || !strings.HasPrefix(out, c.prefix) || !strings.HasSuffix(out, "\n") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
			assertNoSecret(t, out, errs)
			got, err := vault.DecryptString(out, vaultTestPassword)
			if err != nil || got != "top-secret-api-key" {
				t.Fatalf("the printed block decrypts to %q, %v", got, err)
			}
		})
	}
}

// TestVaultPeerAnsible checks files written by `aura vault` open with
// Debian's ansible-vault and the other way round.
func TestVaultPeerAnsible(t *testing.T) {
	bin, err := exec.LookPath("ansible-vault")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-vault not found and CI is set: apt-get install -y ansible-core")
		}
		t.Skip("ansible-vault not found (apt-get install -y ansible-core); set CI=true to make this a failure")
	}
	pw := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pw, []byte(vaultTestPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ansible := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "ANSIBLE_LOCAL_TEMP="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ansible-vault %v: %v", args, err)
		}
		return string(out)
	}

	ours := vaultFixture(t, vaultTestPlain)
	if code, _, errs := run(t, "vault", "encrypt", ours, "--vault-id", "prod", "--vault-password-file", pw); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := ansible("view", "--vault-id", "prod@"+pw, ours); got != vaultTestPlain {
		t.Fatalf("ansible-vault view of our file: %q", got)
	}

	theirs := vaultFixture(t, vaultTestPlain)
	ansible("encrypt", "--vault-password-file", pw, theirs)
	if code, _, errs := run(t, "vault", "decrypt", theirs, "--vault-password-file", pw); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := readString(t, theirs); got != vaultTestPlain {
		t.Fatalf("aura vault decrypt of ansible's file: %q", got)
	}
}
