package helm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRedact: the values the caller lists are redacted; names that sit
// under secret-looking keys (existingSecret, secretKeyRef) are not, so
// errors still say which release, chart and object failed.
func TestRedact(t *testing.T) {
	rel := &Release{
		Name:    "redis",
		Secrets: []string{"caller-listed-secret", "p4ssw0rd-value", "x"}, // "x" is too short to scrub
		Values: map[string]any{
			"auth":     map[string]any{"existingSecret": "redis", "existingSecretPasswordKey": "redis-password"},
			"env":      []any{map[string]any{"name": "ELASTIC_PASSWORD", "secretKeyRef": map[string]any{"name": "elastic-admin", "key": "password"}}},
			"apiKey":   "caller-listed-secret",
			"password": "p4ssw0rd-value",
		},
	}
	secrets := secretsOf(rel)
	msg := "helm: install of release redis (chart redis 20.1.0) in aura-system failed: Secret elastic-admin key password " +
		"(redis-password): p4ssw0rd-value caller-listed-secret x 2"
	got := redactErr(errors.New(msg), secrets).Error()
	for _, s := range []string{"caller-listed-secret", "p4ssw0rd-value"} {
		if strings.Contains(got, s) {
			t.Errorf("redacted error still contains %q: %s", s, got)
		}
	}
	for _, s := range []string{"release redis (chart redis 20.1.0)", "Secret elastic-admin key password (redis-password)", " x 2"} {
		if !strings.Contains(got, s) {
			t.Errorf("redaction garbled %q: %s", s, got)
		}
	}
	if e := errors.New("no secrets here"); redactErr(e, secrets) != e {
		t.Error("an error without secrets should be returned as is")
	}
}

func TestValuesHash(t *testing.T) {
	// Deployed values come back from JSON (float64, []any); desired ones are
	// Go values. Equal content must hash equal, whatever the Go types.
	a := map[string]any{"n": 3, "l": []string{"a", "b"}, "m": map[string]any{"k": true}}
	b := map[string]any{"m": map[string]any{"k": true}, "l": []any{"a", "b"}, "n": float64(3)}
	if valuesHash(a) != valuesHash(b) {
		t.Error("equal values hash differently")
	}
	if valuesHash(nil) != valuesHash(map[string]any{}) {
		t.Error("nil and empty values hash differently")
	}
	if valuesHash(a) == valuesHash(map[string]any{"n": 4, "l": []string{"a", "b"}, "m": map[string]any{"k": true}}) {
		t.Error("different values hash the same")
	}
}

func TestLoggerRedacts(t *testing.T) {
	var lines []string
	c := &Client{Log: func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }}
	c.logger([]string{"hunter2-secret"})("patch Secret %q with %s", "web", "PASSWORD=hunter2-secret")
	if len(lines) != 1 || lines[0] != `patch Secret "web" with PASSWORD=<redacted>` {
		t.Fatalf("logged %q", lines)
	}
	(&Client{}).logger([]string{"x"})("discarded when no Log is set")
}
