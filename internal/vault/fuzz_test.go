package vault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecrypt feeds arbitrary bytes to the decoder: it must never panic and
// must fail only with a wrong-password or malformed-data error; whatever it
// accepts must be what was encrypted.
func FuzzDecrypt(f *testing.F) {
	for _, name := range []string{"ansible-1.1.vault", "ansible-1.2.vault", "ansible-inline.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	ours, err := Encrypt([]byte("seed"), testPassword, "seed")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ours)
	f.Add([]byte("$ANSIBLE_VAULT;1.1;AES256\n"))
	f.Add([]byte("$ANSIBLE_VAULT;1.1;AES256\n3030\n"))
	f.Add([]byte("$ANSIBLE_VAULT;1.2;AES256;x;y\n00\n"))
	f.Add([]byte("key: value\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plain, err := Decrypt(data, testPassword)
		if err != nil {
			if !errors.Is(err, ErrWrongPassword) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if _, err := DecryptString(string(data), testPassword); err != nil {
			t.Fatalf("Decrypt accepted what DecryptString rejects: %v", err)
		}
		again, err := Encrypt(plain, testPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if back, err := Decrypt(again, testPassword); err != nil || string(back) != string(plain) {
			t.Fatalf("re-encryption round trip failed: %v", err)
		}
	})
}
