package config

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// RedactedYAML is Redacted as YAML, keys in the order of the guide (the Go
// types), for `aura validate --show-config`.
func RedactedYAML(c *Config) ([]byte, error) {
	n := toNode(reflect.ValueOf(c).Elem(), "", c.isSecretPath)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func scalarNode(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

func toNode(v reflect.Value, path string, redact func(string, *reflect.StructField) bool) *yaml.Node {
	hide := func(v reflect.Value) *yaml.Node {
		if v.IsZero() {
			return toNode(v, path, nil)
		}
		return scalarNode("!!str", Redaction)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return scalarNode("!!null", "null")
		}
		return toNode(v.Elem(), path, redact)
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			p := joinPath(path, name)
			var val *yaml.Node
			if redact != nil && isLeaf(v.Field(i)) && redact(p, &f) {
				val = hide(v.Field(i))
			} else {
				val = toNode(v.Field(i), p, redact)
			}
			n.Content = append(n.Content, scalarNode("!!str", name), val)
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if a.String() < b.String() {
				return -1
			}
			if a.String() > b.String() {
				return 1
			}
			return 0
		})
		for _, k := range keys {
			p := joinPath(path, k.String())
			var val *yaml.Node
			if redact != nil && isLeaf(v.MapIndex(k)) && redact(p, nil) {
				val = hide(v.MapIndex(k))
			} else {
				val = toNode(v.MapIndex(k), p, redact)
			}
			n.Content = append(n.Content, scalarNode("!!str", k.String()), val)
		}
		return n
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		for i := 0; i < v.Len(); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			if redact != nil && isLeaf(v.Index(i)) && redact(p, nil) {
				n.Content = append(n.Content, hide(v.Index(i)))
				continue
			}
			n.Content = append(n.Content, toNode(v.Index(i), p, redact))
		}
		return n
	case reflect.String:
		return scalarNode("!!str", v.String())
	case reflect.Int:
		return scalarNode("!!int", strconv.FormatInt(v.Int(), 10))
	case reflect.Bool:
		return scalarNode("!!bool", strconv.FormatBool(v.Bool()))
	}
	return scalarNode("!!str", fmt.Sprint(v.Interface()))
}
