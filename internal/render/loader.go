package render

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/nikolalohinski/gonja/v2/loaders"
)

// fsLoader lets gonja read templates (and their includes/imports) from an
// fs.FS; gonja's own loaders only know the OS file system and embed.FS.
// Paths handed to gonja are absolute ("/core/x.yaml") so that include
// resolution from nested templates is unambiguous.
type fsLoader struct {
	fsys fs.FS
	dir  string // directory of the including template, absolute
}

var _ loaders.Loader = fsLoader{}

func (l fsLoader) Read(name string) (io.Reader, error) {
	resolved, err := l.Resolve(name)
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(l.fsys, strings.TrimPrefix(resolved, "/"))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return bytes.NewReader(data), nil
}

// Resolve makes name absolute. A relative name is looked up next to the
// including template first, then from the root of the tree (Ansible's
// template search path behaves the same way).
func (l fsLoader) Resolve(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return path.Clean(name), nil
	}
	for _, dir := range []string{l.dir, "/"} {
		p := path.Join(dir, name)
		if _, err := fs.Stat(l.fsys, strings.TrimPrefix(p, "/")); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("template %q not found", name)
}

func (l fsLoader) Inherit(from string) (loaders.Loader, error) {
	if from == "" {
		return l, nil
	}
	resolved, err := l.Resolve(from)
	if err != nil {
		return nil, err
	}
	return fsLoader{fsys: l.fsys, dir: path.Dir(resolved)}, nil
}
