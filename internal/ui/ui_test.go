package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestRedactor(t *testing.T) {
	const secret = `p@ss"w/rd+1`
	r := NewRedactor([]string{secret, "", "abc123", "abc123456789"})
	for _, tc := range []struct{ in, want string }{
		{"password is " + secret, "password is <redacted>"},
		{`{"password":"p@ss\"w/rd+1"}`, `{"password":"<redacted>"}`},
		{"url ?p=p%40ss%22w%2Frd%2B1", "url ?p=<redacted>"},
		{"data: " + base64.StdEncoding.EncodeToString([]byte(secret)), "data: <redacted>"},
		{"longer secret abc123456789 wins", "longer secret <redacted> wins"},
		{"short abc123 alone", "short <redacted> alone"},
		{"nothing secret here", "nothing secret here"},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var none *Redactor
	if got := none.Redact("x"); got != "x" {
		t.Errorf("nil redactor changed %q", got)
	}
	// A secret learnt while the command runs is redacted from then on, in
	// its encoded forms too, and the earlier ones still are.
	r.Add("generated-Pw-9")
	in := "p=generated-Pw-9 b64=" + base64.StdEncoding.EncodeToString([]byte("generated-Pw-9")) + " old=" + secret
	if got, want := r.Redact(in), "p=<redacted> b64=<redacted> old=<redacted>"; got != want {
		t.Errorf("after Add: %q, want %q", got, want)
	}
}

var t0 = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

func events(secret string) []Event {
	return []Event{
		{Time: t0, Phase: "deploy_common", State: StateStarted},
		{Time: t0, Phase: "deploy_common", Action: "resource group", State: StateRunning},
		{Time: t0, Phase: "deploy_common", Action: "resource group", State: StateChanged, Duration: 1234 * time.Millisecond,
			Changes: []string{"create resource group aura-es-dev"}},
		{Time: t0, Phase: "deploy_common", Action: "key vault", State: StateFailed, Duration: 20 * time.Millisecond,
			Message: "set secret: server said: password " + secret + " rejected"},
		{Time: t0, Phase: "deploy_common", Action: "storage", State: StateSkipped, Message: `not run: "key vault" failed`},
		{Time: t0, Phase: "deploy_common", State: StateFailed, Duration: 2 * time.Second, Message: "1 changed, 1 failed, 1 skipped"},
	}
}

func TestJSONOutputIsOneEventPerLine(t *testing.T) {
	const secret = "Sup3rSecretValue"
	var buf bytes.Buffer
	p := New(&buf, Options{JSON: true, Redactor: NewRedactor([]string{secret})})
	for _, e := range events(secret) {
		p.Event(e)
	}
	p.Close()
	out := buf.String()
	if strings.Contains(out, secret) {
		t.Fatalf("secret in JSON output:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6 (running events included):\n%s", len(lines), out)
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"action", "changes", "duration_ms", "message", "phase", "state", "time"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("line %d keys %v, want %v", i, keys, want)
		}
	}
	var e map[string]any
	_ = json.Unmarshal([]byte(lines[2]), &e)
	if e["time"] != "2026-11-24T21:00:00.000Z" || e["duration_ms"] != 1234.0 || e["state"] != "changed" ||
		!reflect.DeepEqual(e["changes"], []any{"create resource group aura-es-dev"}) {
		t.Errorf("changed event: %v", e)
	}
	_ = json.Unmarshal([]byte(lines[3]), &e)
	if e["message"] != "set secret: server said: password <redacted> rejected" {
		t.Errorf("failed event message %q", e["message"])
	}
}

func TestTextOutputWithoutTerminal(t *testing.T) {
	const secret = "Sup3rSecretValue"
	var buf bytes.Buffer
	p := New(&buf, Options{Redactor: NewRedactor([]string{secret})})
	for _, e := range events(secret) {
		p.Event(e)
	}
	p.Warn("deploy_common", "aura_bot_services_api_key "+secret+" is for another audience")
	p.Debug("deploy_common", "hidden unless --debug")
	p.Close()
	out := buf.String()
	if strings.Contains(out, secret) {
		t.Fatalf("secret in text output:\n%s", out)
	}
	if strings.Contains(out, "\x1b[") || strings.Contains(out, "\r") {
		t.Errorf("ANSI escapes or carriage returns without a terminal:\n%q", out)
	}
	if strings.Contains(out, "hidden unless --debug") {
		t.Error("debug message printed without --debug")
	}
	want := []string{
		"== deploy_common",
		"changed  resource group                                  1.2s",
		"         - create resource group aura-es-dev",
		"failed   key vault                                      0.02s",
		"         set secret: server said: password <redacted> rejected",
		"skipped  storage",
		`         not run: "key vault" failed`,
		"deploy_common failed in 2s: 1 changed, 1 failed, 1 skipped",
		"warning: aura_bot_services_api_key <redacted> is for another audience",
	}
	if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("text output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// On a terminal: a live status line of the running actions, cleared before
// each finished line; colours unless NO_COLOR.
func TestTerminalStatusLineAndColours(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{Debug: true})
	p.tty, p.color = true, true
	p.tick = time.Hour // frames are not under test
	p.now = func() time.Time { return t0.Add(1500 * time.Millisecond) }
	p.Event(Event{Time: t0, Phase: "core", Action: "aura-bot", State: StateRunning})
	p.Event(Event{Time: t0, Phase: "core", Action: "aura-nlp", State: StateRunning})
	p.Event(Event{Time: t0, Phase: "core", Action: "aura-bot", State: StateOK, Duration: time.Second})
	p.Close()
	out := buf.String()
	for _, want := range []string{
		"⠋ aura-bot, aura-nlp (1.5s)",     // both running
		"\r\x1b[K\x1b[32mok      \x1b[0m", // status cleared, then a green line
		"\n⠋ aura-nlp (1.5s)",             // redrawn below it
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("Close did not clear the status line: %q", out)
	}
}

func TestColourNeedsTerminalAndNoNOCOLOR(t *testing.T) {
	for _, tc := range []struct {
		tty                bool
		env                map[string]string
		wantStatus, wantCo bool
	}{
		{false, nil, false, false},
		{false, map[string]string{"TERM": "xterm"}, false, false},
		{true, map[string]string{"TERM": "xterm"}, true, true},
		{true, map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, true, false},
		{true, map[string]string{"TERM": "xterm", "NO_COLOR": ""}, true, true},
		{true, map[string]string{"TERM": "dumb"}, true, false},
	} {
		status, color := termStyle(tc.tty, func(k string) string { return tc.env[k] })
		if status != tc.wantStatus || color != tc.wantCo {
			t.Errorf("tty=%v env=%v: status line %v colour %v, want %v %v", tc.tty, tc.env, status, color, tc.wantStatus, tc.wantCo)
		}
	}
	var buf bytes.Buffer
	if p := New(&buf, Options{}); p.tty || p.color {
		t.Error("a buffer is not a terminal")
	}
}
