package localmodules_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/localmodules"
	"github.com/auracognitive/aurak8s/internal/localmodules/registrytest"
)

type entry struct {
	name string
	typ  byte
	data string
}

// tgz builds a tarball entry by entry, for bundles npm pack would never write.
func tgz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.data))}
		if e.typ == tar.TypeSymlink {
			h.Linkname, h.Size = "/etc/passwd", 0
		}
		if e.typ == tar.TypeDir {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestReadDirRejectsBadBundles(t *testing.T) {
	pkg := entry{"package/package.json", tar.TypeReg, `{"name":"dialog-a","version":"1.0.0"}`}
	cases := []struct {
		name    string
		files   map[string][]byte
		wantErr []string
	}{
		{"not gzip", map[string][]byte{"a.tgz": []byte("PK\x03\x04 a zip file")}, []string{"a.tgz", "not a gzip"}},
		{"no package.json", map[string][]byte{"a.tgz": tgz(t, entry{"package/index.js", tar.TypeReg, "x"})}, []string{"a.tgz", "no package.json"}},
		{"no version", map[string][]byte{"a.tgz": tgz(t, entry{"package/package.json", tar.TypeReg, `{"name":"dialog-a"}`})}, []string{"a.tgz", `version ""`}},
		{"bad version", map[string][]byte{"a.tgz": tgz(t, entry{"package/package.json", tar.TypeReg, `{"name":"dialog-a","version":"latest"}`})}, []string{"a.tgz", `version "latest"`}},
		{"bad name", map[string][]byte{"a.tgz": tgz(t, entry{"package/package.json", tar.TypeReg, `{"name":"Dialog A","version":"1.0.0"}`})}, []string{"a.tgz", `name "Dialog A"`}},
		{"package.json not JSON", map[string][]byte{"a.tgz": tgz(t, entry{"package/package.json", tar.TypeReg, `{name:`})}, []string{"a.tgz", "package.json"}},
		{"escapes the package", map[string][]byte{"a.tgz": tgz(t, pkg, entry{"package/../../etc/cron.d/x", tar.TypeReg, "x"})}, []string{"a.tgz", "outside the package"}},
		{"absolute path", map[string][]byte{"a.tgz": tgz(t, pkg, entry{"/etc/passwd", tar.TypeReg, "x"})}, []string{"a.tgz", "outside the package"}},
		{"symlink", map[string][]byte{"a.tgz": tgz(t, pkg, entry{"package/link", tar.TypeSymlink, ""})}, []string{"a.tgz", "not a regular file"}},
		{"two top directories", map[string][]byte{"a.tgz": tgz(t, pkg, entry{"other/x.js", tar.TypeReg, "x"})}, []string{"a.tgz", "package/ and other/"}},
		{"duplicate package", map[string][]byte{
			"a-1.0.0.tgz": registrytest.Bundle(t, "dialog-a", "1.0.0", nil),
			"a-1.1.0.tgz": registrytest.Bundle(t, "dialog-a", "1.1.0", nil)}, []string{"a-1.1.0.tgz", "dialog-a is also in a-1.0.0.tgz"}},
		{"empty directory", map[string][]byte{"README.md": []byte("no bundles")}, []string{"holds no bundle"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := localmodules.ReadDir(writeBundles(t, tc.files))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := localmodules.ReadDir(filepath.Join(t.TempDir(), "local_modules")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing directory: %v", err)
	}
}

func TestReadDirReadsNpmPackBundles(t *testing.T) {
	dir := writeBundles(t, map[string][]byte{
		"b.tgz": registrytest.Bundle(t, "dialog-b", "2.0.0-rc.1", map[string]string{"lib/x.js": "x"}),
		"a.tgz": tgz(t, entry{"package/", tar.TypeDir, ""}, entry{"package/package.json", tar.TypeReg, `{"name":"@ob/a","version":"1.0.0"}`}),
	})
	got, err := localmodules.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].File != "a.tgz" || got[0].Name != "@ob/a" || got[1].Name != "dialog-b" || got[1].Version != "2.0.0-rc.1" {
		t.Fatalf("bundles %+v", got)
	}
	if len(got[1].Files) != 2 || got[1].Files[0].Path != "lib/x.js" || got[1].Files[1].Path != "package.json" {
		t.Fatalf("files of dialog-b: %+v", got[1].Files)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "a.tgz"))
	var be *localmodules.BundleError
	if _, err := localmodules.ReadBundle(filepath.Join(dir, "missing.tgz")); !errors.As(err, &be) || be.File != "missing.tgz" {
		t.Fatalf("missing file: %v", err)
	}
	if sum := sha256.Sum256(raw); got[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 %q", got[0].SHA256)
	}
}
