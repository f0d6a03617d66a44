package config

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/auracognitive/aurak8s/internal/vault"
	yaml "go.yaml.in/yaml/v3"
)

//go:embed defaults/defaults.yml defaults/profiles/*.yml
var builtin embed.FS

// LoadOptions say where the configuration comes from.
type LoadOptions struct {
	CfgFile       string // --cfg (required)
	ExtraDir      string // --ecfg: every *.yml in it, in lexical order
	VaultPassword string // opens vaulted files and !vault values
}

// Profiles lists the environment profiles that have built-in defaults.
func Profiles() []string {
	entries, _ := fs.ReadDir(builtin, "defaults/profiles")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yml"))
	}
	return out
}

// Load merges, checks, renders and validates the configuration. Its error is
// a *Errors listing every problem found.
func Load(opts LoadOptions) (*Config, error) {
	ld := &loader{opts: opts}
	cfg := ld.load()
	if len(ld.problems) > 0 {
		sortProblems(ld.problems)
		return nil, &Errors{Problems: ld.problems}
	}
	return cfg, nil
}

type loader struct {
	opts     LoadOptions
	problems []Problem
	broken   map[string]bool
	warnings []string
	// unreadable: a file could not be read, decrypted or parsed at all.
	unreadable bool
}

func (ld *loader) fail(file string, line int, path, format string, a ...any) {
	ld.unreadable = true
	ld.problems = append(ld.problems, Problem{File: file, Line: line, Path: path, Msg: fmt.Sprintf(format, a...)})
}

func (ld *loader) load() *Config {
	ld.broken = map[string]bool{}
	if ld.opts.CfgFile == "" {
		ld.fail("", 0, "", "no config file given (--cfg)")
		return nil
	}
	var user []*layer
	if l := ld.readFile(ld.opts.CfgFile); l != nil {
		user = append(user, l)
	}
	var vaultedExtra []*layer
	if ld.opts.ExtraDir != "" {
		for _, l := range ld.readDir(ld.opts.ExtraDir) {
			// Vaulted files are "the vaulted values": they win over plain ones.
			if l.vaulted {
				vaultedExtra = append(vaultedExtra, l)
			} else {
				user = append(user, l)
			}
		}
	}
	user = append(user, vaultedExtra...)
	if len(ld.problems) > 0 && ld.unreadable {
		// Without a whole file, "missing key" findings would only mislead.
		return nil
	}

	layers := []*layer{ld.builtinLayer("defaults/defaults.yml", "default")}
	profile, profileSet := profileOf(user), map[string]string{}
	if p := profile; p != "" {
		if _, err := fs.Stat(builtin, "defaults/profiles/"+p+".yml"); err == nil {
			l := ld.builtinLayer("defaults/profiles/"+p+".yml", "default of profile "+p)
			profileLeaves(l.root, "", profileSet)
			layers = append(layers, l)
		} else if profileRE.MatchString(p) {
			ld.warnings = append(ld.warnings, fmt.Sprintf("environment_profile %q has no built-in profile defaults (known: %s); the global defaults apply", p, strings.Join(Profiles(), ", ")))
		}
	}
	layers = append(layers, user...)

	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	o := origins{}
	var vaulted []string
	for _, l := range layers {
		merge(root, l.root, l, "", o)
		vaulted = append(vaulted, l.vaultedValues...)
	}
	cfg := &Config{origins: o, vaulted: vaulted, cfgFile: ld.opts.CfgFile}
	if err := root.Decode(cfg); err != nil {
		// The checker admits only values that decode; this is a bug if seen.
		ld.fail(ld.opts.CfgFile, 0, "", "cannot decode configuration: %v", err)
		return nil
	}
	// A pool set to null removes a default pool (e.g. management).
	for name, p := range cfg.Infrastructure.Compute.AgentPools {
		if p == nil {
			delete(cfg.Infrastructure.Compute.AgentPools, name)
		}
	}
	ld.warnings = append(ld.warnings, profileOverrideWarnings(profile, profileSet, root, o, cfg.EnvironmentType)...)
	v := &validator{cfg: cfg, broken: ld.broken}
	v.derive()
	v.render()
	v.validate()
	ld.problems = append(ld.problems, v.problems...)
	cfg.Warnings = append(ld.warnings, v.warnings...)
	// Rules quote values to help; a secret must never be among them, even
	// one a user vaulted in an unexpected key.
	secrets := cfg.SecretValues()
	for i := range ld.problems {
		ld.problems[i].Msg = redact(ld.problems[i].Msg, secrets)
	}
	for i := range cfg.Warnings {
		cfg.Warnings[i] = redact(cfg.Warnings[i], secrets)
	}
	return cfg
}

var profileRE = regexp.MustCompile(`^[a-z0-9]+$`)

// profileOf is the environment_profile the user layers set (last wins).
func profileOf(user []*layer) string {
	p := ""
	for _, l := range user {
		if i := findKey(l.root, "environment_profile"); i >= 0 {
			if v := l.root.Content[i+1]; v.Kind == yaml.ScalarNode {
				p = v.Value
			}
		}
	}
	return p
}

// builtinRoots holds the parsed built-in files by name. They never change,
// and parsing them was a fifth of a load; each load merges into its own copy.
var builtinRoots sync.Map

func (ld *loader) builtinLayer(name, from string) *layer {
	l := newLayer("", from)
	if root, ok := builtinRoots.Load(name); ok {
		l.root = cloneNode(root.(*yaml.Node))
		return l
	}
	data, err := builtin.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	root, problems := ld.parse(l, data)
	if len(problems) > 0 {
		panic(fmt.Sprintf("built-in %s is invalid: %v", name, problems))
	}
	builtinRoots.Store(name, cloneNode(root))
	l.root = root
	return l
}

// cloneNode copies a node tree whose aliases are resolved: merge links the
// nodes of each layer into the result and edits them there.
func cloneNode(n *yaml.Node) *yaml.Node {
	cp := *n
	if n.Content != nil {
		cp.Content = make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			cp.Content[i] = cloneNode(c)
		}
	}
	return &cp
}

// readFile loads one user file, decrypting it when it is vaulted as a whole.
func (ld *loader) readFile(path string) *layer {
	data, err := os.ReadFile(path)
	if err != nil {
		ld.fail(path, 0, "", "cannot read config file: %v", errors.Unwrap(err))
		return nil
	}
	l := newLayer(path, "")
	if vault.IsEncrypted(data) {
		l.vaulted = true
		plain, err := vault.Decrypt(data, ld.opts.VaultPassword)
		switch {
		case errors.Is(err, vault.ErrNoPassword):
			ld.fail(path, 0, "", "file is vaulted but no vault password was given (use -v, --vault-password-file or AURA_VAULT_PASSWORD)")
			return nil
		case errors.Is(err, vault.ErrWrongPassword):
			ld.fail(path, 0, "", "vault password is wrong for %s", path)
			return nil
		case err != nil:
			ld.fail(path, 0, "", "cannot decrypt: %v", err)
			return nil
		}
		data = plain
	}
	root, problems := ld.parse(l, data)
	ld.problems = append(ld.problems, problems...)
	if root == nil {
		ld.unreadable = true
		return nil
	}
	l.root = root
	if l.vaulted {
		collectScalars(root, &l.vaultedValues)
	}
	return l
}

// readDir loads every *.yml (and *.yaml) of dir in lexical order.
func (ld *loader) readDir(dir string) []*layer {
	entries, err := os.ReadDir(dir)
	if err != nil {
		ld.fail(dir, 0, "", "cannot read --ecfg directory: %v", errors.Unwrap(err))
		return nil
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []*layer
	for _, n := range names {
		if l := ld.readFile(filepath.Join(dir, n)); l != nil {
			out = append(out, l)
		}
	}
	return out
}

var (
	yamlLineRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	aliasLineRE = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// parse turns a file into its checked top-level mapping; nil if unusable.
func (ld *loader) parse(l *layer, data []byte) (*yaml.Node, []Problem) {
	file := l.file
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil // empty file
		}
		line, msg := 0, err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = "invalid YAML: " + m[2]
		}
		return nil, []Problem{{File: file, Line: line, Msg: msg}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, []Problem{{File: file, Line: extra.Line, Msg: "only one YAML document is allowed per file"}}
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	root, err := resolveAliases(doc.Content[0])
	if err != nil {
		line, msg := 0, err.Error()
		if m := aliasLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return nil, []Problem{{File: file, Line: line, Msg: msg}}
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{File: file, Line: root.Line, Msg: "the configuration must be a mapping of keys to values, not " + describe(root)}}
	}
	c := &checker{l: l, password: ld.opts.VaultPassword, broken: ld.broken}
	c.check(root, reflect.TypeFor[Config](), "")
	return root, c.problems
}

// maxAliasNodes bounds what alias expansion may produce (a "billion laughs"
// document stays small on disk and explodes when expanded).
const maxAliasNodes = 100000

// resolveAliases replaces *alias nodes by copies of what they point to, so
// that every later step sees plain values. A recursive anchor or an
// expansion beyond maxAliasNodes is an error.
func resolveAliases(n *yaml.Node) (*yaml.Node, error) {
	budget := maxAliasNodes
	var walk func(n *yaml.Node, active map[*yaml.Node]bool) (*yaml.Node, error)
	walk = func(n *yaml.Node, active map[*yaml.Node]bool) (*yaml.Node, error) {
		if budget--; budget < 0 {
			return nil, fmt.Errorf("line %d: YAML aliases expand to more than %d values", n.Line, maxAliasNodes)
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			if active[n.Alias] {
				return nil, fmt.Errorf("line %d: alias *%s refers to its own anchor", n.Line, n.Value)
			}
			active[n.Alias] = true
			defer delete(active, n.Alias)
			cp := *n.Alias
			cp.Anchor = ""
			cp.Content = append([]*yaml.Node(nil), n.Alias.Content...)
			cp.Line, cp.Column = n.Line, n.Column
			return walk(&cp, active)
		}
		if n.Anchor != "" {
			active[n] = true
			defer delete(active, n)
		}
		if len(n.Content) > 0 {
			content := make([]*yaml.Node, len(n.Content))
			for i, c := range n.Content {
				r, err := walk(c, active)
				if err != nil {
					return nil, err
				}
				content[i] = r
			}
			n.Content = content
		}
		return n, nil
	}
	return walk(n, map[*yaml.Node]bool{})
}

// redact replaces every secret (longest first) in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, Redaction)
	}
	return s
}

// collectScalars gathers the strings of a whole vaulted file, for log
// redaction. Such files also hold plain words (user names such as "admin",
// numbers, flags) that would garble every log line if redacted everywhere;
// strings of 8 characters or more are kept. Secret-typed keys are redacted
// whatever their length.
func collectScalars(n *yaml.Node, out *[]string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && len(n.Value) >= 8 {
		*out = append(*out, n.Value)
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue // a key names a value, it is not one
		}
		collectScalars(c, out)
	}
}
