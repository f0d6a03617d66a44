package config

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Redaction is what a secret value is replaced by.
const Redaction = "<redacted>"

// TemplateContext is what templates see: every resolved key by its yaml
// name, plus environment_name, the kubernetes_*_namespace names, the derived
// resource names, components (component name → enabled) and the values
// computed for the templates (templatevalues.go).
func (c *Config) TemplateContext() map[string]any {
	m := toMap(reflect.ValueOf(c).Elem(), "", nil).(map[string]any)
	d := c.Derived
	m["environment_name"] = d.EnvironmentName
	m["kubernetes_core_namespace"] = d.CoreNamespace
	m["kubernetes_system_namespace"] = d.SystemNamespace
	m["kubernetes_agents_namespace"] = d.AgentsNamespace
	m["cluster_resource_group"] = d.ClusterResourceGroup
	m["common_resource_group"] = d.CommonResourceGroup
	m["common_storage_account"] = d.CommonStorageAccount
	m["bot_channel_name"] = d.BotChannelName
	m["next_bot_channel_name"] = d.NextBotChannelName
	m["bot_channel"] = c.activeBotChannel()
	m["dns_zone"] = DNSZone
	m["dns_zone_resource_group"] = d.DNSZoneResourceGroup
	comps := make(map[string]any, len(d.Components))
	for k, v := range d.Components {
		comps[k] = v
	}
	m["components"] = comps
	m["context_agents_settings"] = c.contextAgentSettings()
	m["context_agent_tokens"] = c.contextAgentTokens()
	m["aura_gateway_api_access"] = allowedOrigins(c.AuraGatewayAPIAllowedOrigins)
	m["aura_manager_access"] = allowedOrigins(c.AuraManagerAllowedOrigins)
	return m
}

// Redacted is the whole resolved configuration with every secret (tagged
// secret, or read from a vault) replaced by "<redacted>".
func Redacted(c *Config) map[string]any {
	return toMap(reflect.ValueOf(c).Elem(), "", c.isSecretPath).(map[string]any)
}

// SecretValues lists every secret value of the configuration (non-empty), so
// loggers can redact them wherever they appear.
func (c *Config) SecretValues() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	walkSecrets(reflect.ValueOf(c).Elem(), false, add)
	for _, s := range c.vaulted {
		// A vaulted file may hold harmless values such as "7" or "true";
		// redacting those everywhere would garble every log line.
		if len(s) >= 4 {
			add(s)
		}
	}
	for _, item := range splitKeys(c.AuraEncryptionKey) {
		add(item)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// isSecretPath: the value at path must not be shown.
func (c *Config) isSecretPath(path string, f *reflect.StructField) bool {
	if f != nil && f.Tag.Get("secret") == "true" {
		return true
	}
	if o, ok := c.origins.at(path); ok && o.vaulted {
		return true
	}
	return f == nil && secretByType(path)
}

// secretByType: some field along path is tagged secret.
func secretByType(path string) bool {
	t := reflect.TypeFor[Config]()
	for _, seg := range strings.Split(indexRE.ReplaceAllString(path, ""), ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem() // seg is a map key
		case reflect.Struct:
			f, ok := yamlFields(t)[seg]
			if !ok {
				return false
			}
			if f.Tag.Get("secret") == "true" {
				return true
			}
			t = f.Type
		default:
			return false
		}
	}
	return false
}

var indexRE = regexp.MustCompile(`\[[0-9]+\]`)

func walkSecrets(v reflect.Value, secret bool, add func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkSecrets(v.Elem(), secret, add)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if yamlName(f) == "" {
				continue
			}
			walkSecrets(v.Field(i), secret || f.Tag.Get("secret") == "true", add)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkSecrets(v.MapIndex(k), secret, add)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkSecrets(v.Index(i), secret, add)
		}
	case reflect.String:
		if secret {
			add(v.String())
		}
	}
}

// toMap converts a typed value to plain maps/slices keyed by yaml names.
// With redact set, values it reports as secret become "<redacted>" (empty
// secrets stay empty, so one can see they are unset).
func toMap(v reflect.Value, path string, redact func(string, *reflect.StructField) bool) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toMap(v.Elem(), path, redact)
	case reflect.Struct:
		t := v.Type()
		m := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			p := joinPath(path, name)
			if redact != nil && isLeaf(v.Field(i)) && redact(p, &f) && !v.Field(i).IsZero() {
				m[name] = redactValue(v.Field(i))
				continue
			}
			m[name] = toMap(v.Field(i), p, redact)
		}
		return m
	case reflect.Map:
		m := make(map[string]any, v.Len())
		for _, k := range v.MapKeys() {
			p := joinPath(path, k.String())
			if redact != nil && isLeaf(v.MapIndex(k)) && redact(p, nil) {
				m[k.String()] = redactValue(v.MapIndex(k))
				continue
			}
			m[k.String()] = toMap(v.MapIndex(k), p, redact)
		}
		return m
	case reflect.Slice:
		s := make([]any, v.Len())
		for i := range s {
			p := fmt.Sprintf("%s[%d]", path, i)
			if redact != nil && isLeaf(v.Index(i)) && redact(p, nil) {
				s[i] = redactValue(v.Index(i))
				continue
			}
			s[i] = toMap(v.Index(i), p, redact)
		}
		return s
	case reflect.String:
		return v.String()
	case reflect.Int:
		return int(v.Int())
	case reflect.Bool:
		return v.Bool()
	}
	return v.Interface()
}

// redactValue hides a secret, keeping the shape of structured values.
func redactValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return redactValue(v.Elem())
	case reflect.Struct, reflect.Map, reflect.Slice:
		return toMap(v, "", func(string, *reflect.StructField) bool { return true })
	}
	return Redaction
}

// isLeaf: v is a scalar; structured values are redacted leaf by leaf, so
// their shape (user names, list lengths) stays visible.
func isLeaf(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice:
		return false
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || isLeaf(v.Elem())
	}
	return true
}
