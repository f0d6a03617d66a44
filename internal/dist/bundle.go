package dist

import (
	"bytes"
	_ "embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"
)

// launcher is the bundle's ./aura: it picks the binary for the machine.
//
//go:embed launcher.sh
var launcher []byte

//go:embed README.tmpl
var readmeTmpl string

// entry is one file of the bundle: from a file of the tree or from memory.
type entry struct {
	name string // slash-separated path inside the zip
	mode fs.FileMode
	src  string // file to copy, or
	data []byte
}

// bundleEntries lists the files of the bundle except SHA256SUMS.
func bundleEntries(o *Options, auraBins map[string]string, operatorRef string) ([]entry, error) {
	es := []entry{{name: "aura", mode: 0o755, data: launcher}}
	for _, arch := range o.Arches {
		es = append(es, entry{name: "bin/linux-" + arch + "/aura", mode: 0o755, src: auraBins[arch]})
	}
	es = append(es,
		entry{name: "config.yml", mode: 0o644, src: filepath.Join(o.Root, "examples", "config.yml")},
		entry{name: "profiles/defaults.yml", mode: 0o644, src: filepath.Join(o.Root, "internal", "config", "defaults", "defaults.yml")},
		entry{name: "migrations/cluster/migrate-cluster", mode: 0o755, src: filepath.Join(o.Root, "migrations", "cluster", "migrate-cluster")},
		entry{name: "migrations/logs/migrate-logs", mode: 0o755, src: filepath.Join(o.Root, "migrations", "logs", "migrate-logs")},
	)
	trees := []struct{ dir, prefix string }{
		{filepath.Join(o.Root, "examples", "ecfg"), "ecfg"},
		{filepath.Join(o.Root, "internal", "config", "defaults", "profiles"), "profiles"},
		{filepath.Join(o.Root, "deploy", "templates"), "deploy/templates"},
	}
	for _, t := range trees {
		more, err := treeEntries(t.dir, t.prefix)
		if err != nil {
			return nil, err
		}
		es = append(es, more...)
	}
	for _, e := range es {
		if e.src == "" {
			continue
		}
		if _, err := os.Stat(e.src); err != nil {
			return nil, fmt.Errorf("bundle file %s: %v", e.name, err)
		}
	}
	readme, err := renderReadme(o, operatorRef)
	if err != nil {
		return nil, err
	}
	return append(es, entry{name: "README.md", mode: 0o644, data: readme}), nil
}

// treeEntries lists the regular files under dir; Go files are how the
// templates are embedded, not templates, so they stay out.
func treeEntries(dir, prefix string) ([]entry, error) {
	var es []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		es = append(es, entry{name: path.Join(prefix, filepath.ToSlash(rel)), mode: 0o644, src: p})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bundle directory %s: %v", prefix, err)
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("bundle directory %s: no files in %s", prefix, dir)
	}
	return es, nil
}

func renderReadme(o *Options, operatorRef string) ([]byte, error) {
	t, err := template.New("README").Parse(readmeTmpl)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, map[string]any{
		"Name": o.Name(), "Version": o.Version, "OB": o.OB, "Commit": o.Commit,
		"Arches": o.Arches, "OperatorImage": operatorRef,
	})
	return b.Bytes(), err
}
