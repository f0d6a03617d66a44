package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Renderer renders templates from one file system (usually the embedded tree
// overlaid by the user's directory, see OverlayDir).
type Renderer struct {
	fsys    fs.FS
	env     *exec.Environment
	cfg     *config.Config
	secrets []string
}

// New returns a renderer reading templates from fsys. Secret values given
// here are replaced by "<redacted>" in every error the renderer returns.
func New(fsys fs.FS, secrets ...string) *Renderer {
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	for name, fn := range ansibleFilters() {
		if filters.Exists(name) {
			_ = filters.Replace(name, fn)
		} else {
			_ = filters.Register(name, fn)
		}
	}
	cfg := config.New()
	cfg.StrictUndefined = true     // Ansible fails on undefined variables; so do we
	cfg.TrimBlocks = true          // Ansible's template module default
	cfg.KeepTrailingNewline = true // so multi-document files split cleanly
	return &Renderer{
		fsys: fsys,
		cfg:  cfg,
		env: &exec.Environment{
			Context:           exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables),
			Filters:           filters,
			Tests:             builtins.Tests,
			ControlStructures: builtins.ControlStructures,
			Methods:           builtins.Methods,
		},
		secrets: nonEmpty(secrets),
	}
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	// Longest first so a secret that contains another is redacted whole.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// FS returns the file system templates are read from.
func (r *Renderer) FS() fs.FS { return r.fsys }

// Error is a rendering failure located in a template file.
type Error struct {
	File string // template path inside the tree
	Line int    // 1-based line in the template (0 when unknown)
	Doc  int    // 1-based YAML document index in the rendered output (0 when not a YAML error)
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Doc > 0 {
		fmt.Fprintf(&b, ": document %d", e.Doc)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

var (
	// gonja puts the whole template source in parse errors; we only keep the reason.
	parsePrefix = regexp.MustCompile(`(?s)^failed to parse template '.*?': `)
	lineRe      = regexp.MustCompile(`(?:at line |Line: )(\d+)`)
)

func (r *Renderer) fail(file string, doc int, err error) error {
	msg := err.Error()
	line := 0
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg = parsePrefix.ReplaceAllString(msg, "")
	msg = strings.TrimPrefix(msg, "unable to execute template: ")
	for _, s := range r.secrets {
		msg = strings.ReplaceAll(msg, s, "<redacted>")
	}
	return &Error{File: file, Line: line, Doc: doc, Msg: msg}
}

// RenderFile renders the template at name (a path inside the tree, e.g.
// "core/component.yaml") with ctx.
func (r *Renderer) RenderFile(name string, ctx map[string]any) ([]byte, error) {
	name = strings.TrimPrefix(path.Clean(name), "/")
	if _, err := fs.Stat(r.fsys, name); err != nil {
		return nil, &Error{File: name, Msg: "template not found"}
	}
	loader := fsLoader{fsys: r.fsys, dir: "/" + path.Dir(name)}
	tpl, err := exec.NewTemplate("/"+name, r.cfg, loader, r.env)
	if err != nil {
		return nil, r.fail(name, 0, err)
	}
	var out strings.Builder
	if err := tpl.Execute(&out, exec.NewContext(ctx)); err != nil {
		return nil, r.fail(name, 0, err)
	}
	return []byte(out.String()), nil
}

// Objects renders the template at name and decodes its YAML documents.
func (r *Renderer) Objects(name string, ctx map[string]any) ([]*unstructured.Unstructured, error) {
	out, err := r.RenderFile(name, ctx)
	if err != nil {
		return nil, err
	}
	objs, err := SplitYAML(name, out)
	if err != nil {
		var re *Error
		if errors.As(err, &re) {
			return nil, r.fail(re.File, re.Doc, errors.New(re.Msg))
		}
		return nil, err
	}
	return objs, nil
}

// IsTemplate reports whether a file in a template directory is rendered on
// its own. Files whose name starts with "_" are partials: only included.
func IsTemplate(name string) bool {
	base := path.Base(name)
	if strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
		return false
	}
	for _, ext := range []string{".yaml", ".yml", ".yaml.j2", ".yml.j2", ".j2"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// Dir renders every template directly inside dir (not recursively), in
// lexical order, and returns all their objects. A dir that does not exist
// renders nothing: an optional extension point.
func (r *Renderer) Dir(dir string, ctx map[string]any) ([]*unstructured.Unstructured, error) {
	dir = strings.TrimPrefix(path.Clean(dir), "/")
	entries, err := fs.ReadDir(r.fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("templates %s: %w", dir, err)
	}
	var all []*unstructured.Unstructured
	for _, e := range entries {
		if e.IsDir() || !IsTemplate(e.Name()) {
			continue
		}
		objs, err := r.Objects(path.Join(dir, e.Name()), ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, objs...)
	}
	return all, nil
}
