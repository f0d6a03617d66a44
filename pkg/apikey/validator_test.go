package apikey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// jsRequest and jsResult mirror the protocol of testdata/validator.js, a
// validator written from docs/apikey.md alone.
type jsRequest struct {
	Op         string   `json:"op"`
	Keys       string   `json:"keys"`
	Algorithm  string   `json:"algorithm"`
	IVPosition int      `json:"ivPosition"`
	APIKey     string   `json:"apiKey,omitempty"`
	Payload    *Payload `json:"payload,omitempty"`
	IV         string   `json:"iv,omitempty"`
}

type jsResult struct {
	OK          bool    `json:"ok"`
	Malformed   bool    `json:"malformed"`
	Error       string  `json:"error"`
	Index       int     `json:"index"`
	Fingerprint string  `json:"fingerprint"`
	Payload     Payload `json:"payload"`
	APIKey      string  `json:"apiKey"`
}

// runValidator sends all requests to one node process. Without node the test
// is skipped, unless CI is set: then the missing peer is a failure.
func runValidator(t *testing.T, reqs []jsRequest) []jsResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is not installed (needed for the independent validator; CI=%s)", os.Getenv("CI"))
		}
		t.Skip("node is not installed: skipping the independent validator (install nodejs; CI=true makes this a failure)")
	}
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "testdata/validator.js")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validator.js: %v\n%s", err, stderr.String())
	}
	var res []jsResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(reqs) {
		t.Fatalf("validator.js answered %d results for %d requests (%v): %s", len(res), len(reqs), err, out)
	}
	return res
}

// keyLists holds, per algorithm, a rotation list of three keys.
var keyLists = map[string][]string{
	"aes-128-cbc": {"0123456789abcdef", "fedcba9876543210", "AbCdEfGhIjKlMnOp"},
	"aes-192-cbc": {"0123456789abcdef01234567", "76543210fedcba9876543210", "ABCDEFGHIJKLMNOPQRSTUVWX"},
	"aes-256-cbc": {oldKey, activeKey, "abcdefghijklmnopqrstuvwxyz012345"},
}

var crossPayloads = []Payload{
	vectorPayload,
	{Audience: "Novum", Scope: "aura-services:token,users", Mode: ModeReadWrite, IssuedAt: 1},
	{Audience: `ünïcødé "quoted" \ <b>&</b> 日本`, Scope: "aura-services:token,aura-services:users", Mode: ModeWrite, IssuedAt: maxSafeInteger},
	{Audience: strings.Repeat("k", maxAudience), Scope: "aura-services:users", Mode: ModeRead, IssuedAt: 1767225600},
}

// Keys made here must open there, with the same payload, key index and fingerprint.
func TestIndependentValidatorOpensOurKeys(t *testing.T) {
	type made struct {
		name  string
		keys  []string // nil: must not open
		index int      // of the key it was made with
		want  Payload
	}
	var reqs []jsRequest
	var cases []made
	for alg, list := range keyLists {
		for n := 1; n <= len(list); n++ { // made when list[n-1] was the active key
			for i, p := range crossPayloads {
				for _, pos := range []int{0, 35, ciphertextHexLen(t, p)} {
					key, err := New(p, list[:n], alg, pos)
					if err != nil {
						t.Fatal(err)
					}
					cases = append(cases, made{fmt.Sprintf("%s key %d payload %d pos %d", alg, n, i, pos), list, n - 1, p})
					reqs = append(reqs, jsRequest{Op: "verify", Keys: strings.Join(list, ","), Algorithm: alg, IVPosition: pos, APIKey: key})
					// The same key must not open at a neighbouring IV position.
					if pos > 0 {
						cases = append(cases, made{fmt.Sprintf("%s key %d payload %d pos %d-1", alg, n, i, pos), nil, 0, p})
						reqs = append(reqs, jsRequest{Op: "verify", Keys: strings.Join(list, ","), Algorithm: alg, IVPosition: pos - 1, APIKey: key})
					}
				}
			}
		}
	}
	res := runValidator(t, reqs)
	for i, c := range cases {
		r := res[i]
		if c.keys == nil {
			if r.OK {
				t.Errorf("%s: validator.js opened a key at the wrong IV position", c.name)
			}
			continue
		}
		if !r.OK || r.Payload != c.want || r.Index != c.index || r.Fingerprint != Fingerprint(c.keys[c.index]) {
			t.Errorf("%s: validator.js = %+v, want payload %+v from key index %d", c.name, r, c.want, c.index)
		}
	}
}

// Keys made there with any key of the list must open here; with the same IV
// both sides must produce the very same key (canonical JSON, doc §2).
func TestWeOpenIndependentValidatorKeys(t *testing.T) {
	type made struct {
		alg     string
		list    []string
		n       int
		p       Payload
		pos     int
		fixedIV bool
	}
	var reqs []jsRequest
	var cases []made
	for alg, list := range keyLists {
		for n := 1; n <= len(list); n++ {
			for _, p := range crossPayloads {
				for _, pos := range []int{0, 35, ciphertextHexLen(t, p)} {
					for _, fixed := range []bool{false, true} {
						req := jsRequest{Op: "make", Keys: strings.Join(list[:n], ","), Algorithm: alg, IVPosition: pos, Payload: &p}
						if fixed {
							req.IV = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
						}
						reqs = append(reqs, req)
						cases = append(cases, made{alg, list, n, p, pos, fixed})
					}
				}
			}
		}
	}
	res := runValidator(t, reqs)
	for i, c := range cases {
		name := fmt.Sprintf("%s key %d %q pos %d", c.alg, c.n, c.p.Audience, c.pos)
		if !res[i].OK {
			t.Fatalf("%s: validator.js could not make a key: %s", name, res[i].Error)
		}
		r, err := Open(res[i].APIKey, c.list, c.alg, c.pos)
		if err != nil || r.Payload != c.p || r.KeyIndex != c.n-1 {
			t.Errorf("%s: Open = %+v, %v", name, r, err)
		}
		if c.fixedIV {
			ours, err := newKey(c.p, c.list[:c.n], c.alg, c.pos, fixedIV(t, "9f8e7d6c5b4a39281706f5e4d3c2b1a0"), time.Now)
			if err != nil || ours != res[i].APIKey {
				t.Errorf("%s: same inputs, different keys:\n go %s\n js %s", name, ours, res[i].APIKey)
			}
		}
	}
}

// Both validators must agree on every payload rule, malformed shape and
// foreign key.
func TestValidatorsAgree(t *testing.T) {
	keys := strings.Join(rotation, ",")
	type check struct {
		name, apiKey string
		pos          int
	}
	var checks []check
	for _, rc := range rawCases {
		checks = append(checks, check{"payload " + rc.name, sealRaw(t, []byte(rc.plain), activeKey, rawPos), rawPos})
	}
	foreign, _ := New(vectorPayload, []string{foreignKey}, "", 35)
	checks = append(checks,
		check{"documented vector", vectorKey, 35},
		check{"foreign key", foreign, 35},
		check{"odd length", vectorKey[:191], 35},
		check{"uppercase", strings.ToUpper(vectorKey), 35},
		check{"non-hex", "x" + vectorKey[1:], 35},
		check{"too short for IV", vectorKey[:64], 35},
		check{"partial block", vectorKey[:190], 35},
		check{"IV only", vectorIV, 0},
		check{"empty", "", 0},
	)
	var reqs []jsRequest
	for _, c := range checks {
		reqs = append(reqs, jsRequest{Op: "verify", Keys: keys, IVPosition: c.pos, APIKey: c.apiKey})
	}
	res := runValidator(t, reqs)
	for i, c := range checks {
		p, err := Verify(c.apiKey, rotation, "", c.pos)
		js := res[i]
		if (err == nil) != js.OK || errors.Is(err, ErrMalformed) != js.Malformed {
			t.Errorf("%s: Go says %v, validator.js says ok=%v malformed=%v (%s)", c.name, err, js.OK, js.Malformed, js.Error)
			continue
		}
		if err == nil && p != js.Payload {
			t.Errorf("%s: Go payload %+v, validator.js payload %+v", c.name, p, js.Payload)
		}
	}
}
