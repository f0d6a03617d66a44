package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// fullPath sets every key (the example as it was before it was cut down to
// what an OB must set): rule tests change its values in place.
const fullPath = "testdata/full.yml"

const examplePath = "../../examples/config.yml"

// edit is one change to a base config: set the key path (dotted; "[i]" for
// list items) to the YAML value, or delete it when value is "<delete>".
type edit struct {
	path  string
	value string
}

// mutate applies edits to a YAML document, keeping its comments.
func mutate(t testing.TB, base []byte, edits ...edit) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(base, &doc); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		setPath(t, doc.Content[0], strings.Split(e.path, "."), e.value)
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func setPath(t testing.TB, n *yaml.Node, segs []string, value string) {
	t.Helper()
	key, idx := segs[0], -1
	if i := strings.Index(key, "["); i >= 0 {
		idx, _ = strconv.Atoi(strings.TrimSuffix(key[i+1:], "]"))
		key = key[:i]
	}
	j := findKey(n, key)
	if j < 0 {
		if value == "<delete>" {
			return
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &yaml.Node{Kind: yaml.MappingNode})
		j = len(n.Content) - 2
	}
	if idx >= 0 {
		seq := n.Content[j+1]
		if len(segs) == 1 {
			seq.Content[idx] = parseValue(t, value)
			return
		}
		setPath(t, seq.Content[idx], segs[1:], value)
		return
	}
	if len(segs) == 1 {
		if value == "<delete>" {
			n.Content = append(n.Content[:j], n.Content[j+2:]...)
			return
		}
		n.Content[j+1] = parseValue(t, value)
		return
	}
	if n.Content[j+1].Kind != yaml.MappingNode {
		n.Content[j+1] = &yaml.Node{Kind: yaml.MappingNode}
	}
	setPath(t, n.Content[j+1], segs[1:], value)
}

func parseValue(t testing.TB, value string) *yaml.Node {
	var v yaml.Node
	if err := yaml.Unmarshal([]byte(value), &v); err != nil {
		t.Fatalf("bad test value %q: %v", value, err)
	}
	if len(v.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	}
	return v.Content[0]
}

// lineOf returns the line of the key at path in data (0 if absent).
func lineOf(t testing.TB, data []byte, path string) int {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n, line := doc.Content[0], 0
	for _, seg := range strings.Split(path, ".") {
		key, idx := seg, -1
		if i := strings.Index(seg, "["); i >= 0 {
			idx, _ = strconv.Atoi(strings.TrimSuffix(seg[i+1:], "]"))
			key = seg[:i]
		}
		j := findKey(n, key)
		if j < 0 {
			return 0
		}
		line, n = n.Content[j].Line, n.Content[j+1]
		if idx >= 0 {
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

func writeTemp(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadErrors loads data as the --cfg file and returns its problems.
func loadErrors(t testing.TB, data []byte) (*Config, *Errors, string) {
	t.Helper()
	p := writeTemp(t, t.TempDir(), "config.yml", data)
	cfg, err := Load(LoadOptions{CfgFile: p})
	if err == nil {
		return cfg, nil, p
	}
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error is %T, want *config.Errors: %v", err, err)
	}
	if errs.ExitCode() != 2 {
		t.Fatalf("exit code %d, want 2", errs.ExitCode())
	}
	return nil, errs, p
}
