package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// nameRE keeps every resource name a single, visible path component.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,126}$`)

// checkName rejects names that are not one safe path component; field names
// the value in the error (e.g. "storage account name").
func checkName(field, name string) error {
	if !nameRE.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("local provider: %s %q: must be 1-127 letters, digits, '.', '_' or '-', starting with a letter or digit", field, name)
	}
	return nil
}

func checkNames(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkName(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// checkBlobName allows "/"-separated names (Azure virtual folders) but no
// empty, "." or ".." segment, so a blob never escapes its container.
func checkBlobName(name string) error {
	bad := name == "" || strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) || strings.Contains(name, "\\")
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("local provider: blob name %q: must be non-empty '/'-separated segments, none empty, '.' or '..'", name)
	}
	return nil
}

// exists reports whether path exists; other stat errors are returned.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// readJSON decodes path into v; found is false when the file does not exist.
func readJSON(path string, v any) (found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("local provider: %s is corrupt: %w", path, err)
	}
	return true, nil
}

func encode(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// writeFile replaces path atomically: the temporary file lives in STATE/.tmp
// (same file system), is fsynced, then renamed over path.
func (p *Provider) writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return err
	}
	return renameio.WriteFile(path, data, filePerm, renameio.WithTempDir(filepath.Join(p.dir, tmpDirName)))
}

// removeAll deletes a directory tree atomically from the reader's point of
// view: it is first renamed into STATE/.tmp, then removed; a crash in between
// leaves only garbage in .tmp.
func (p *Provider) removeAll(path string) error {
	trash, err := os.MkdirTemp(filepath.Join(p.dir, tmpDirName), "deleted-")
	if err != nil {
		return err
	}
	if err := os.Rename(path, filepath.Join(trash, "x")); err != nil {
		_ = os.Remove(trash)
		return err
	}
	return os.RemoveAll(trash)
}

// upsert makes the JSON file at path hold exactly desired. It returns OpNone
// when it already does, else OpCreate/OpUpdate with the changed top-level
// fields as detail; on a DryRun view it writes nothing.
func (p *Provider) upsert(path string, desired any) (provider.Op, string, error) {
	want, err := encode(desired)
	if err != nil {
		return "", "", err
	}
	have, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if p.dry {
			return provider.OpCreate, "", nil
		}
		return provider.OpCreate, "", p.writeFile(path, want)
	case err != nil:
		return "", "", err
	case bytes.Equal(have, want):
		return provider.OpNone, "", nil
	}
	detail := changedFields(have, want)
	if p.dry {
		return provider.OpUpdate, detail, nil
	}
	return provider.OpUpdate, detail, p.writeFile(path, want)
}

// changedFields names the top-level JSON fields that differ, never their
// values (a value may be a secret).
func changedFields(have, want []byte) string {
	var a, b map[string]json.RawMessage
	if json.Unmarshal(have, &a) != nil || json.Unmarshal(want, &b) != nil {
		return "content changed"
	}
	var diff []string
	for k, v := range b {
		if old, ok := a[k]; !ok || !jsonEqual(old, v) {
			diff = append(diff, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	return "changed: " + strings.Join(diff, ", ")
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// deletePath removes a file or tree; OpNone when it is already gone.
func (p *Provider) deletePath(path string, tree bool) (provider.Op, error) {
	ok, err := exists(path)
	if err != nil || !ok {
		return provider.OpNone, err
	}
	if p.dry {
		return provider.OpDelete, nil
	}
	if tree {
		return provider.OpDelete, p.removeAll(path)
	}
	return provider.OpDelete, os.Remove(path)
}

// requireDir fails with a clear message when a parent resource is missing,
// except on a DryRun view, where an earlier planned action may create it.
func (p *Provider) requireDir(path, kind, name string) error {
	ok, err := exists(path)
	if err != nil {
		return err
	}
	if !ok && !p.dry {
		return fmt.Errorf("local provider: %s %q does not exist: %w", kind, name, provider.ErrNotFound)
	}
	return nil
}

func notFound(kind, name string) error {
	return fmt.Errorf("local provider: %s %q: %w", kind, name, provider.ErrNotFound)
}

func errorf(format string, a ...any) error {
	return fmt.Errorf("local provider: "+format, a...)
}
