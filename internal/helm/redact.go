package helm

import (
	"errors"
	"regexp"
	"sort"
	"strings"
)

// secretKey matches value keys whose string values are treated as secrets
// even when the caller forgot to list them.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|apikey|api_key|privatekey|private_key|encryption_?key|credentials?)`)

// minSecretLen keeps very short values (e.g. "1", "no") from being scrubbed
// out of every message.
const minSecretLen = 4

// secretsOf returns the release's secret values, longest first so that a
// secret containing another is replaced whole.
func secretsOf(rel *Release) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if len(s) >= minSecretLen && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range rel.Secrets {
		add(s)
	}
	var walk func(v any, secret bool)
	walk = func(v any, secret bool) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				walk(x, secret || secretKey.MatchString(k))
			}
		case []any:
			for _, x := range t {
				walk(x, secret)
			}
		case string:
			if secret {
				add(t)
			}
		}
	}
	walk(rel.Values, false)
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func redactString(s string, secrets []string) string {
	for _, x := range secrets {
		s = strings.ReplaceAll(s, x, "<redacted>")
	}
	return s
}

// redactErr returns err with every secret replaced. The original error is not
// kept (not even for errors.Unwrap), so no caller can print it by accident.
func redactErr(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := redactString(msg, secrets)
	if red == msg {
		return err
	}
	return errors.New(red)
}
