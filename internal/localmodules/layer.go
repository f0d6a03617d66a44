package localmodules

import (
	"archive/tar"
	"bytes"
	"io"
	"path"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// PluginDir is where aura-bot loads local use cases from: one directory per
// package, named as the package (scoped names keep their @scope/ directory),
// like node_modules.
const PluginDir = "/usr/src/app/local_modules"

// epoch is every entry's modification time: the same bundles always make
// the same layer, so a re-run builds the same digest and pushes nothing.
var epoch = time.Unix(0, 0).UTC()

// layerTar is the uncompressed tar of the bundles unpacked under PluginDir:
// the directories leading to each file, then the files, in path order, owned
// by root and readable by anyone (aura-bot does not run as root).
func layerTar(bundles []Bundle) ([]byte, error) {
	type entry struct {
		path string
		file *File
	}
	dirs := map[string]bool{}
	var entries []entry
	addDirs := func(p string) {
		for d := path.Dir(p); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for i := range bundles {
		for j := range bundles[i].Files {
			f := &bundles[i].Files[j]
			p := path.Join(PluginDir, bundles[i].Name, f.Path)
			addDirs(p)
			entries = append(entries, entry{path: p, file: f})
		}
	}
	for d := range dirs {
		entries = append(entries, entry{path: d})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.path[1:], ModTime: epoch, Format: tar.FormatPAX}
		if e.file == nil {
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
		} else {
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, e.file.Mode, int64(len(e.file.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if e.file != nil {
			if _, err := tw.Write(e.file.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bundlesLayer is the layer, compressed the way the base image's layers are
// described (OCI or Docker media type).
func bundlesLayer(bundles []Bundle, oci bool) (v1.Layer, error) {
	data, err := layerTar(bundles)
	if err != nil {
		return nil, err
	}
	mt := types.DockerLayer
	if oci {
		mt = types.OCILayer
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(mt))
}
