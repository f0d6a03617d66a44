package config

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// layer is one source of values, in merge order.
type layer struct {
	file          string // as the user named it; "" for built-in layers
	from          string // "default" or "default of profile xx" for built-in layers
	root          *yaml.Node
	vaulted       bool            // the whole file was vaulted
	vaultedPaths  map[string]bool // inline !vault values by key path
	vaultedValues []string
}

func newLayer(file, from string) *layer {
	return &layer{file: file, from: from, vaultedPaths: map[string]bool{}}
}

// origin is where a key's current value was written.
type origin struct {
	file    string
	line    int
	from    string // built-in layer name when file is ""
	vaulted bool
}

// builtin reports whether the value came from a default, not from the user.
func (o origin) builtin() bool { return o.file == "" }

// origins maps key paths (a.b[0].c) to where their value was set.
type origins map[string]origin

// at returns the origin of path, or of its nearest ancestor that has one.
func (o origins) at(path string) (origin, bool) {
	for p := path; p != ""; p = parentPath(p) {
		if or, ok := o[p]; ok {
			return or, true
		}
	}
	return origin{}, false
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// clear forgets path and everything under it (a replaced value).
func (o origins) clear(path string) {
	for p := range o {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			delete(o, p)
		}
	}
}

// record notes the origin of value n at path and of everything under it.
func (o origins) record(l *layer, n *yaml.Node, path string, line int) {
	o[path] = origin{file: l.file, line: line, from: l.from, vaulted: l.vaulted || l.vaultedPaths[path]}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			o.record(l, n.Content[i+1], joinPath(path, k.Value), k.Line)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			o.record(l, item, fmt.Sprintf("%s[%d]", path, i), item.Line)
		}
	}
}

// merge applies src over dst (both mappings): mappings merge deeply, any
// other value (lists included) replaces what was there.
func merge(dst, src *yaml.Node, l *layer, path string, o origins) {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		child := joinPath(path, k.Value)
		j := findKey(dst, k.Value)
		if j >= 0 && dst.Content[j+1].Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
			o[child] = origin{file: l.file, line: k.Line, from: l.from, vaulted: l.vaulted}
			merge(dst.Content[j+1], v, l, child, o)
			continue
		}
		if j >= 0 && dst.Content[j+1].Kind != yaml.ScalarNode {
			o.clear(child) // forget the replaced value's children
		}
		o.record(l, v, child, k.Line)
		if j >= 0 {
			dst.Content[j+1] = v
		} else {
			dst.Content = append(dst.Content, k, v)
		}
	}
}

func findKey(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}
