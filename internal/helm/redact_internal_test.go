package helm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	rel := &Release{
		Secrets: []string{"caller-listed-secret", "x"}, // "x" is too short to scrub
		Values: map[string]any{
			"message": "public-text",
			"auth":    map[string]any{"password": "p4ssw0rd-value"},
			"grafana": map[string]any{"adminPassword": "admin-pass-1", "replicas": 2},
			"tokens":  []any{"tok-aaaa", "tok-bbbb"},
			"apiKey":  "key-0123",
			"clientSecret": map[string]any{
				"nested": "deep-secret-value",
			},
		},
	}
	secrets := secretsOf(rel)
	msg := "failed: caller-listed-secret p4ssw0rd-value admin-pass-1 tok-aaaa tok-bbbb key-0123 deep-secret-value public-text x 2"
	got := redactErr(errors.New(msg), secrets).Error()
	for _, s := range []string{"caller-listed-secret", "p4ssw0rd-value", "admin-pass-1", "tok-aaaa", "tok-bbbb", "key-0123", "deep-secret-value"} {
		if strings.Contains(got, s) {
			t.Errorf("redacted error still contains %q: %s", s, got)
		}
	}
	if !strings.Contains(got, "public-text") || !strings.HasSuffix(got, " x 2") {
		t.Errorf("redaction removed non-secret text: %s", got)
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
