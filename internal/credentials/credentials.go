package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Names of the keys, as create_sp writes them and the guide exports them.
const (
	KeyClientID       = "AZURE_CLIENT_ID"
	KeySecret         = "AZURE_SECRET"
	KeySubscriptionID = "AZURE_SUBSCRIPTION_ID"
	KeyTenant         = "AZURE_TENANT"
)

// aliases are the names azidentity and the az CLI use for the same values.
var aliases = map[string]string{
	"AZURE_CLIENT_SECRET": KeySecret,
	"AZURE_TENANT_ID":     KeyTenant,
}

var keyOrder = []string{KeyClientID, KeySecret, KeySubscriptionID, KeyTenant}

// Credentials of a service principal. The zero value is empty, not valid.
type Credentials struct {
	ClientID       string `json:"AZURE_CLIENT_ID"`
	ClientSecret   Secret `json:"AZURE_SECRET"`
	SubscriptionID string `json:"AZURE_SUBSCRIPTION_ID"`
	TenantID       string `json:"AZURE_TENANT"`
	// Source says where the values came from: the file path, "environment",
	// or both joined by " + ".
	Source string `json:"-"`
}

// String shows who the principal is, never its secret.
func (c Credentials) String() string {
	return fmt.Sprintf("service principal %s (tenant %s, subscription %s, secret %s) from %s",
		c.ClientID, c.TenantID, c.SubscriptionID, redacted, c.Source)
}

// GoString keeps %#v from printing the secret through the struct's fields.
func (c Credentials) GoString() string { return "credentials.Credentials{" + c.String() + "}" }

// SecretValues lists the values loggers must redact.
func (c *Credentials) SecretValues() []string {
	if c == nil || c.ClientSecret == "" {
		return nil
	}
	return []string{c.ClientSecret.Reveal()}
}

// Error is bad credentials input. Commands exit with 2: nothing was changed.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// ExitCode is what aura exits with when credentials cannot be loaded.
func (e *Error) ExitCode() int { return 2 }

func errorf(format string, a ...any) error { return &Error{fmt.Sprintf(format, a...)} }

// Load reads credentials from the JSON file at path (when path is not empty)
// and from the environment through getenv (os.Getenv when nil); a value in the
// file wins over the environment. Warnings are non-fatal findings, such as a
// credentials file that group or others can read.
func Load(path string, getenv func(string) string) (*Credentials, []string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var warnings []string
	values := map[string]string{}
	origin := map[string]string{}
	if path != "" {
		fileValues, fileWarnings, err := readFile(path)
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, fileWarnings...)
		for k, v := range fileValues {
			values[k], origin[k] = v, path
		}
	}
	envValues, envWarnings := readEnv(getenv)
	warnings = append(warnings, envWarnings...)
	for k, v := range envValues {
		if _, ok := values[k]; !ok {
			values[k], origin[k] = v, "environment"
		}
	}

	var missing []string
	for _, k := range keyOrder {
		if values[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		where := "the environment"
		if path != "" {
			where = path + " or the environment"
		}
		return nil, nil, errorf("credentials: missing %s (looked in %s); run `aura create_sp -n NAME` to create them, then pass -c credentials.json or export the AZURE_* variables",
			strings.Join(missing, ", "), where)
	}
	c := &Credentials{
		ClientID:       values[KeyClientID],
		ClientSecret:   Secret(values[KeySecret]),
		SubscriptionID: values[KeySubscriptionID],
		TenantID:       values[KeyTenant],
	}
	var sources []string
	for _, k := range keyOrder {
		if !slices.Contains(sources, origin[k]) {
			sources = append(sources, origin[k])
		}
	}
	c.Source = strings.Join(sources, " + ")
	if err := c.validate(origin); err != nil {
		return nil, nil, err
	}
	return c, warnings, nil
}

// tenantDomain accepts a verified domain, which Azure takes wherever a tenant ID goes.
var tenantDomain = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)

func (c *Credentials) validate(origin map[string]string) error {
	var problems []string
	// Values are not quoted back: a secret pasted into the wrong key must not
	// end up in a terminal or CI log.
	isGUID := func(s string) bool { _, err := uuid.Parse(s); return err == nil && len(s) == 36 }
	const guidShape = "a GUID like 00000000-0000-0000-0000-000000000000"
	if !isGUID(c.ClientID) {
		problems = append(problems, fmt.Sprintf("%s (from %s) is not %s (the application's client ID)", KeyClientID, origin[KeyClientID], guidShape))
	}
	if !isGUID(c.SubscriptionID) {
		problems = append(problems, fmt.Sprintf("%s (from %s) is not %s", KeySubscriptionID, origin[KeySubscriptionID], guidShape))
	}
	if !isGUID(c.TenantID) && !tenantDomain.MatchString(c.TenantID) {
		problems = append(problems, fmt.Sprintf("%s (from %s) is neither %s nor a domain name", KeyTenant, origin[KeyTenant], guidShape))
	}
	if len(problems) > 0 {
		return errorf("credentials: %s", strings.Join(problems, "; "))
	}
	return nil
}

// readFile parses credentials.json. Values are trimmed; unknown keys are
// warnings (create_sp of other versions may add some), not errors.
func readFile(path string) (map[string]string, []string, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errorf("credentials file %s does not exist (-c)", path)
		}
		return nil, nil, errorf("credentials file: %v", err)
	}
	if info.IsDir() {
		return nil, nil, errorf("credentials file %s is a directory (-c)", path)
	}
	var warnings []string
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		warnings = append(warnings, fmt.Sprintf("credentials file %s has mode %04o: group or others can access the client secret; run: chmod 600 %s", path, perm, path))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, errorf("credentials file: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, jsonError(path, data, err)
	}
	if raw == nil {
		return nil, nil, errorf("%s:1: the credentials file must hold a JSON object with %s", path, strings.Join(keyOrder, ", "))
	}
	values := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		key := name
		if canon, ok := aliases[name]; ok {
			key = canon
		}
		if !slices.Contains(keyOrder, key) {
			warnings = append(warnings, fmt.Sprintf("%s:%d: unknown key %q ignored (known: %s)", path, lineOf(data, name), name, strings.Join(keyOrder, ", ")))
			continue
		}
		var v string
		if err := json.Unmarshal(raw[name], &v); err != nil {
			return nil, nil, errorf("%s:%d: %s must be a string", path, lineOf(data, name), name)
		}
		if prev, ok := values[key]; ok && prev != strings.TrimSpace(v) {
			return nil, nil, errorf("%s:%d: %s and its alias both given with different values", path, lineOf(data, name), name)
		}
		values[key] = strings.TrimSpace(v)
	}
	return values, warnings, nil
}

// readEnv reads the AZURE_* variables and their azidentity aliases.
func readEnv(getenv func(string) string) (map[string]string, []string) {
	values := map[string]string{}
	var warnings []string
	for _, k := range keyOrder {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			values[k] = v
		}
	}
	for alias, k := range aliases {
		v := strings.TrimSpace(getenv(alias))
		if v == "" {
			continue
		}
		if prev, ok := values[k]; ok && prev != v {
			warnings = append(warnings, fmt.Sprintf("environment: %s and %s differ; using %s", k, alias, k))
			continue
		}
		values[k] = v
	}
	slices.Sort(warnings)
	return values, warnings
}

// jsonError turns a decoding error into "file:line:col: problem".
func jsonError(path string, data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(data, syn.Offset-1) // Offset counts the bytes read, the bad one included
		return errorf("%s:%d:%d: invalid JSON: %v", path, line, col, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := position(data, typ.Offset-1)
		return errorf("%s:%d:%d: the credentials file must hold a JSON object of strings, found %s", path, line, col, typ.Value)
	}
	return errorf("%s: invalid JSON: %v", path, err)
}

func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// lineOf finds the line of a key in the file, for messages; 1 if not found.
func lineOf(data []byte, key string) int {
	quoted, _ := json.Marshal(key)
	i := bytes.Index(data, append(quoted, ':'))
	if i < 0 {
		i = bytes.Index(data, quoted)
	}
	if i < 0 {
		return 1
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}
