package apikey

import (
	"errors"
	"math"
	"testing"
)

// FuzzVerify feeds arbitrary strings and IV positions to Open: it must never
// panic, must classify every failure as malformed or not matching, and
// whatever it accepts must be a payload New could have made again.
func FuzzVerify(f *testing.F) {
	f.Add(vectorKey, 35)
	f.Add(vectorKey, 0)
	f.Add(vectorKey, 160)
	f.Add(vectorKey[:191], 35)
	f.Add("", 0)
	f.Add(vectorIV, 0)
	f.Add(vectorIV+vectorIV, 32)
	f.Add(vectorKey+"00", 35)
	f.Add("zz"+vectorKey[2:], 35)
	f.Add(vectorKey, -1)
	f.Add(vectorKey, 1<<40)
	f.Add(vectorKey, math.MaxInt)
	f.Fuzz(func(t *testing.T, key string, pos int) {
		r, err := Open(key, rotation, "", pos)
		if err != nil {
			if pos >= 0 && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoMatch) {
				t.Fatalf("unclassified error: %v", err)
			}
			assertNoSecrets(t, err)
			return
		}
		if r.KeyIndex < 0 || r.KeyIndex >= len(rotation) {
			t.Fatalf("KeyIndex %d out of range", r.KeyIndex)
		}
		if r.Audience == "" || r.Scope == "" || r.IssuedAt < 0 {
			t.Fatalf("accepted an invalid payload %+v", r.Payload)
		}
		// An accepted key decrypts the same way again with only its own key.
		if _, err := Verify(key, rotation[r.KeyIndex:r.KeyIndex+1], "", pos); err != nil {
			t.Fatalf("opened with key %d of the list but not with that key alone: %v", r.KeyIndex, err)
		}
	})
}
