package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/vault"
	"github.com/auracognitive/aurak8s/pkg/apikey"
)

const (
	akOld      = "5eb23be8ba10455e78455c84b4512af3"
	akActive   = "7387dd96cd704d95dd9e4bfa417ab8ff"
	akForeign  = "0123456789abcdefABCDEFghijklmnop"
	akVaultPwd = "api-key-test-vault-password"
	// akVector is the test vector of docs/apikey.md: aura-bot, aura-services, r, made with akActive.
	akVector = "e79660e6018fbf20d6e9e7a98ce3091ad8c000102030405060708090a0b0c0d0e0f5735d180000f2776b8a9aba71c8eb4f8e55f7db31362f32e69a795acdae77ce6fb2498d27d696a53ea040299a74a258f6158aea7df643c253b440ef3003a8"
)

// akBaseConfig is a complete, valid config.yml without the APIKey settings,
// which the tests put in a vaulted --ecfg file, as an operator would.
const akBaseConfig = `environment_type: dev
environment_profile: es
cluster_name: akt
notifications_email: ops@example.com
elastic_admin_password: "Elastic-pass-1"
atlas_enabled: false
active_listening_enabled: false
fourth_platform:
  client_id: id
  client_secret: secret
  client_id_context: idc
  client_secret_context: secretc
  apigw_url: https://apigw.example.com
  apigw_url_context: apigwc.example.com
  authserver_url: https://auth.example.com/
backoffice_users:
  dashboards: [{name: a, password: Passw0rd-a}]
  logs: [{name: a, password: Passw0rd-a, roles: [admin]}]
  metrics: [{name: a, password: Passw0rd-a}]
  alerts: [{name: a, password: Passw0rd-a}]
  aura_manager: [{name: a, password: Passw0rd-a}]
`

// akConfig writes config.yml and a vaulted secrets.yml holding keyList and
// returns the arguments that select them.
func akConfig(t *testing.T, keyList string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	if err := writeFile(cfg, akBaseConfig); err != nil {
		t.Fatal(err)
	}
	ecfg := filepath.Join(dir, "ecfg")
	if err := os.Mkdir(ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	secrets := "aura_encryption_key: \"" + keyList + "\"\naura_bot_services_api_key: \"" + akVector + "\"\n"
	enc, err := vault.Encrypt([]byte(secrets), akVaultPwd, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(ecfg, "secrets.yml"), string(enc)); err != nil {
		t.Fatal(err)
	}
	return []string{"--cfg", cfg, "--ecfg", ecfg, "-v", akVaultPwd}
}

// akRun runs aura like Execute does; with stdin non-empty it feeds the
// command that text (Execute reads the process's own stdin).
func akRun(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if stdin == "" {
		code, stdout, stderr = run(t, args...)
	} else {
		var out, errb bytes.Buffer
		root, _ := newRoot(&out, &errb)
		root.SetIn(strings.NewReader(stdin))
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			errb.WriteString("error: " + err.Error() + "\n")
			code = ExitFailed
			var ec exitCoder
			if errors.As(err, &ec) {
				code = ec.ExitCode()
			}
		}
		stdout, stderr = out.String(), errb.String()
	}
	akAssertNoSecrets(t, stdout+stderr)
	return code, stdout, stderr
}

// akAssertNoSecrets: no encryption key or vault password in any output.
func akAssertNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{akOld, akActive, akForeign, akVaultPwd} {
		if strings.Contains(text, s) {
			t.Fatalf("output reveals a secret:\n%s", text)
		}
	}
}

func TestAPIKeyCreate(t *testing.T) {
	args := akConfig(t, akOld+","+akActive)
	tests := []struct {
		name  string
		flags []string
		want  apikey.Payload
	}{
		{"defaults", []string{"-a", "aura-bot"}, apikey.Payload{Audience: "aura-bot", Scope: "aura-services", Mode: "r"}},
		{"long flags", []string{"--audience", "Kernel", "--scope", "aura-services:users", "--mode", "w"}, apikey.Payload{Audience: "Kernel", Scope: "aura-services:users", Mode: "w"}},
		{"debug", []string{"-a", "Novum", "-m", "rw", "--debug"}, apikey.Payload{Audience: "Novum", Scope: "aura-services", Mode: "rw"}},
	}
	for _, s := range apikey.Scopes() {
		tests = append(tests, struct {
			name  string
			flags []string
			want  apikey.Payload
		}{"scope " + s, []string{"-a", "Novum", "-s", s}, apikey.Payload{Audience: "Novum", Scope: s, Mode: "r"}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := akRun(t, "", append(append([]string{"api_key"}, args...), tc.flags...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
				t.Fatalf("stdout is not the key alone on one line: %q", out)
			}
			p, err := apikey.Verify(strings.TrimSpace(out), []string{akActive}, "aes-256-cbc", 35)
			if err != nil {
				t.Fatalf("the key printed does not verify with the active key alone: %v", err)
			}
			tc.want.IssuedAt = p.IssuedAt
			if p != tc.want || p.IssuedAt == 0 {
				t.Errorf("payload %+v, want %+v", p, tc.want)
			}
			if !strings.Contains(errs, "item 2 of 2") || !strings.Contains(errs, "the active key") {
				t.Errorf("stderr does not say which key made it: %q", errs)
			}
		})
	}
}

func TestAPIKeyUsageErrors(t *testing.T) {
	args := akConfig(t, akActive)
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"no audience", nil, "-a AUDIENCE is required"},
		{"bad scope", []string{"-a", "x", "-s", "aura-services:admin"}, `-s "aura-services:admin" is not a valid scope; use one of: aura-services, `},
		{"bad mode", []string{"-a", "x", "-m", "rwx"}, `-m "rwx" is not a valid mode`},
		{"control character in audience", []string{"-a", "a\tb"}, "control character"},
		{"verify with -m", []string{"--verify", akVector, "-m", "w"}, "cannot be combined with -m"},
		{"empty verify", []string{"--verify", " "}, "--verify needs an APIKey"},
		{"extra argument", []string{"-a", "x", "extra"}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := akRun(t, "", append(append([]string{"api_key"}, args...), tc.flags...)...)
			if code != ExitUsage || out != "" || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, tc.want)
			}
		})
	}
	if code, _, errs := akRun(t, "", "api_key", "-a", "x"); code != ExitUsage || !strings.Contains(errs, "--cfg is required") {
		t.Errorf("without --cfg: exit %d, %q", code, errs)
	}
}

func TestAPIKeyBadEncryptionSettings(t *testing.T) {
	// A wrong vault password or a malformed key list is the config's fault: exit 2.
	args := akConfig(t, akActive)
	args[len(args)-1] = "wrong-password"
	if code, out, errs := akRun(t, "", append([]string{"api_key", "-a", "x"}, args...)...); code != ExitUsage || out != "" {
		t.Errorf("wrong vault password: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	short := akConfig(t, "tooshort")
	if code, out, errs := akRun(t, "", append([]string{"api_key", "-a", "x"}, short...)...); code != ExitUsage || out != "" || !strings.Contains(errs, "aura_encryption_key") {
		t.Errorf("short key: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestAPIKeyVerify(t *testing.T) {
	rotated := akConfig(t, akOld+","+akActive)
	onlyOld := akConfig(t, akOld)
	// Made before the rotation, when akOld was the active key.
	code, oldKey, errs := akRun(t, "", append([]string{"api_key", "-a", "Kernel", "-s", "aura-services:token", "-m", "w"}, onlyOld...)...)
	if code != ExitOK {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	oldKey = strings.TrimSpace(oldKey)
	// Digit 50 lies in the IV (35..66) over the "n" of {"audience": changed,
	// the member name no longer matches, whatever the random IV was.
	tampered := oldKey[:50] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", oldKey[50])+1)%16]) + oldKey[51:]
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		stdout   []string
		stderr   string
		notInOut string
	}{
		{"documented vector", []string{"--verify", akVector}, "", ExitOK,
			[]string{"audience:  aura-bot", "scope:     aura-services", "mode:      r (read)", "issued at: 2026-01-01T00:00:00Z (iat 1767225600)", "item 2 of 2 (fingerprint ba2fe6d5, the active key)"}, "", "note:"},
		{"older key of the list", []string{"--verify", oldKey}, "", ExitOK,
			[]string{"audience:  Kernel", "scope:     aura-services:token", "mode:      w (write)", "item 1 of 2 (fingerprint d111093f)"}, "made with an older key", ""},
		{"from stdin with a newline", []string{"--verify", "-"}, "  " + akVector + "\n", ExitOK, []string{"APIKey is valid"}, "", ""},
		{"json", []string{"--verify", oldKey, "--output", "json"}, "", ExitOK, []string{`"audience":"Kernel"`, `"key_index":1`, `"key_fingerprint":"d111093f"`, `"active_key":false`}, "", ""},
		{"tampered", []string{"--verify", tampered}, "", ExitFailed, nil, "no item of aura_encryption_key opens it (tried 2", ""},
		{"odd length", []string{"--verify", akVector[:191]}, "", ExitFailed, nil, "malformed api key: odd length 191", ""},
		{"non-hex", []string{"--verify", "zz" + akVector[2:]}, "", ExitFailed, nil, "character 1 is not a lowercase hex digit", ""},
		{"too short for the IV position", []string{"--verify", akVector[:64]}, "", ExitFailed, nil, "too short for an IV at position 35", ""},
		{"guide's example key", []string{"--verify", "f3fe52203f56027fa11cd51fbfa17f1f260f9e9fd73a4721dd0b0aff36fc08003ef991c6f75495835f645a8757f5adedee7bd4d75731d49ad518538f394cf4f5d2c4b3417b8695184a5570c6b84a1a0afeb5de233b6df6bf8e1516c467c9506b8828e2b35395cb14732521fd0b753b051ba98052d0d1e77148c6d33890cdf7d4f0b9614b93384c9df92d8863b32"}, "", ExitFailed, nil, "odd length 283", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := akRun(t, tc.stdin, append(append([]string{"api_key"}, rotated...), tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errs)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout %q lacks %q", out, w)
				}
			}
			if !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q lacks %q", errs, tc.stderr)
			}
			if tc.notInOut != "" && strings.Contains(out+errs, tc.notInOut) {
				t.Errorf("output mentions %q:\n%s%s", tc.notInOut, out, errs)
			}
			if tc.code != ExitOK && out != "" {
				t.Errorf("stdout not empty on failure: %q", out)
			}
			if len(tc.stdout) > 0 && strings.HasPrefix(tc.stdout[0], `"`) && !json.Valid([]byte(out)) {
				t.Errorf("--output json printed invalid JSON: %q", out)
			}
		})
	}
	// Once the old key is retired, keys made with it stop verifying.
	onlyActive := akConfig(t, akActive)
	if code, _, errs := akRun(t, "", append(append([]string{"api_key"}, onlyActive...), "--verify", oldKey)...); code != ExitFailed || !strings.Contains(errs, "opens it") {
		t.Errorf("retired key: exit %d, %q", code, errs)
	}
}

func TestCheckAPIKeys(t *testing.T) {
	withOld, err := apikey.New(apikey.Payload{Audience: "aura-bot", Scope: "aura-services", Mode: "r"}, []string{akOld}, "", 35)
	if err != nil {
		t.Fatal(err)
	}
	otherScope, _ := apikey.New(apikey.Payload{Audience: "aura-bot", Scope: "backoffice", Mode: "r"}, []string{akActive}, "", 35)
	foreign, _ := apikey.New(apikey.Payload{Audience: "aura-bot", Scope: "aura-services", Mode: "r"}, []string{akForeign}, "", 35)
	tests := []struct {
		name, keys, botKey string
		want               []string // one substring per expected warning
	}{
		{"valid with the active key", akOld + "," + akActive, akVector, nil},
		{"not set", akActive, "", nil},
		{"made with an older key", akOld + "," + akActive, withOld, []string{"item 1 of 2 (fingerprint d111093f), not the active (last) one"}},
		{"made with a foreign key", akOld + "," + akActive, foreign, []string{"does not verify with any item of aura_encryption_key"}},
		{"made with a retired key", akActive, withOld, []string{"does not verify"}},
		{"wrong scope", akActive, otherScope, []string{`has scope "backoffice"`}},
		{"malformed", akActive, "1234", []string{"aura_bot_services_api_key is not a valid APIKey (malformed api key: "}},
		{"unusable key list", "short", akVector, []string{"cannot be checked: aura_encryption_key item 1 of 1 has 5 characters"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &config.Config{AuraEncryptionKey: tc.keys, AuraEncryptionAlgorithm: "aes-256-cbc", AuraEncryptionIVPosition: 35, AuraBotServicesAPIKey: tc.botKey}
			got := CheckAPIKeys(cfg)
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q lacks %q", got[i], w)
				}
				akAssertNoSecrets(t, got[i])
				if tc.botKey != "" && strings.Contains(got[i], tc.botKey) {
					t.Errorf("warning repeats the APIKey: %q", got[i])
				}
			}
		})
	}
}
