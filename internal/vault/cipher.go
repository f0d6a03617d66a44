package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"unicode"
)

// Parameters of ansible-vault's VaultAES256 cipher.
const (
	saltSize   = 32
	keySize    = 32 // AES-256 key, then the same again for the HMAC key
	blockSize  = aes.BlockSize
	macSize    = sha256.Size
	iterations = 10000
)

// keys derives the AES key, HMAC key and CTR IV from the password and salt.
func keys(password string, salt []byte) (aesKey, macKey, iv []byte, err error) {
	material, err := pbkdf2.Key(sha256.New, password, salt, iterations, 2*keySize+blockSize)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("deriving vault keys: %w", err)
	}
	return material[:keySize], material[keySize : 2*keySize], material[2*keySize:], nil
}

// Encrypt vaults plain with password. An empty vaultID (or "default", as
// ansible-vault does) writes $ANSIBLE_VAULT;1.1;AES256; any other label writes
// $ANSIBLE_VAULT;1.2;AES256;<vaultID>.
func Encrypt(plain []byte, password, vaultID string) ([]byte, error) {
	if password == "" {
		return nil, ErrNoPassword
	}
	if err := checkVaultID(vaultID); err != nil {
		return nil, err
	}
	env := &envelope{version: "1.1", cipher: cipherAES256}
	if vaultID != "" && vaultID != "default" {
		env.version, env.vaultID = "1.2", vaultID
	}
	env.salt = make([]byte, saltSize)
	if _, err := rand.Read(env.salt); err != nil {
		return nil, fmt.Errorf("vault salt: %w", err)
	}
	aesKey, macKey, iv, err := keys(password, env.salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	env.ciphertext = pad(plain)
	cipher.NewCTR(block, iv).XORKeyStream(env.ciphertext, env.ciphertext)
	m := hmac.New(sha256.New, macKey)
	m.Write(env.ciphertext)
	env.mac = m.Sum(nil)
	return env.format(), nil
}

// Decrypt opens vault text written by Encrypt or by ansible-vault (1.1 or
// 1.2; the vault id label is not checked, as ansible-vault tries every
// password it has). A wrong password gives an error matching ErrWrongPassword;
// bad input gives a *FormatError matching ErrMalformed.
func Decrypt(data []byte, password string) ([]byte, error) {
	env, err := parseEnvelope(data)
	if err != nil {
		return nil, err
	}
	if password == "" {
		return nil, ErrNoPassword
	}
	aesKey, macKey, iv, err := keys(password, env.salt)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, macKey)
	m.Write(env.ciphertext)
	if !hmac.Equal(m.Sum(nil), env.mac) {
		return nil, ErrWrongPassword
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(env.ciphertext))
	cipher.NewCTR(block, iv).XORKeyStream(plain, env.ciphertext)
	// The HMAC matched, so bad padding means the writer was broken, not the password.
	return unpad(plain)
}

// pad applies PKCS#7 padding to a copy of b; ansible pads even though CTR
// does not need it, so we must too for ansible to read our output.
func pad(b []byte) []byte {
	n := blockSize - len(b)%blockSize
	out := make([]byte, len(b), len(b)+n)
	copy(out, b)
	for range n {
		out = append(out, byte(n))
	}
	return out
}

func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, malformed(0, "empty ciphertext")
	}
	n := int(b[len(b)-1])
	if n == 0 || n > blockSize || n > len(b) {
		return nil, malformed(0, "invalid PKCS#7 padding")
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, malformed(0, "invalid PKCS#7 padding")
		}
	}
	return b[:len(b)-n], nil
}

// checkVaultID rejects labels that would corrupt or be lost from the
// ;-separated header line.
func checkVaultID(id string) error {
	if strings.ContainsFunc(id, func(r rune) bool {
		return r == ';' || r > unicode.MaxASCII || !unicode.IsGraphic(r) || unicode.IsSpace(r)
	}) {
		return fmt.Errorf("vault id %q: must be printable ASCII without spaces or ';'", id)
	}
	return nil
}
