package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/auracognitive/aurak8s/internal/vault"
	yaml "go.yaml.in/yaml/v3"

	"github.com/auracognitive/aurak8s/internal/editdist"
)

// checker walks one layer's YAML against the Config type: unknown keys (with
// a did-you-mean hint) and wrong types become problems, and the offending
// entries are removed so the rest of the load can go on and report more.
// Inline !vault values are decrypted on the way.
type checker struct {
	l        *layer
	password string
	problems []Problem
	broken   map[string]bool // paths whose value was rejected (no "required" noise)
}

func (c *checker) addf(n *yaml.Node, path, format string, a ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	c.problems = append(c.problems, Problem{File: c.l.file, Line: line, Path: path, Msg: fmt.Sprintf(format, a...), From: c.l.from})
	c.broken[path] = true
}

// check reports whether n may stay in the tree as a value of type t.
func (c *checker) check(n *yaml.Node, t reflect.Type, path string) bool {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!vault" {
		if !c.decrypt(n, t, path) {
			return false
		}
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != "!vault" {
		c.addf(n, path, "unsupported YAML tag %s (only !vault is understood)", n.Tag)
		return false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return true // unset: the zero value; rules catch what is required
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.addf(n, path, "must be a mapping, not %s", describe(n))
			return false
		}
		fields := yamlFields(t)
		c.eachPair(n, path, func(key string, k, v *yaml.Node, child string) bool {
			f, ok := fields[key]
			if !ok {
				hint := suggest(key, fieldNames(t))
				if hint == "" {
					hint = elsewhere(key, path)
				}
				c.addf(k, child, "unknown key%s", hint)
				return false
			}
			return c.check(v, f.Type, child)
		})
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.addf(n, path, "must be a mapping, not %s", describe(n))
			return false
		}
		c.eachPair(n, path, func(_ string, _, v *yaml.Node, child string) bool {
			return c.check(v, t.Elem(), child)
		})
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.addf(n, path, "must be a list, not %s", describe(n))
			return false
		}
		kept := n.Content[:0]
		for i, item := range n.Content {
			if c.check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)) {
				kept = append(kept, item)
			}
		}
		n.Content = kept
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.addf(n, path, "must be a string, not %s", describe(n))
			return false
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			hint := ""
			if _, err := strconv.Atoi(n.Value); err == nil && n.Kind == yaml.ScalarNode {
				hint = " (remove the quotes)"
			}
			c.addf(n, path, "must be an integer, not %s%s", describe(n), hint)
			return false
		}
		if _, err := strconv.Atoi(n.Value); err != nil {
			c.addf(n, path, "must be a decimal integer that fits in 64 bits")
			return false
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			c.addf(n, path, "must be true or false, not %s", describe(n))
			return false
		}
	}
	return true
}

// eachPair calls fn for every key of a mapping and drops the pairs fn rejects.
func (c *checker) eachPair(n *yaml.Node, path string, fn func(key string, k, v *yaml.Node, child string) bool) {
	kept := n.Content[:0]
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			c.addf(k, path, "keys must be plain strings")
			continue
		}
		child := joinPath(path, k.Value)
		if k.Value == "<<" {
			c.addf(k, child, "YAML merge keys (<<) are not supported; write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.addf(k, child, "duplicate key (first set on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		if fn(k.Value, k, v, child) {
			kept = append(kept, k, v)
		}
	}
	n.Content = kept
}

// decrypt replaces an inline !vault value by its plaintext.
func (c *checker) decrypt(n *yaml.Node, t reflect.Type, path string) bool {
	plain, err := vault.DecryptString(n.Value, c.password)
	switch {
	case errors.Is(err, vault.ErrNoPassword):
		c.addf(n, path, "is vaulted but no vault password was given (use -v, --vault-password-file or AURA_VAULT_PASSWORD)")
		return false
	case errors.Is(err, vault.ErrWrongPassword):
		c.addf(n, path, "vault password is wrong for this value")
		return false
	case err != nil:
		c.addf(n, path, "cannot decrypt vaulted value: %v", err)
		return false
	}
	n.Value = plain
	n.Style = 0
	n.Tag = ""
	if t.Kind() == reflect.String {
		n.Tag = "!!str"
	}
	c.l.vaultedPaths[path] = true
	c.l.vaultedValues = append(c.l.vaultedValues, plain)
	return true
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.StructField

// yamlFields maps the yaml keys of struct type t to its fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.StructField)
	}
	m := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name := yamlName(f); name != "" {
			m[name] = f
		}
	}
	fieldCache.Store(t, m)
	return m
}

// yamlName is the key of an exported field, "" for fields not in YAML.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for name := range yamlFields(t) {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// suggest returns ` (did you mean "x"?)` for the closest valid key, if any is
// close enough to be a plausible typo.
func suggest(key string, valid []string) string {
	best, bestD := "", 1<<30
	lk := strings.ToLower(key)
	for _, v := range valid {
		d := editdist.Levenshtein(lk, strings.ToLower(v))
		if d < bestD {
			best, bestD = v, d
		}
	}
	limit := max(2, len(key)/3)
	if best == "" || bestD > limit {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

var (
	keyPathsOnce sync.Once
	keyPaths     map[string][]string // key name → every path where it is valid
)

// elsewhere hints at the right place for a key that is valid at another
// path (e.g. min_size written at the top level).
func elsewhere(key, path string) string {
	keyPathsOnce.Do(func() {
		keyPaths = map[string][]string{}
		var walk func(t reflect.Type, prefix string, depth int)
		walk = func(t reflect.Type, prefix string, depth int) {
			for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
				t = t.Elem()
			}
			switch {
			case depth > 8:
			case t.Kind() == reflect.Map:
				walk(t.Elem(), joinPath(prefix, "<name>"), depth+1)
			case t.Kind() == reflect.Struct:
				for _, name := range fieldNames(t) {
					p := joinPath(prefix, name)
					keyPaths[name] = append(keyPaths[name], p)
					walk(yamlFields(t)[name].Type, p, depth+1)
				}
			}
		}
		walk(reflect.TypeFor[Config](), "", 0)
	})
	var out []string
	for _, p := range keyPaths[key] {
		if p != joinPath(path, key) {
			out = append(out, p)
		}
	}
	if len(out) == 0 || len(out) > 3 {
		return ""
	}
	return fmt.Sprintf(" (it belongs at %s)", strings.Join(out, " or "))
}
