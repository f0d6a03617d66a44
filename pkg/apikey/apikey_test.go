package apikey

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// The keys and vector of docs/apikey.md §6.
const (
	oldKey     = "5eb23be8ba10455e78455c84b4512af3"
	activeKey  = "7387dd96cd704d95dd9e4bfa417ab8ff"
	foreignKey = "0123456789abcdefABCDEFghijklmnop"
	vectorIV   = "000102030405060708090a0b0c0d0e0f"
	vectorKey  = "e79660e6018fbf20d6e9e7a98ce3091ad8c000102030405060708090a0b0c0d0e0f5735d180000f2776b8a9aba71c8eb4f8e55f7db31362f32e69a795acdae77ce6fb2498d27d696a53ea040299a74a258f6158aea7df643c253b440ef3003a8"
)

var (
	rotation      = []string{oldKey, activeKey}
	vectorPayload = Payload{Audience: "aura-bot", Scope: "aura-services", Mode: ModeRead, IssuedAt: 1767225600}
)

// fixedIV makes newKey deterministic.
func fixedIV(t testing.TB, h string) *bytes.Reader {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		t.Fatalf("bad test IV %q", h)
	}
	return bytes.NewReader(b)
}

func TestDocumentedVector(t *testing.T) {
	got, err := newKey(vectorPayload, rotation, "aes-256-cbc", 35, fixedIV(t, vectorIV), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorKey {
		t.Fatalf("New made\n%s\nwant the documented\n%s", got, vectorKey)
	}
	r, err := Open(vectorKey, rotation, "", 35)
	if err != nil {
		t.Fatal(err)
	}
	if r.Payload != vectorPayload || r.KeyIndex != 1 || r.KeyFingerprint != "ba2fe6d5" {
		t.Fatalf("Open = %+v", r)
	}
	if fp := Fingerprint(oldKey); fp != "d111093f" {
		t.Errorf("Fingerprint(old key) = %s, doc says d111093f", fp)
	}
	for _, pos := range []int{34, 36} {
		if _, err := Verify(vectorKey, rotation, "", pos); !errors.Is(err, ErrNoMatch) {
			t.Errorf("vector at IV position %d: err = %v, want ErrNoMatch (doc §6)", pos, err)
		}
	}
	// The malleability the doc admits, exactly as it describes it.
	if vectorKey[62] != 'd' {
		t.Fatal("the doc's tampering example no longer matches the vector")
	}
	if p, err := Verify(vectorKey[:62]+"2"+vectorKey[63:], rotation, "", 35); err != nil || p.Audience != "nura-bot" {
		t.Errorf("doc §6: character 62 changed to 2 should open as nura-bot, got %+v, %v", p, err)
	}
	for i := range len(vectorKey) {
		for _, c := range "0123456789abcdef" {
			if bad := vectorKey[:i] + string(c) + vectorKey[i+1:]; byte(c) != vectorKey[i] && (i < 61 || i > 66) {
				if p, err := Verify(bad, rotation, "", 35); err == nil {
					t.Errorf("doc §6: character %d changed to %c still opens, as %+v", i, c, p)
				}
			}
		}
	}
	if _, err := Verify(vectorKey, []string{oldKey}, "", 35); !errors.Is(err, ErrNoMatch) {
		t.Errorf("vector with the old key only: err = %v, want ErrNoMatch", err)
	}
	doc, err := os.ReadFile("../../docs/apikey.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{vectorKey, vectorIV, oldKey + "," + activeKey, "ba2fe6d5", "d111093f", `{"audience":"aura-bot","scope":"aura-services","mode":"r","iat":1767225600}`} {
		if !bytes.Contains(doc, []byte(s)) {
			t.Errorf("docs/apikey.md no longer shows %q: keep the test vector and the doc in step", s)
		}
	}
}

// ciphertextHexLen is the length of the hex ciphertext for p.
func ciphertextHexLen(t *testing.T, p Payload) int {
	t.Helper()
	b, err := p.marshal()
	if err != nil {
		t.Fatal(err)
	}
	return 2 * len(pad(b))
}

func TestRoundTripEveryAlgorithmAndIVPosition(t *testing.T) {
	keysFor := map[string][]string{
		"aes-128-cbc": {"0123456789abcdef", "fedcba9876543210"},
		"aes-192-cbc": {"0123456789abcdef01234567", "76543210fedcba9876543210"},
		"aes-256-cbc": rotation,
		"":            rotation, // default algorithm
		"AES-256-CBC": rotation, // names are case-insensitive
	}
	payloads := []Payload{
		{Audience: "Novum", Scope: "aura-services", Mode: ModeRead, IssuedAt: 1},
		{Audience: "Kernel", Scope: "aura-services:token,users", Mode: ModeReadWrite, IssuedAt: 1767225600},
		{Audience: `ünïcødé "quoted" <b>&`, Scope: "aura-services:users", Mode: ModeWrite, IssuedAt: maxSafeInteger},
		{Audience: strings.Repeat("x", maxAudience), Scope: "s", Mode: ModeRead, IssuedAt: 42},
	}
	for alg, keys := range keysFor {
		for _, p := range payloads {
			end := ciphertextHexLen(t, p)
			for _, pos := range []int{0, 35, end} {
				t.Run(fmt.Sprintf("%s/%s/pos%d", alg, p.Audience[:3], pos), func(t *testing.T) {
					key, err := New(p, keys, alg, pos)
					if err != nil {
						t.Fatal(err)
					}
					if len(key) != end+32 {
						t.Errorf("len(key) = %d, want %d", len(key), end+32)
					}
					r, err := Open(key, keys, alg, pos)
					if err != nil {
						t.Fatal(err)
					}
					if r.Payload != p || r.KeyIndex != len(keys)-1 {
						t.Errorf("Open = %+v, want %+v made with the last key", r, p)
					}
				})
			}
		}
	}
}

func TestNewUsesFreshIVAndCurrentTime(t *testing.T) {
	p := Payload{Audience: "aura-bot", Scope: "aura-services", Mode: ModeRead}
	before := time.Now().Unix()
	a, err := New(p, rotation, "", 35)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(p, rotation, "", 35)
	if a == b {
		t.Error("two keys for the same payload are equal: the IV is not random")
	}
	got, err := Verify(a, rotation, "", 35)
	if err != nil {
		t.Fatal(err)
	}
	if got.IssuedAt < before || got.IssuedAt > time.Now().Unix() {
		t.Errorf("iat = %d, want now (%d)", got.IssuedAt, before)
	}
}

func TestRotation(t *testing.T) {
	p := Payload{Audience: "aura-bot", Scope: "aura-services", Mode: ModeRead, IssuedAt: 1700000000}
	// Made before the rotation, when oldKey was the only (active) key.
	before, err := New(p, []string{oldKey}, "", 35)
	if err != nil {
		t.Fatal(err)
	}
	after, err := New(p, rotation, "", 35)
	if err != nil {
		t.Fatal(err)
	}
	three := []string{oldKey, activeKey, "abcdefghijklmnopqrstuvwxyz012345"}
	tests := []struct {
		name, key string
		keys      []string
		wantIndex int // -1: must not verify
	}{
		{"old key still accepted after rotation", before, rotation, 0},
		{"new key made with the active key", after, rotation, 1},
		{"old key accepted in a longer list", before, three, 0},
		{"new key rejected once removed from the list", after, []string{oldKey}, -1},
		{"old key rejected once retired", before, []string{activeKey}, -1},
		{"key not in the list", after, []string{foreignKey}, -1},
		{"key not in a list of several", before, []string{foreignKey, activeKey}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.key, tc.keys, "", 35)
			if tc.wantIndex < 0 {
				if !errors.Is(err, ErrNoMatch) {
					t.Fatalf("err = %v, want ErrNoMatch", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.KeyIndex != tc.wantIndex || r.KeyFingerprint != Fingerprint(tc.keys[tc.wantIndex]) || r.Payload != p {
				t.Errorf("Open = %+v, want key index %d", r, tc.wantIndex)
			}
		})
	}
}

// Any single changed hex digit of the ciphertext must make the key invalid.
// Changing the IV alters the first plaintext block predictably (CBC has no
// integrity; docs/apikey.md §5): such a key may still open, but only with the
// first 16 payload bytes changed, so scope, mode and iat are never affected.
func TestTamperedKeysFail(t *testing.T) {
	p := Payload{Audience: "aura-bot", Scope: "aura-services:token,users", Mode: ModeRead, IssuedAt: 1767225600}
	const pos = 35
	key, err := newKey(p, rotation, "", pos, fixedIV(t, "9f8e7d6c5b4a39281706f5e4d3c2b1a0"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(key) {
		for _, c := range "0123456789abcdef" {
			if byte(c) == key[i] {
				continue
			}
			bad := key[:i] + string(c) + key[i+1:]
			got, err := Verify(bad, rotation, "", pos)
			inIV := i >= pos && i < pos+32
			switch {
			case err == nil && !inIV:
				t.Fatalf("ciphertext digit %d changed to %c: still verifies as %+v", i, c, got)
			case err == nil && (got.Scope != p.Scope || got.Mode != p.Mode || got.IssuedAt != p.IssuedAt || got.Audience == p.Audience):
				t.Fatalf("IV digit %d changed to %c: opened as %+v; only the audience's first bytes may change", i, c, got)
			case err != nil && !errors.Is(err, ErrNoMatch):
				t.Fatalf("digit %d changed: err = %v, want ErrNoMatch", i, err)
			}
		}
	}
	for _, cut := range []string{key[:len(key)-32], key[32:], key + key[:32]} {
		if _, err := Verify(cut, rotation, "", pos); err == nil {
			t.Errorf("a key with blocks cut or added still verifies")
		}
	}
}

func TestMalformedKeys(t *testing.T) {
	tests := []struct {
		name, key string
		pos       int
		want      string
	}{
		{"empty", "", 35, "too short"},
		{"odd length", vectorKey[:191], 35, "odd length 191"},
		{"non-hex", strings.Replace(vectorKey, "e", "g", 1), 35, "character 1 is not"},
		{"uppercase", strings.ToUpper(vectorKey), 35, "not a lowercase hex digit"},
		{"space", vectorKey[:100] + " " + vectorKey[101:], 35, "character 101"},
		{"only an IV", vectorIV, 0, "not 32 + a positive multiple"},
		{"too short for the IV position", vectorKey[:64], 35, "too short for an IV at position 35"},
		{"not whole blocks", vectorKey[:190], 35, "not 32 + a positive multiple"},
		{"guide's example (283 characters)", strings.Repeat("f3", 141) + "f", 35, "odd length"},
		{"unicode", "é" + vectorKey[2:], 35, "character 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.key, rotation, "", tc.pos)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrMalformed mentioning %q", err, tc.want)
			}
			assertNoSecrets(t, err, tc.key)
		})
	}
}

func TestBadParameters(t *testing.T) {
	p := vectorPayload
	tests := []struct {
		name string
		keys []string
		alg  string
		pos  int
		want string
	}{
		{"unknown algorithm", rotation, "aes-256-gcm", 35, `"aes-256-gcm" is not supported`},
		{"key too long for aes-128", rotation, "aes-128-cbc", 35, "item 1 of 2 has 32 characters; aes-128-cbc needs exactly 16"},
		{"second key too short", []string{oldKey, "short"}, "", 35, "item 2 of 2 has 5 characters"},
		{"no keys", nil, "", 35, "aura_encryption_key is empty"},
		{"non-ASCII key", []string{"ü" + oldKey[2:]}, "", 35, "item 1 of 1 contains a character that is not printable ASCII"},
		{"negative IV position", rotation, "", -1, "is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errNew := New(p, tc.keys, tc.alg, tc.pos)
			_, errVerify := Verify(vectorKey, tc.keys, tc.alg, tc.pos)
			for _, err := range []error{errNew, errVerify} {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				assertNoSecrets(t, err)
			}
		})
	}
	if _, err := New(p, rotation, "", 161); err == nil || !strings.Contains(err.Error(), "position 161 is beyond the end of this key's ciphertext (160 hex characters)") {
		t.Errorf("IV position past the end: err = %v", err)
	}
}

func TestNewRejectsBadPayload(t *testing.T) {
	ok := vectorPayload
	tests := []struct {
		name string
		edit func(*Payload)
		want string
	}{
		{"empty audience", func(p *Payload) { p.Audience = "" }, "audience is empty"},
		{"long audience", func(p *Payload) { p.Audience = strings.Repeat("a", maxAudience+1) }, "longer than 256"},
		{"control character", func(p *Payload) { p.Audience = "a\nb" }, "control character"},
		{"invalid UTF-8", func(p *Payload) { p.Audience = "a\xffb" }, "not valid UTF-8"},
		{"line separator", func(p *Payload) { p.Audience = "a\u2028b" }, "line separator"},
		{"control character in scope", func(p *Payload) { p.Scope = "aura-services\x00" }, "scope contains an invalid character"},
		{"empty scope", func(p *Payload) { p.Scope = "" }, "scope is empty"},
		{"bad mode", func(p *Payload) { p.Mode = "x" }, `mode "x"`},
		{"negative iat", func(p *Payload) { p.IssuedAt = -5 }, "out of range"},
		{"iat too large for JSON readers", func(p *Payload) { p.IssuedAt = maxSafeInteger + 1 }, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			if _, err := New(p, rotation, "", 35); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// rawCase is a plaintext and whether a validator must accept it (doc §2).
type rawCase struct {
	name  string
	plain string
	ok    bool
}

var rawCases = []rawCase{
	{"canonical", `{"audience":"a","scope":"s","mode":"r","iat":1}`, true},
	{"other order and spaces", " {\"iat\": 5, \"mode\": \"rw\",\n\"scope\": \"s\", \"audience\": \"a\"} ", true},
	{"extra member ignored", `{"audience":"a","scope":"s","mode":"w","iat":1,"exp":2}`, true},
	{"duplicate: last wins", `{"audience":"a","scope":"s","mode":"x","iat":1,"mode":"r"}`, true},
	{"iat in exponent form", `{"audience":"a","scope":"s","mode":"r","iat":1.7e9}`, true},
	{"iat with .0", `{"audience":"a","scope":"s","mode":"r","iat":17.0}`, true},
	{"iat zero", `{"audience":"a","scope":"s","mode":"r","iat":0}`, true},
	{"iat max safe", `{"audience":"a","scope":"s","mode":"r","iat":9007199254740991}`, true},
	{"escaped unicode", `{"audience":"\u00fc\"","scope":"s","mode":"r","iat":1}`, true},
	{"iat as string", `{"audience":"a","scope":"s","mode":"r","iat":"1"}`, false},
	{"iat fraction", `{"audience":"a","scope":"s","mode":"r","iat":1.5}`, false},
	{"iat negative", `{"audience":"a","scope":"s","mode":"r","iat":-1}`, false},
	{"iat above 2^53-1", `{"audience":"a","scope":"s","mode":"r","iat":9007199254740992}`, false},
	{"iat huge", `{"audience":"a","scope":"s","mode":"r","iat":1e400}`, false},
	{"iat null", `{"audience":"a","scope":"s","mode":"r","iat":null}`, false},
	{"iat missing", `{"audience":"a","scope":"s","mode":"r"}`, false},
	{"member name in another case", `{"Audience":"a","scope":"s","mode":"r","iat":1}`, false},
	{"iat name in another case", `{"audience":"a","scope":"s","mode":"r","IAT":1}`, false},
	{"audience empty", `{"audience":"","scope":"s","mode":"r","iat":1}`, false},
	{"audience number", `{"audience":1,"scope":"s","mode":"r","iat":1}`, false},
	{"scope missing", `{"audience":"a","mode":"r","iat":1}`, false},
	{"scope empty", `{"audience":"a","scope":"","mode":"r","iat":1}`, false},
	{"mode invalid", `{"audience":"a","scope":"s","mode":"R","iat":1}`, false},
	{"mode array", `{"audience":"a","scope":"s","mode":["r"],"iat":1}`, false},
	{"array", `[{"audience":"a","scope":"s","mode":"r","iat":1}]`, false},
	{"not JSON", `audience=a`, false},
	{"trailing garbage", `{"audience":"a","scope":"s","mode":"r","iat":1}x`, false},
	{"empty", ``, false},
	{"byte-order mark", "\ufeff" + `{"audience":"a","scope":"s","mode":"r","iat":1}`, false},
	{"invalid UTF-8", "{\"audience\":\"\xff\",\"scope\":\"s\",\"mode\":\"r\",\"iat\":1}", false},
}

// sealRaw encrypts any plaintext the way the format does, so that the
// validator's payload rules can be tested on their own.
func sealRaw(t testing.TB, plain []byte, key string, pos int) string {
	t.Helper()
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	iv := bytes.Repeat([]byte{7}, 16)
	ct := pad(plain)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
	h := hex.EncodeToString(ct)
	return h[:pos] + hex.EncodeToString(iv) + h[pos:]
}

// rawPos is the IV position used with rawCases: every one of them is at least
// one block (32 hex characters) long.
const rawPos = 5

func TestVerifyPayloadRules(t *testing.T) {
	for _, tc := range rawCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(sealRaw(t, []byte(tc.plain), activeKey, rawPos), rotation, "", rawPos)
			if tc.ok && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrNoMatch) {
				t.Fatalf("err = %v, want ErrNoMatch", err)
			}
		})
	}
}

func TestBadPaddingRejected(t *testing.T) {
	block, _ := aes.NewCipher([]byte(activeKey))
	iv := make([]byte, 16)
	plain := []byte(`{"audience":"a","scope":"s","mode":"r","iat":1}`) // 47 bytes
	for _, padding := range [][]byte{{0}, {2}, {17}, bytes.Repeat([]byte{17}, 17)} {
		b := append(append([]byte{}, plain...), padding...)
		if len(b)%16 != 0 {
			b = append(b, bytes.Repeat([]byte{3}, 16-len(b)%16-1)...)
			b = append(b, 2) // last byte says 2, the byte before is 3
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(b, b)
		key := hex.EncodeToString(iv) + hex.EncodeToString(b)
		if _, err := Verify(key, rotation, "", 0); !errors.Is(err, ErrNoMatch) {
			t.Errorf("padding %v: err = %v, want ErrNoMatch", padding, err)
		}
	}
}

func TestSplitKeys(t *testing.T) {
	got := SplitKeys(" " + oldKey + " ,\t" + activeKey + ",, ")
	if len(got) != 2 || got[0] != oldKey || got[1] != activeKey {
		t.Fatalf("SplitKeys = %q", got)
	}
	if SplitKeys("") != nil {
		t.Error("SplitKeys(\"\") is not empty")
	}
}

// assertNoSecrets fails if an error repeats an encryption key or an APIKey.
func assertNoSecrets(t *testing.T, err error, more ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append([]string{oldKey, activeKey, foreignKey, vectorKey}, more...) {
		if len(s) >= 16 && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains a secret", err)
		}
	}
}

// BenchmarkVerify measures the worst case a service sees: a key that no item
// of a three-key list opens.
func BenchmarkVerify(b *testing.B) {
	keys := []string{foreignKey, oldKey, "abcdefghijklmnopqrstuvwxyz012345"}
	for b.Loop() {
		if _, err := Verify(vectorKey, keys, "", 35); !errors.Is(err, ErrNoMatch) {
			b.Fatal(err)
		}
	}
}
