package helm

import (
	"errors"
	"sort"
	"strings"
)

// minSecretLen keeps very short values (e.g. "1", "no") from being scrubbed
// out of every message.
const minSecretLen = 4

// secretsOf returns the release's secret values, longest first so that a
// secret containing another is replaced whole. Only values the caller lists
// count: values under secret-looking keys are mostly names (existingSecret:
// redis, secretKeyRef.name), and redacting those garbled release, chart and
// object names in every error.
func secretsOf(rel *Release) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range rel.Secrets {
		if len(s) >= minSecretLen && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
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
