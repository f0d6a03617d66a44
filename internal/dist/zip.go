package dist

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// writeZip writes the entries and their SHA256SUMS (in `sha256sum -c`
// format) to path, in name order with one time stamp, so the same tree gives
// the same zip. The zip appears under its name only when complete.
func writeZip(path string, entries []entry, mtime time.Time) (err error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := zip.NewWriter(tmp)
	var sums strings.Builder
	for i, e := range entries {
		if i > 0 && entries[i-1].name == e.name {
			return fmt.Errorf("bundle: %s listed twice", e.name)
		}
		sum, err := addEntry(zw, e, mtime)
		if err != nil {
			return err
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, e.name)
	}
	if _, err := addEntry(zw, entry{name: "SHA256SUMS", mode: 0o644, data: []byte(sums.String())}, mtime); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp made it private; a release artifact is for everyone to read.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// addEntry writes one file and returns its SHA-256 in hex.
func addEntry(zw *zip.Writer, e entry, mtime time.Time) (string, error) {
	h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
	h.SetMode(e.mode)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return "", err
	}
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	if e.src == "" {
		_, err = out.Write(e.data)
	} else {
		err = copyFile(out, e.src)
	}
	if err != nil {
		return "", fmt.Errorf("bundle file %s: %v", e.name, err)
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
