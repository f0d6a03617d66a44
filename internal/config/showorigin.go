package config

import (
	"bytes"
	"fmt"
	"reflect"

	yaml "go.yaml.in/yaml/v3"
)

// ShowConfigYAML is RedactedYAML with the origin of every value as a line
// comment, like `git config --show-origin`: "built-in default", "profile
// de", "--cfg FILE:LINE", "--ecfg FILE:LINE", with "(vault)" for a vaulted
// value. It stays a loadable config: the comments are YAML comments.
func ShowConfigYAML(c *Config) ([]byte, error) {
	n := toNode(reflect.ValueOf(c).Elem(), "", c.isSecretPath)
	annotateOrigins(n, "", c)
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

// annotateOrigins labels each value that is not a mapping (mappings merge
// from several layers: their entries carry their own labels).
func annotateOrigins(n *yaml.Node, path string, c *Config) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := joinPath(path, k.Value)
		if v.Kind == yaml.MappingNode && len(v.Content) > 0 {
			annotateOrigins(v, p, c)
			continue
		}
		label := "not set"
		if o, ok := c.origins[p]; ok {
			label = c.originLabel(o)
		}
		if v.Kind == yaml.ScalarNode || len(v.Content) == 0 {
			v.LineComment = label
		} else {
			k.LineComment = label
		}
	}
}

func (c *Config) originLabel(o origin) string {
	var s string
	switch {
	case o.file == "" && o.from == "default":
		s = "built-in default"
	case o.file == "":
		s = o.from // "default of profile de"
	case o.file == c.cfgFile:
		s = fmt.Sprintf("--cfg %s:%d", o.file, o.line)
	default:
		s = fmt.Sprintf("--ecfg %s:%d", o.file, o.line)
	}
	if o.vaulted {
		s += " (vault)"
	}
	return s
}
