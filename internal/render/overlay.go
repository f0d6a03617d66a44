package render

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"sort"
)

// Overlay returns a file system where files in upper hide files of the same
// path in lower, and directories list the union of both. Either may be nil.
// It lets a user drop extra templates (or replacements) into a directory that
// mirrors the embedded tree.
func Overlay(lower, upper fs.FS) fs.FS {
	switch {
	case upper == nil:
		return lower
	case lower == nil:
		return upper
	}
	return overlayFS{lower: lower, upper: upper}
}

// OverlayDir is Overlay with upper read from a directory on disk; an empty
// dir or one that does not exist means no overlay.
func OverlayDir(lower fs.FS, dir string) fs.FS {
	if dir == "" {
		return lower
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return lower
	}
	return Overlay(lower, os.DirFS(dir))
}

type overlayFS struct{ lower, upper fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if st, err := fs.Stat(o.upper, name); err == nil && !st.IsDir() {
		return o.upper.Open(name)
	}
	return o.lower.Open(name)
}

// ReadDir merges both listings; for a name present in both, upper wins.
func (o overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	up, upErr := fs.ReadDir(o.upper, name)
	low, lowErr := fs.ReadDir(o.lower, name)
	if upErr != nil && lowErr != nil {
		if errors.Is(lowErr, fs.ErrNotExist) {
			return nil, upErr
		}
		return nil, lowErr
	}
	byName := map[string]fs.DirEntry{}
	for _, e := range low {
		byName[e.Name()] = e
	}
	for _, e := range up {
		byName[e.Name()] = e
	}
	out := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat is needed so fs.Stat sees a directory that exists only in one layer.
func (o overlayFS) Stat(name string) (fs.FileInfo, error) {
	if st, err := fs.Stat(o.upper, name); err == nil {
		return st, nil
	}
	return fs.Stat(o.lower, path.Clean(name))
}
