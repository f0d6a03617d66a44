package localmodules

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// maxBundleBytes bounds what one bundle may unpack to: a dialog library is
// kilobytes to a few megabytes; a tarball that inflates beyond this is not a
// bundle (or is a decompression bomb).
const maxBundleBytes = 256 << 20

// Bundle is one local_modules/*.tgz, read and checked.
type Bundle struct {
	File    string // the bundle's file name, as errors and plugin-config.json name it
	Name    string // package.json "name"
	Version string // package.json "version"
	SHA256  string // of the .tgz, lowercase hex
	Files   []File // the package's files, paths relative to the package root, sorted
}

// File is one regular file of a bundle.
type File struct {
	Path string // slash-separated, relative to the package root
	Mode int64  // permission bits
	Data []byte
}

// BundleError names the bundle that cannot be used.
type BundleError struct {
	File string
	Msg  string
}

func (e *BundleError) Error() string { return fmt.Sprintf("local module %s: %s", e.File, e.Msg) }

// npmName is npm's rule for package names: lowercase, URL-safe, optionally
// scoped (@scope/name).
var npmName = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$`)

// ReadDir reads and checks every *.tgz of dir, in name order. Nothing is
// built from a directory holding one bad bundle, or two bundles of the same
// package.
func ReadDir(dir string) ([]Bundle, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tgz"))
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("local modules directory %s does not exist: create it and put the bundles (*.tgz) of the local use cases in it", dir)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("local modules directory %s holds no bundle (*.tgz)", dir)
	}
	sort.Strings(files)
	var out []Bundle
	byName := map[string]string{}
	for _, f := range files {
		b, err := ReadBundle(f)
		if err != nil {
			return nil, err
		}
		if other, ok := byName[b.Name]; ok {
			return nil, &BundleError{File: b.File, Msg: fmt.Sprintf("package %s is also in %s: keep one of them", b.Name, other)}
		}
		byName[b.Name] = b.File
		out = append(out, b)
	}
	return out, nil
}

// ReadBundle reads one npm-style package tarball (what `npm pack` writes):
// gzip, tar, every entry under one top directory ("package/"), a
// package.json there with a name and a semver version.
func ReadBundle(file string) (Bundle, error) {
	b := Bundle{File: filepath.Base(file)}
	bad := func(format string, a ...any) (Bundle, error) {
		return Bundle{}, &BundleError{File: b.File, Msg: fmt.Sprintf(format, a...)}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return bad("%v", err)
	}
	sum := sha256.Sum256(raw)
	b.SHA256 = hex.EncodeToString(sum[:])
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return bad("not a gzip-compressed tarball (%v)", err)
	}
	tr := tar.NewReader(io.LimitReader(zr, maxBundleBytes+1))
	top := ""
	seen := map[string]bool{}
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bad("corrupt tarball: %v", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if strings.HasPrefix(h.Name, "/") || strings.Contains("/"+h.Name+"/", "/../") {
			return bad("entry %q points outside the package", h.Name)
		}
		dir, rest, _ := strings.Cut(name, "/")
		if top == "" {
			top = dir
		} else if dir != top {
			return bad("entries under both %s/ and %s/: a bundle has one top directory (npm pack writes package/)", top, dir)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		case tar.TypeXGlobalHeader:
			continue
		default:
			return bad("entry %q is not a regular file or directory (links and devices are not allowed)", h.Name)
		}
		if rest == "" {
			return bad("entry %q is not inside the package directory", h.Name)
		}
		if seen[rest] {
			return bad("entry %q appears twice", h.Name)
		}
		seen[rest] = true
		data, err := io.ReadAll(tr)
		if err != nil {
			return bad("corrupt tarball: %v", err)
		}
		if total += int64(len(data)); total > maxBundleBytes {
			return bad("unpacks to more than %d MiB", maxBundleBytes>>20)
		}
		mode := int64(0o644)
		if h.Mode&0o111 != 0 {
			mode = 0o755
		}
		b.Files = append(b.Files, File{Path: rest, Mode: mode, Data: data})
	}
	// The gzip trailer (CRC, length) is only checked once the stream is read
	// to its end: a truncated download must not pass.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return bad("corrupt tarball: %v", err)
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	var manifest []byte
	for _, f := range b.Files {
		if f.Path == "package.json" {
			manifest = f.Data
		}
	}
	if manifest == nil {
		return bad("no package.json in %s/: is it a package built with npm pack?", top)
	}
	if err := json.Unmarshal(manifest, &pkg); err != nil {
		return bad("package.json: %v", err)
	}
	if !npmName.MatchString(pkg.Name) || len(pkg.Name) > 214 {
		return bad("package.json: name %q is not a valid npm package name", pkg.Name)
	}
	if _, err := semver.StrictNewVersion(pkg.Version); err != nil {
		return bad("package.json: version %q is not a semantic version (e.g. 1.4.0)", pkg.Version)
	}
	b.Name, b.Version = pkg.Name, pkg.Version
	sort.Slice(b.Files, func(i, j int) bool { return b.Files[i].Path < b.Files[j].Path })
	return b, nil
}
