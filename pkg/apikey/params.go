package apikey

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// DefaultAlgorithm is aura_encryption_algorithm when the config leaves it out.
const DefaultAlgorithm = "aes-256-cbc"

// DefaultIVPosition is aura_encryption_iv_position when the config leaves it out.
const DefaultIVPosition = 35

// ivHexLen is the length of the hex IV hidden in a key: 16 bytes, one AES block.
const ivHexLen = 32

// keySizes maps each supported algorithm to the length of its key in
// characters (= bytes, since keys are used as their ASCII bytes).
var keySizes = map[string]int{
	"aes-128-cbc": 16,
	"aes-192-cbc": 24,
	"aes-256-cbc": 32,
}

// Algorithms lists the supported values of aura_encryption_algorithm.
func Algorithms() []string { return []string{"aes-128-cbc", "aes-192-cbc", "aes-256-cbc"} }

// SplitKeys turns aura_encryption_key ("k1,k2,...") into its items, in order,
// trimming spaces around each item and dropping empty ones.
func SplitKeys(list string) []string {
	var keys []string
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// Fingerprint names an encryption key without revealing it: the first 8 hex
// characters of the SHA-256 of its bytes. Safe to print and log.
func Fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

// checkParams validates the algorithm, the key list and the IV position, and
// returns the normalised algorithm name. Errors name keys by their 1-based
// index in the list, never by value.
func checkParams(keys []string, algorithm string, ivPosition int) (string, error) {
	alg := strings.ToLower(strings.TrimSpace(algorithm))
	if alg == "" {
		alg = DefaultAlgorithm
	}
	size, ok := keySizes[alg]
	if !ok {
		return "", fmt.Errorf("aura_encryption_algorithm %q is not supported (use one of %s)", algorithm, strings.Join(Algorithms(), ", "))
	}
	if len(keys) == 0 {
		return "", fmt.Errorf("aura_encryption_key is empty")
	}
	for i, k := range keys {
		if strings.IndexFunc(k, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
			return "", fmt.Errorf("aura_encryption_key item %d of %d contains a character that is not printable ASCII", i+1, len(keys))
		}
		if len(k) != size {
			return "", fmt.Errorf("aura_encryption_key item %d of %d has %d characters; %s needs exactly %d", i+1, len(keys), len(k), alg, size)
		}
	}
	if ivPosition < 0 {
		return "", fmt.Errorf("aura_encryption_iv_position %d is negative", ivPosition)
	}
	return alg, nil
}
