package vault

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/testtool"
)

// ansible runs one ansible command with the test password file and returns stdout.
func ansible(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// passwordFile writes the password as people do, with a trailing newline,
// which ansible strips.
func passwordFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vault-pass")
	if err := os.WriteFile(p, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPeerAnsibleVaultFiles(t *testing.T) {
	bin := testtool.Need(t, "ansible-vault", "apt-get install -y ansible-core")
	pw := passwordFile(t)
	plain := "aura_encryption_key: \"abcdefghijklmnopqrstuvwxyz012345\"\nmulti: |\n  line ✓\n"
	cases := []struct {
		name, label, header string
		idArgs              []string
	}{
		{"1.1", "", "$ANSIBLE_VAULT;1.1;AES256\n", []string{"--vault-password-file", pw}},
		{"1.2", "prod", "$ANSIBLE_VAULT;1.2;AES256;prod\n", []string{"--vault-id", "prod@" + pw}},
	}
	for _, c := range cases {
		t.Run("ansible encrypts, we decrypt "+c.name, func(t *testing.T) {
			t.Parallel()
			f := filepath.Join(t.TempDir(), "secrets.yml")
			if err := os.WriteFile(f, []byte(plain), 0o600); err != nil {
				t.Fatal(err)
			}
			ansible(t, bin, append([]string{"encrypt"}, append(c.idArgs, f)...)...)
			data, _ := os.ReadFile(f)
			if !strings.HasPrefix(string(data), c.header) {
				t.Fatalf("ansible wrote header %q", strings.SplitN(string(data), "\n", 2)[0])
			}
			got, err := DecryptFile(f, testPassword)
			if err != nil || string(got) != plain {
				t.Fatalf("got %q, %v", got, err)
			}
		})
		t.Run("we encrypt, ansible decrypts "+c.name, func(t *testing.T) {
			t.Parallel()
			enc, err := Encrypt([]byte(plain), testPassword, c.label)
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "secrets.yml")
			if err := os.WriteFile(f, enc, 0o600); err != nil {
				t.Fatal(err)
			}
			if got := ansible(t, bin, append([]string{"view"}, append(c.idArgs, f)...)...); got != plain {
				t.Fatalf("ansible-vault view: %q", got)
			}
			ansible(t, bin, append([]string{"decrypt"}, append(c.idArgs, f)...)...)
			if got, _ := os.ReadFile(f); string(got) != plain {
				t.Fatalf("ansible-vault decrypt: %q", got)
			}
		})
	}
}

func TestPeerAnsibleInline(t *testing.T) {
	bin := testtool.Need(t, "ansible-vault", "apt-get install -y ansible-core")
	pw := passwordFile(t)
	const value = "inline secret ✓"

	t.Run("ansible encrypt_string, we decrypt", func(t *testing.T) {
		t.Parallel()
		out := ansible(t, bin, "encrypt_string", "--vault-id", "prod@"+pw, "--name", "api_key", value)
		block, ok := strings.CutPrefix(out, "api_key: ")
		if !ok {
			t.Fatalf("unexpected encrypt_string output %q", out)
		}
		got, err := DecryptString(block, testPassword)
		if err != nil || got != value {
			t.Fatalf("got %q, %v", got, err)
		}
	})

	t.Run("we encrypt_string, ansible reads the YAML", func(t *testing.T) {
		t.Parallel()
		adhoc := testtool.Need(t, "ansible", "apt-get install -y ansible-core")
		block, err := EncryptString(value, testPassword, "prod")
		if err != nil {
			t.Fatal(err)
		}
		vars := filepath.Join(t.TempDir(), "vars.yml")
		if err := os.WriteFile(vars, []byte("api_key: "+block+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out := ansible(t, adhoc, "localhost", "-c", "local", "-i", "localhost,", "-m", "debug",
			"-a", "var=api_key", "-e", "@"+vars, "--vault-id", "prod@"+pw)
		if !strings.Contains(out, `"api_key": "`+value+`"`) {
			t.Fatalf("ansible did not read the value:\n%s", out)
		}
	})
}
