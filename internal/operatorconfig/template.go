package operatorconfig

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// FromEnv reads settings from environment variables, as the operator does
// (the release manifest's aura-operator env). Variables that are not
// settings, and secrets, which have no place in a manifest, are errors.
func FromEnv(env map[string]string) (Settings, error) {
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if st, ok := Lookup(k); !ok || st.Secret {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		return Settings{}, fmt.Errorf("%s: not a setting of aura-operator that may be written in plain text (those are %s)",
			strings.Join(bad, ", "), strings.Join(plainNames(), ", "))
	}
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := BindFlags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(nil); err != nil {
		return Settings{}, err
	}
	for k, v := range env {
		if st, _ := Lookup(k); st.boolean != nil && v != "true" && v != "false" {
			return Settings{}, fmt.Errorf("%s must be true or false, not %q", k, v)
		}
	}
	return *s, nil
}

func plainNames() []string {
	var out []string
	for _, st := range Table {
		if !st.Secret {
			out = append(out, st.Env)
		}
	}
	return out
}

// TemplateValues are what the aura-operator templates render from (template
// context key "aura_operator"): "env", the non-secret settings for its
// ConfigMap, except those the release manifest's env already gives it;
// "secret_env", the secret ones for its Secret; "rules", its ClusterRole's
// rules. The settings must be valid: a Deployment the operator exits from
// at once is not rendered.
func TemplateValues(s Settings, releaseEnv map[string]string) (map[string]any, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("aura-operator settings: %w", err)
	}
	plain, secret := s.Env()
	for k, v := range releaseEnv {
		if plain[k] != v {
			return nil, fmt.Errorf("aura-operator setting %s is %q in the release manifest but %q was asked for", k, v, plain[k])
		}
		delete(plain, k)
	}
	r, err := Rules()
	if err != nil {
		return nil, err
	}
	// Through JSON: templates see plain maps and lists under the API's field names.
	var rulesAny []any
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &rulesAny); err != nil {
		return nil, err
	}
	return map[string]any{"env": anyMap(plain), "secret_env": anyMap(secret), "rules": rulesAny}, nil
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
