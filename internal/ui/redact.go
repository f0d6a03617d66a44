package ui

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces every secret value in output.
const Redacted = "<redacted>"

// Redactor replaces secret values (and their JSON-escaped, URL-escaped and
// base64 forms, as they appear in API error bodies and Kubernetes Secrets)
// with "<redacted>". A nil *Redactor redacts nothing. Safe for concurrent use.
type Redactor struct {
	r *strings.Replacer
}

// NewRedactor builds a redactor for the given secret values; empty values
// are ignored.
func NewRedactor(secrets []string) *Redactor {
	seen := map[string]bool{}
	var forms []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		add(s)
		if q, err := json.Marshal(s); err == nil {
			add(string(q[1 : len(q)-1]))
		}
		if q, err := marshalNoEscape(s); err == nil {
			add(string(q[1 : len(q)-1]))
		}
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		add(base64.StdEncoding.EncodeToString([]byte(s)))
		add(base64.RawStdEncoding.EncodeToString([]byte(s)))
		add(base64.URLEncoding.EncodeToString([]byte(s)))
	}
	// strings.Replacer tries patterns in argument order at each position:
	// longest first, so a secret containing another is hidden whole.
	sort.Slice(forms, func(i, j int) bool {
		if len(forms[i]) != len(forms[j]) {
			return len(forms[i]) > len(forms[j])
		}
		return forms[i] < forms[j]
	})
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
