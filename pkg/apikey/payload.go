package apikey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Mode is the access an APIKey grants: read, write or both.
type Mode string

// The access modes the guide allows (`-m r|w|rw`).
const (
	ModeRead      Mode = "r"
	ModeWrite     Mode = "w"
	ModeReadWrite Mode = "rw"
)

// Modes lists the valid modes in the order the guide's usage shows them.
func Modes() []Mode { return []Mode{ModeRead, ModeWrite, ModeReadWrite} }

// Scopes lists the scopes the guide's `aura api_key -s` accepts; the first is
// the default.
func Scopes() []string {
	return []string{
		"aura-services",
		"aura-services:token",
		"aura-services:users",
		"aura-services:token,users",
		"aura-services:users,token",
		"aura-services:token,aura-services:users",
	}
}

// IsKnownScope reports whether s is one of Scopes().
func IsKnownScope(s string) bool { return slices.Contains(Scopes(), s) }

// maxAudience bounds the audience so a key stays a reasonable header value.
const maxAudience = 256

// Payload is what an APIKey carries. Its JSON form, field order included, is
// part of the wire format (docs/apikey.md).
type Payload struct {
	Audience string `json:"audience"` // the client the key is for (Novum, Kernel, aura-bot, ...)
	Scope    string `json:"scope"`    // e.g. "aura-services:token,users"
	Mode     Mode   `json:"mode"`     // r, w or rw
	IssuedAt int64  `json:"iat"`      // seconds since the Unix epoch, UTC
}

// Issued returns IssuedAt as a time.
func (p Payload) Issued() time.Time { return time.Unix(p.IssuedAt, 0).UTC() }

// Validate reports the first field New would refuse: an empty, over-long or
// control-character audience or scope, a mode other than r, w, rw, or an iat
// outside [0, 2^53-1].
func (p Payload) Validate() error {
	switch {
	case p.Audience == "":
		return fmt.Errorf("audience is empty")
	case len(p.Audience) > maxAudience:
		return fmt.Errorf("audience is longer than %d bytes", maxAudience)
	case !utf8.ValidString(p.Audience):
		return fmt.Errorf("audience is not valid UTF-8")
	case strings.IndexFunc(p.Audience, unprintable) >= 0:
		return fmt.Errorf("audience contains a control character or line separator")
	case p.Scope == "":
		return fmt.Errorf("scope is empty")
	case !utf8.ValidString(p.Scope) || strings.IndexFunc(p.Scope, unprintable) >= 0:
		return fmt.Errorf("scope contains an invalid character")
	case !slices.Contains(Modes(), p.Mode):
		return fmt.Errorf("mode %q is not one of r, w, rw", p.Mode)
	case p.IssuedAt < 0 || p.IssuedAt > maxSafeInteger:
		return fmt.Errorf("iat %d is out of range [0, 2^53-1]", p.IssuedAt)
	}
	return nil
}

// unprintable rejects the characters JSON encoders disagree on: controls are
// escaped in several spellings, and encoding/json escapes U+2028 and U+2029
// where JavaScript's JSON.stringify does not.
func unprintable(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

// marshal writes the canonical form: compact, fields in declaration order,
// no HTML escaping (so "<" stays "<", as JavaScript's JSON.stringify writes it).
func (p Payload) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// maxSafeInteger is the largest integer every JSON reader holds exactly
// (JavaScript's Number.MAX_SAFE_INTEGER).
const maxSafeInteger = 1<<53 - 1

// parsePayload accepts any JSON object with the four fields of the right
// types; other fields are ignored so the format can grow. The generator-side
// limits of Validate are deliberately not applied here: docs/apikey.md keeps
// the validator's rules short so that every implementation agrees.
func parsePayload(b []byte) (Payload, error) {
	if !utf8.Valid(b) {
		return Payload{}, fmt.Errorf("payload is not UTF-8")
	}
	// A map, not a struct: encoding/json matches struct fields without
	// regard to case, and "Audience" must not count as "audience".
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return Payload{}, fmt.Errorf("payload is not a JSON object")
	}
	audience, okA := jsonString(m["audience"])
	scope, okS := jsonString(m["scope"])
	mode, okM := jsonString(m["mode"])
	switch {
	case !okA || audience == "":
		return Payload{}, fmt.Errorf("payload audience is not a non-empty string")
	case !okS || scope == "":
		return Payload{}, fmt.Errorf("payload scope is not a non-empty string")
	case !okM || !slices.Contains(Modes(), Mode(mode)):
		return Payload{}, fmt.Errorf("payload mode is not one of r, w, rw")
	}
	iat, err := parseIAT(m["iat"])
	if err != nil {
		return Payload{}, err
	}
	return Payload{Audience: audience, Scope: scope, Mode: Mode(mode), IssuedAt: iat}, nil
}

// jsonString decodes raw if it is a JSON string (not null, not a number).
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// parseIAT accepts any JSON number whose value is an integer in
// [0, 2^53-1], whatever its spelling (1700000000, 1.7e9), as JSON readers
// that hold numbers as doubles cannot tell the spellings apart.
func parseIAT(raw json.RawMessage) (int64, error) {
	// encoding/json would also take a quoted number into a json.Number.
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, fmt.Errorf("payload iat is not a number")
	}
	n := json.Number(raw)
	if i, err := n.Int64(); err == nil {
		if i < 0 || i > maxSafeInteger {
			return 0, fmt.Errorf("payload iat is out of range")
		}
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < 0 || f > maxSafeInteger {
		return 0, fmt.Errorf("payload iat is not an integer in range")
	}
	return int64(f), nil
}
