package dirtree

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fp := func() string {
		t.Helper()
		s, err := Fingerprint(dir)
		must(err)
		return s
	}
	must(os.WriteFile(filepath.Join(dir, "a"), []byte("1"), 0o600))
	before := fp()
	must(os.WriteFile(filepath.Join(dir, ".lock"), nil, 0o600))
	if fp() != before {
		t.Error("a lock file changed the fingerprint")
	}
	must(os.WriteFile(filepath.Join(dir, "a"), []byte("2"), 0o600))
	if fp() == before {
		t.Error("new content kept the fingerprint")
	}
	must(os.Chmod(filepath.Join(dir, "a"), 0o644))
	must(os.Mkdir(filepath.Join(dir, "d"), 0o700))
	if got, _ := Fingerprint(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("a missing dir has fingerprint %q", got)
	}
}
