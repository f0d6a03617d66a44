package packages

import (
	"errors"
	"testing"

	"github.com/Masterminds/semver/v3"
)

func versions(t *testing.T, vs ...string) []*semver.Version {
	t.Helper()
	out := make([]*semver.Version, len(vs))
	for i, v := range vs {
		out[i] = semver.MustParse(v)
	}
	return out
}

func TestChoose(t *testing.T) {
	bucket := versions(t, "0.0.1", "0.0.7", "0.3.2", "0.3.9", "1.0.0", "1.4.2", "2.1.0", "2.2.0-rc.1", "0.0.8-beta")
	tests := []struct {
		name, current string
		strategy      Strategy
		want          string
		wantErr       error
	}{
		// The guide: from 0.0.0, Patch → 0.0.X, Minor → 0.X.X, Major → X.X.X.
		{"patch from 0.0.0", "0.0.0", "Patch", "0.0.7", nil},
		{"minor from 0.0.0", "0.0.0", "Minor", "0.3.9", nil},
		{"major from 0.0.0", "0.0.0", "Major", "2.1.0", nil},
		{"no strategy pins", "0.0.1", "", "0.0.1", nil},
		{"pinned pre-release", "2.2.0-rc.1", "", "2.2.0-rc.1", nil},
		{"pinned even when absent", "9.9.9", "", "9.9.9", nil},
		{"minor keeps major", "1.0.0", "Minor", "1.4.2", nil},
		{"never below current", "0.3.5", "Patch", "0.3.9", nil},
		{"current itself", "2.1.0", "Patch", "2.1.0", nil},
		{"pre-release current, nothing newer, not there", "2.2.0-rc.2", "Patch", "", ErrNotFound},
		{"nothing allowed", "3.0.0", "Major", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Choose(tt.current, tt.strategy, bucket)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Choose() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Original() != tt.want {
				t.Fatalf("Choose(%s, %s) = %s, want %s", tt.current, tt.strategy, got, tt.want)
			}
		})
	}
}

func TestChooseRejectsBadInput(t *testing.T) {
	if _, err := Choose("1.2", "Patch", nil); err == nil {
		t.Fatal("a two-part version was accepted")
	}
	if _, err := Choose("1.2.3", "Latest", nil); err == nil {
		t.Fatal("an unknown strategy was accepted")
	}
}

func TestKeyRoundTrip(t *testing.T) {
	tests := []struct {
		prefix, pkg, key string
		want             string // "" = not one of pkg's keys
	}{
		{"nlp", "es-bot", "nlp/es-bot-1.2.3.tgz", "1.2.3"},
		{"nlp/", "es-bot", "nlp/es-bot-1.2.3-rc.1.tgz", "1.2.3-rc.1"},
		{"", "rr", "rr-0.0.5.tgz", "0.0.5"},
		{"nlp", "es", "nlp/es-bot-1.2.3.tgz", ""}, // another package that starts alike
		{"nlp", "es-bot", "nlp/es-bot-1.2.tgz", ""},
		{"nlp", "es-bot", "nlp/es-bot-1.2.3.zip", ""},
	}
	for _, tt := range tests {
		v, ok := versionFromKey(tt.prefix, tt.pkg, tt.key)
		got := ""
		if ok {
			got = v.Original()
		}
		if got != tt.want {
			t.Errorf("versionFromKey(%q, %q, %q) = %q, want %q", tt.prefix, tt.pkg, tt.key, got, tt.want)
		}
		if ok && Key(tt.prefix, tt.pkg, got) != tt.key {
			t.Errorf("Key(%q, %q, %q) = %q, want %q", tt.prefix, tt.pkg, got, Key(tt.prefix, tt.pkg, got), tt.key)
		}
	}
}
