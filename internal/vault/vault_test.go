package vault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const testPassword = "test-password"

func TestEncryptDecryptRoundTrip(t *testing.T) {
	plains := map[string][]byte{
		"empty":         {},
		"one byte":      []byte("x"),
		"one short":     bytes.Repeat([]byte("a"), 15),
		"one block":     bytes.Repeat([]byte("b"), 16),
		"one over":      bytes.Repeat([]byte("c"), 17),
		"binary":        {0, 1, 2, 0xff, '\n', 0x10, 0x10},
		"unicode yaml":  []byte("clave: \"contraseña ✓\"\n"),
		"large":         bytes.Repeat([]byte("0123456789"), 10000),
		"padding-alike": bytes.Repeat([]byte{16}, 32),
	}
	ids := []struct{ id, header string }{
		{"", "$ANSIBLE_VAULT;1.1;AES256\n"},
		{"default", "$ANSIBLE_VAULT;1.1;AES256\n"},
		{"prod", "$ANSIBLE_VAULT;1.2;AES256;prod\n"},
	}
	for name, plain := range plains {
		for _, id := range ids {
			t.Run(name+"/"+id.id, func(t *testing.T) {
				enc, err := Encrypt(plain, testPassword, id.id)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(string(enc), id.header) || !IsEncrypted(enc) {
					t.Fatalf("header: got %q", strings.SplitN(string(enc), "\n", 2)[0])
				}
				for i, l := range strings.Split(strings.TrimSuffix(string(enc), "\n"), "\n")[1:] {
					if len(l) > 80 || len(l) == 0 {
						t.Fatalf("body line %d is %d columns", i+2, len(l))
					}
				}
				if len(plain) > 0 && bytes.Contains(enc, plain) {
					t.Fatal("plaintext visible in the vault text")
				}
				got, err := Decrypt(enc, testPassword)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, plain) {
					t.Fatalf("round trip changed the data: %q", got)
				}
			})
		}
	}
}

func TestEncryptIsSalted(t *testing.T) {
	a, _ := Encrypt([]byte("same"), testPassword, "")
	b, _ := Encrypt([]byte("same"), testPassword, "")
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions of the same data are identical: the salt is not random")
	}
}

func TestEncryptRejects(t *testing.T) {
	cases := []struct {
		name, password, id, want string
	}{
		{"empty password", "", "", "no vault password"},
		{"id with semicolon", "p", "a;b", "vault id"},
		{"id with space", "p", "a b", "vault id"},
		{"id with newline", "p", "a\nb", "vault id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Encrypt([]byte("x"), c.password, c.id)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// The files under testdata were written by Debian's ansible-vault 2.14 with
// the password "test-password", so they pin compatibility even where
// ansible-vault is not installed.
func TestDecryptAnsibleFiles(t *testing.T) {
	want := "environment_type: dev\naura_bot_services_api_key: \"s3cr3t-value\"\n"
	for _, f := range []string{"ansible-1.1.vault", "ansible-1.2.vault"} {
		t.Run(f, func(t *testing.T) {
			got, err := DecryptFile(filepath.Join("testdata", f), testPassword)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	const secretPlain = "the-plaintext-secret"
	enc, err := Encrypt([]byte(secretPlain), "right-password", "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "secrets.yml")
	if err := os.WriteFile(path, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	_, errData := Decrypt(enc, "wrong-password")
	_, errFile := DecryptFile(path, "wrong-password")
	_, errAnsible := DecryptFile(filepath.Join("testdata", "ansible-1.1.vault"), "wrong-password")
	for _, err := range []error{errData, errFile, errAnsible} {
		if !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("got %v, want ErrWrongPassword", err)
		}
		for _, secret := range []string{"wrong-password", "right-password", secretPlain, "s3cr3t-value"} {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q reveals %q", err, secret)
			}
		}
	}
	if want := "vault password is wrong for " + path; errFile.Error() != want {
		t.Fatalf("got %q, want %q", errFile, want)
	}
}

func TestDecryptFileNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ content, want string }{
		{"$ANSIBLE_VAULT;1.1;AES256\n3031\nxyz\n", "FILE:3: malformed vault data: character 'x' at column 1 is not hexadecimal"},
		{"plain: yaml\n", "FILE:1: malformed vault data: does not start with $ANSIBLE_VAULT"},
		{"$ANSIBLE_VAULT;1.1;AES256\n303\n", "FILE: malformed vault data: body has an odd number of hex digits"},
	}
	for i, c := range cases {
		path := filepath.Join(dir, fmt.Sprintf("f%d.yml", i))
		if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := DecryptFile(path, testPassword)
		var fe *FormatError
		if !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) {
			t.Fatalf("got %v, want a FormatError", err)
		}
		if want := strings.ReplaceAll(c.want, "FILE", path); !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("got %q, want %q", err, want)
		}
	}
	if _, err := DecryptFile(filepath.Join(dir, "missing"), testPassword); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

func TestDecryptMalformed(t *testing.T) {
	good, err := Encrypt([]byte("value"), testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(good), "\n")
	body := strings.Join(lines[1:], "\n")
	cases := []struct {
		name string
		data string
		line int
		want string
	}{
		{"empty", "", 0, "empty input"},
		{"plain yaml", "key: value\n", 1, "does not start with $ANSIBLE_VAULT"},
		{"header only", "$ANSIBLE_VAULT;1.1;AES256\n", 0, "no encrypted body"},
		{"short header", "$ANSIBLE_VAULT;1.1\n" + body, 1, "header must be"},
		{"version 1.0", "$ANSIBLE_VAULT;1.0;AES\n" + body, 1, "unsupported format version \"1.0\""},
		{"other cipher", "$ANSIBLE_VAULT;1.1;AES128\n" + body, 1, "unsupported cipher"},
		{"not hex", lines[0] + "\n" + lines[1] + "\nzz\n", 3, "character 'z' at column 1 is not hexadecimal"},
		{"odd digits", lines[0] + "\n" + lines[1][:79] + "\n", 0, "odd number of hex digits"},
		{"one part", lines[0] + "\n6162\n", 0, "found 1 part(s)"},
		{"inner not hex", lines[0] + "\n" + hexOf("zz\nzz\nzz") + "\n", 0, "salt is not a non-empty hex string"},
		{"short hmac", lines[0] + "\n" + hexOf("0011\n0011\n00112233445566778899aabbccddeeff") + "\n", 0, "HMAC is 2 bytes"},
		{"ragged ciphertext", lines[0] + "\n" + hexOf("0011\n"+strings.Repeat("00", 32)+"\n0011") + "\n", 0, "not a multiple of 16"},
		{"leading blank lines", "\n\n$ANSIBLE_VAULT;1.1;AES256\nxy\n", 4, "not hexadecimal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decrypt([]byte(c.data), testPassword)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Line != c.line {
				t.Fatalf("got %#v, want a FormatError at line %d", err, c.line)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

func TestDecryptTolerates(t *testing.T) {
	enc, err := Encrypt([]byte("v"), testPassword, "x")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"CRLF line ends":      strings.ReplaceAll(string(enc), "\n", "\r\n"),
		"no final newline":    strings.TrimSuffix(string(enc), "\n"),
		"leading blank lines": "\n  \n" + string(enc),
		"blank lines in body": strings.Replace(string(enc), "\n", "\n\n", 3),
		"upper-case hex":      strings.ToUpper(string(enc[:30])) + string(enc[30:]),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Decrypt([]byte(data), testPassword)
			if err != nil || string(got) != "v" {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestIsEncrypted(t *testing.T) {
	cases := map[string]bool{
		"$ANSIBLE_VAULT;1.1;AES256\n00\n": true,
		"   $ANSIBLE_VAULT;1.2;AES256;x":  true,
		"key: value\n":                    false,
		"":                                false,
		"# $ANSIBLE_VAULT;1.1;AES256":     false,
	}
	for in, want := range cases {
		if got := IsEncrypted([]byte(in)); got != want {
			t.Errorf("IsEncrypted(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestInlineStrings(t *testing.T) {
	block, err := EncryptString("abc123", testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(block, "!vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          ") || strings.HasSuffix(block, "\n") {
		t.Fatalf("not ansible's encrypt_string layout:\n%s", block)
	}
	ansibleBlock, err := os.ReadFile(filepath.Join("testdata", "ansible-inline.yml"))
	if err != nil {
		t.Fatal(err)
	}
	_, ansibleValue, _ := strings.Cut(string(ansibleBlock), ": ")
	cases := []struct{ name, in, want string }{
		{"ours with !vault line", block, "abc123"},
		{"ours indented, without !vault line", strings.SplitN(block, "\n", 2)[1], "abc123"},
		{"ours with key", "password: " + block, "abc123"},
		{"ansible encrypt_string", ansibleValue, "abcdefghijklmnopqrstuvwxyz012345"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecryptString(c.in, testPassword)
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

// What the config loader does: a yaml.v3 node tagged !vault holds the
// envelope with YAML's indentation already removed.
func TestInlineViaYAMLNode(t *testing.T) {
	block, err := EncryptString("s3cr3t", testPassword, "prod")
	if err != nil {
		t.Fatal(err)
	}
	doc := "environment_type: dev\napi_key: " + block + "\nother: 1\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	node := root.Content[0].Content[3]
	if node.Tag != "!vault" {
		t.Fatalf("tag %q", node.Tag)
	}
	got, err := DecryptString(node.Value, testPassword)
	if err != nil || got != "s3cr3t" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := DecryptString(node.Value, "nope"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("got %v, want ErrWrongPassword", err)
	}
	// A broken value reports the line inside the node's value, so the loader
	// can add node.Line to point at the file line.
	lines := strings.Split(node.Value, "\n")
	original := lines[2]
	lines[2] = "!!"
	broken := strings.Join(lines, "\n")
	var fe *FormatError
	if _, err := DecryptString(broken, testPassword); !errors.As(err, &fe) || fe.Line != 3 {
		t.Fatalf("got %v, want a FormatError at line 3", err)
	}
	// node.Line is the "api_key: !vault |" line, so node.Line+fe.Line is the file line.
	docLines := strings.Split(doc, "\n")
	if got, want := strings.TrimSpace(docLines[node.Line+fe.Line-1]), original; got != want {
		t.Fatalf("node.Line+Line points at %q, not at the broken line", got)
	}
}

func TestNoPassword(t *testing.T) {
	enc, _ := Encrypt([]byte("x"), testPassword, "")
	if _, err := Decrypt(enc, ""); !errors.Is(err, ErrNoPassword) {
		t.Fatalf("got %v, want ErrNoPassword", err)
	}
}

func BenchmarkDecrypt(b *testing.B) {
	enc, _ := Encrypt(bytes.Repeat([]byte("k: v\n"), 200), testPassword, "")
	for b.Loop() {
		if _, err := Decrypt(enc, testPassword); err != nil {
			b.Fatal(err)
		}
	}
}
