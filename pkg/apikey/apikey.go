package apikey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrMalformed is wrapped by errors about the shape of an APIKey (length,
// characters, IV position), found before any decryption is tried.
var ErrMalformed = errors.New("malformed api key")

// ErrNoMatch is wrapped when an APIKey is well formed but no key of the list
// decrypts it to a valid payload: made with another key, IV position or
// algorithm, or tampered with.
var ErrNoMatch = errors.New("api key does not verify")

// Result is a verified APIKey: its payload and which encryption key opened it.
type Result struct {
	Payload
	KeyIndex       int    // 0-based index in the key list
	KeyFingerprint string // Fingerprint of that key, safe to print
}

// New makes an APIKey for p with the last key of keys, the active one. A zero
// p.IssuedAt is set to the current time.
func New(p Payload, keys []string, algorithm string, ivPosition int) (string, error) {
	return newKey(p, keys, algorithm, ivPosition, rand.Reader, time.Now)
}

// newKey is New with the IV source and clock injectable, for test vectors.
func newKey(p Payload, keys []string, algorithm string, ivPosition int, random io.Reader, now func() time.Time) (string, error) {
	if _, err := checkParams(keys, algorithm, ivPosition); err != nil {
		return "", err
	}
	if p.IssuedAt == 0 {
		p.IssuedAt = now().Unix()
	}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("api key payload: %w", err)
	}
	plain, err := p.marshal()
	if err != nil {
		return "", fmt.Errorf("api key payload: %w", err)
	}
	block, err := aes.NewCipher([]byte(keys[len(keys)-1]))
	if err != nil {
		return "", err
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(random, iv); err != nil {
		return "", fmt.Errorf("api key IV: %w", err)
	}
	padded := pad(plain)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(padded, padded)
	ct := hex.EncodeToString(padded)
	if ivPosition > len(ct) {
		return "", fmt.Errorf("aura_encryption_iv_position %d is beyond the end of this key's ciphertext (%d hex characters)", ivPosition, len(ct))
	}
	return ct[:ivPosition] + hex.EncodeToString(iv) + ct[ivPosition:], nil
}

// Verify returns the payload of apiKey if any key of keys opens it.
func Verify(apiKey string, keys []string, algorithm string, ivPosition int) (Payload, error) {
	r, err := Open(apiKey, keys, algorithm, ivPosition)
	return r.Payload, err
}

// Open is Verify that also tells which key of the list opened apiKey. Keys are
// tried in list order; errors never contain apiKey or any encryption key.
func Open(apiKey string, keys []string, algorithm string, ivPosition int) (Result, error) {
	if _, err := checkParams(keys, algorithm, ivPosition); err != nil {
		return Result{}, err
	}
	iv, ct, err := split(apiKey, ivPosition)
	if err != nil {
		return Result{}, err
	}
	for i, k := range keys {
		if p, err := decrypt(ct, iv, k); err == nil {
			return Result{Payload: p, KeyIndex: i, KeyFingerprint: Fingerprint(k)}, nil
		}
	}
	// Why each key failed (padding or payload) is not told: a service that
	// passed it on to its clients would become a padding oracle.
	if len(keys) == 1 {
		return Result{}, fmt.Errorf("%w with the configured encryption key", ErrNoMatch)
	}
	return Result{}, fmt.Errorf("%w with any of the %d configured encryption keys", ErrNoMatch, len(keys))
}

// split checks the shape of apiKey and takes it apart into IV and ciphertext.
func split(apiKey string, ivPosition int) (iv, ct []byte, err error) {
	n := len(apiKey)
	for i := 0; i < n; i++ {
		if c := apiKey[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, nil, fmt.Errorf("%w: character %d is not a lowercase hex digit", ErrMalformed, i+1)
		}
	}
	switch {
	case n%2 != 0:
		return nil, nil, fmt.Errorf("%w: odd length %d", ErrMalformed, n)
	case ivPosition > n-ivHexLen: // not n < ivPosition+32, which can overflow
		return nil, nil, fmt.Errorf("%w: %d characters is too short for an IV at position %d", ErrMalformed, n, ivPosition)
	case (n-ivHexLen)%(2*aes.BlockSize) != 0 || n == ivHexLen:
		return nil, nil, fmt.Errorf("%w: length %d is not 32 + a positive multiple of 32", ErrMalformed, n)
	}
	iv, _ = hex.DecodeString(apiKey[ivPosition : ivPosition+ivHexLen])
	ct, _ = hex.DecodeString(apiKey[:ivPosition] + apiKey[ivPosition+ivHexLen:])
	return iv, ct, nil
}

// decrypt opens one candidate; ct is not modified.
func decrypt(ct, iv []byte, key string) (Payload, error) {
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return Payload{}, err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	plain, err = unpad(plain)
	if err != nil {
		return Payload{}, err
	}
	return parsePayload(plain)
}

// pad appends PKCS#7 padding: 1 to 16 bytes, each holding the pad length.
func pad(b []byte) []byte {
	n := aes.BlockSize - len(b)%aes.BlockSize
	out := make([]byte, len(b), len(b)+n)
	copy(out, b)
	for range n {
		out = append(out, byte(n))
	}
	return out
}

// unpad strips PKCS#7 padding, checking every pad byte.
func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, errors.New("bad padding")
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, errors.New("bad padding")
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, errors.New("bad padding")
		}
	}
	return b[:len(b)-n], nil
}
