package ui

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces every secret value in output.
const Redacted = "<redacted>"

// Redactor replaces secret values (and their JSON-escaped, URL-escaped and
// base64 forms, as they appear in API error bodies and Kubernetes Secrets)
// with "<redacted>". A nil *Redactor redacts nothing. Safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
	r       *strings.Replacer
}

// NewRedactor builds a redactor for the given secret values; empty values
// are ignored.
func NewRedactor(secrets []string) *Redactor {
	return &Redactor{secrets: secrets, r: replacer(secrets)}
}

// Add redacts more values from now on: secrets a command only learns while
// it runs (generated passwords, keys read from the provider).
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, secrets...)
	r.r = replacer(r.secrets)
}

func replacer(secrets []string) *strings.Replacer {
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
	return strings.NewReplacer(pairs...)
}

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.r.Replace(s)
}
