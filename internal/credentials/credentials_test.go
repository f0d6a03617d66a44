package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	clientID = "11111111-2222-3333-4444-555555555555"
	subID    = "66666666-7777-8888-9999-000000000000"
	tenantID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	secret   = "s3cr3t~Value.that.must.not.leak"
)

func writeCreds(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // umask must not hide the mode under test
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// createSPFile is what `aura create_sp` writes (guide, "Service principal credentials").
var createSPFile = fmt.Sprintf(`{
"AZURE_CLIENT_ID": %q,
"AZURE_SECRET": %q,
"AZURE_SUBSCRIPTION_ID": %q,
"AZURE_TENANT": %q
}
`, clientID, secret, subID, tenantID)

func TestLoad(t *testing.T) {
	full := map[string]string{"AZURE_CLIENT_ID": clientID, "AZURE_SECRET": secret, "AZURE_SUBSCRIPTION_ID": subID, "AZURE_TENANT": tenantID}
	cases := []struct {
		name     string
		file     string // "" = no -c
		env      map[string]string
		tenant   string
		source   string
		warnings int
	}{
		{name: "file", file: createSPFile, tenant: tenantID, source: "FILE"},
		{name: "environment", env: full, tenant: tenantID, source: "environment"},
		{name: "azidentity aliases", env: map[string]string{"AZURE_CLIENT_ID": clientID, "AZURE_CLIENT_SECRET": secret, "AZURE_SUBSCRIPTION_ID": subID, "AZURE_TENANT_ID": tenantID}, tenant: tenantID, source: "environment"},
		{name: "file wins over environment", file: createSPFile, env: map[string]string{"AZURE_TENANT": "contoso.onmicrosoft.com"}, tenant: tenantID, source: "FILE"},
		{name: "environment fills the gaps", file: fmt.Sprintf(`{"AZURE_CLIENT_ID": %q, "AZURE_SUBSCRIPTION_ID": %q}`, clientID, subID), env: map[string]string{"AZURE_SECRET": secret, "AZURE_TENANT": "contoso.onmicrosoft.com"}, tenant: "contoso.onmicrosoft.com", source: "FILE + environment"},
		{name: "aliases disagree", env: map[string]string{"AZURE_CLIENT_ID": clientID, "AZURE_SECRET": secret, "AZURE_CLIENT_SECRET": "other", "AZURE_SUBSCRIPTION_ID": subID, "AZURE_TENANT": tenantID}, tenant: tenantID, source: "environment", warnings: 1},
		{name: "unknown key is a warning", file: `{"AZURE_CLIENT_ID": "` + clientID + `", "AZURE_SECRET": "` + secret + `", "AZURE_SUBSCRIPTION_ID": "` + subID + `", "AZURE_TENANT": "` + tenantID + `", "AZURE_NOTE": "x"}`, tenant: tenantID, source: "FILE", warnings: 1},
		{name: "values are trimmed", env: map[string]string{"AZURE_CLIENT_ID": " " + clientID + "\n", "AZURE_SECRET": secret, "AZURE_SUBSCRIPTION_ID": subID, "AZURE_TENANT": tenantID}, tenant: tenantID, source: "environment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := ""
			if c.file != "" {
				path = writeCreds(t, c.file, 0o600)
			}
			got, warnings, err := Load(path, env(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if got.ClientID != clientID || got.ClientSecret.Reveal() != secret || got.SubscriptionID != subID || got.TenantID != c.tenant {
				t.Fatalf("got %#v", got)
			}
			if want := strings.ReplaceAll(c.source, "FILE", path); got.Source != want {
				t.Fatalf("source %q, want %q", got.Source, want)
			}
			if len(warnings) != c.warnings {
				t.Fatalf("warnings %q, want %d", warnings, c.warnings)
			}
			for _, w := range warnings {
				if strings.Contains(w, secret) || strings.Contains(w, "other") {
					t.Fatalf("warning reveals a secret: %q", w)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{name: "nothing given", want: "missing AZURE_CLIENT_ID, AZURE_SECRET, AZURE_SUBSCRIPTION_ID, AZURE_TENANT (looked in the environment)"},
		{name: "secret missing in file", file: fmt.Sprintf(`{"AZURE_CLIENT_ID": %q, "AZURE_SUBSCRIPTION_ID": %q, "AZURE_TENANT": %q}`, clientID, subID, tenantID), want: "missing AZURE_SECRET (looked in FILE or the environment)"},
		{name: "empty value", file: fmt.Sprintf(`{"AZURE_CLIENT_ID": %q, "AZURE_SECRET": "  ", "AZURE_SUBSCRIPTION_ID": %q, "AZURE_TENANT": %q}`, clientID, subID, tenantID), want: "missing AZURE_SECRET"},
		{name: "syntax error names line and column", file: "{\n\"AZURE_CLIENT_ID\": \"x\",\n\"AZURE_SECRET\" \"" + secret + "\"\n}", want: "FILE:3:16: invalid JSON"},
		{name: "not an object", file: `["a"]`, want: "FILE:1:1: the credentials file must hold a JSON object of strings, found array"},
		{name: "null", file: `null`, want: "FILE:1: the credentials file must hold a JSON object"},
		{name: "number value", file: "{\n\"AZURE_CLIENT_ID\": 5\n}", want: "FILE:2: AZURE_CLIENT_ID must be a string"},
		{name: "alias conflict in file", file: fmt.Sprintf(`{"AZURE_SECRET": %q, "AZURE_CLIENT_SECRET": "other"}`, secret), want: "and its alias both given with different values"},
		{name: "client id not a GUID", file: strings.Replace(createSPFile, clientID, secret, 1), want: "AZURE_CLIENT_ID (from FILE) is not a GUID"},
		{name: "bad subscription", file: strings.Replace(createSPFile, subID, "sub-1", 1), want: "AZURE_SUBSCRIPTION_ID (from FILE) is not a GUID"},
		{name: "bad tenant", file: strings.Replace(createSPFile, tenantID, "not a tenant", 1), want: "AZURE_TENANT (from FILE) is neither a GUID like 00000000-0000-0000-0000-000000000000 nor a domain name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := ""
			if c.file != "" {
				path = writeCreds(t, c.file, 0o600)
			}
			_, _, err := Load(path, env(c.env))
			if err == nil {
				t.Fatal("no error")
			}
			if want := strings.ReplaceAll(c.want, "FILE", path); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not contain %q", err, want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error reveals the secret: %q", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.ExitCode() != 2 {
				t.Fatalf("error %T does not exit with 2", err)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, _, err := Load(filepath.Join(t.TempDir(), "nope.json"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "nope.json does not exist (-c)") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestLoadWarnsAboutFileMode(t *testing.T) {
	cases := []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o604, true}, {0o644, true}, {0o660, true}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%04o", c.mode), func(t *testing.T) {
			path := writeCreds(t, createSPFile, c.mode)
			_, warnings, err := Load(path, env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if !c.warn {
				if len(warnings) != 0 {
					t.Fatalf("unexpected warnings %q", warnings)
				}
				return
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], path) || !strings.Contains(warnings[0], "chmod 600 "+path) {
				t.Fatalf("warnings %q should name the file and the chmod that fixes it", warnings)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	path := writeCreds(t, createSPFile, 0o600)
	c, _, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := struct{ Creds *Credentials }{c}
	forms := map[string]string{
		"%v":          fmt.Sprintf("%v", c),
		"%+v":         fmt.Sprintf("%+v", c),
		"%#v":         fmt.Sprintf("%#v", c),
		"%s value":    fmt.Sprintf("value %s", *c),
		"%+v wrapped": fmt.Sprintf("%+v", wrapped),
		"%#v wrapped": fmt.Sprintf("%#v", wrapped),
		"secret %v":   fmt.Sprintf("%v %s %q %#v", c.ClientSecret, c.ClientSecret, c.ClientSecret, c.ClientSecret),
		"json":        string(js),
		"error":       fmt.Errorf("wrapped: %v", c).Error(),
	}
	for name, s := range forms {
		if strings.Contains(s, secret) {
			t.Errorf("%s reveals the secret: %s", name, s)
		}
	}
	var decoded map[string]string
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(forms["%v"], clientID) || decoded["AZURE_SECRET"] != "<redacted>" || decoded["AZURE_CLIENT_ID"] != clientID {
		t.Fatalf("redaction removed more than the secret: %s / %s", forms["%v"], forms["json"])
	}
	if got := c.SecretValues(); len(got) != 1 || got[0] != secret {
		t.Fatalf("SecretValues = %d values", len(got))
	}
}
