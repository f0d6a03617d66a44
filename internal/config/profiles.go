package config

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// profileLeaves are the scalar values a profile layer sets, by key path,
// taken before merging (merging links and edits the layers' nodes).
func profileLeaves(n *yaml.Node, path string, out map[string]string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			profileLeaves(n.Content[i+1], joinPath(path, n.Content[i].Value), out)
		}
	case yaml.ScalarNode:
		out[path] = n.Value
	}
}

// nodeAt finds the merged value at a dotted key path.
func nodeAt(root *yaml.Node, path string) *yaml.Node {
	n := root
	for _, seg := range strings.Split(path, ".") {
		i := findKey(n, seg)
		if n.Kind != yaml.MappingNode || i < 0 {
			return nil
		}
		n = n.Content[i+1]
	}
	return n
}

// profileOverrideWarnings: the guide's per-OB defaults "should not be
// modified in environments different than dev"; a user value that replaces
// one outside environment_type dev is reported with where it was set.
func profileOverrideWarnings(profile string, leaves map[string]string, root *yaml.Node, o origins, envType string) []string {
	if envType == "dev" {
		return nil
	}
	var out []string
	for _, path := range sortedKeys(leaves) {
		or, ok := o[path]
		if !ok || or.builtin() {
			continue
		}
		n := nodeAt(root, path)
		if n != nil && n.Kind == yaml.ScalarNode && n.Value == leaves[path] {
			continue // the user spelt the profile's value out
		}
		got := "null"
		if n != nil && n.Kind == yaml.ScalarNode {
			got = n.Value
		}
		if or.vaulted || secretByType(path) {
			got = Redaction
		}
		out = append(out, fmt.Sprintf("%s: %s (%s:%d) replaces %s, the default of profile %s; the guide says profile defaults should not change outside dev environments",
			path, got, or.file, or.line, leaves[path], profile))
	}
	return out
}
