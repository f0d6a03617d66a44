package vault

import (
	"bytes"
	"encoding/hex"
	"strings"
)

const (
	headerPrefix = "$ANSIBLE_VAULT"
	cipherAES256 = "AES256"
	lineWidth    = 80 // ansible-vault wraps the hex body at 80 columns
)

// envelope is the parsed outer layer: the header and the three binary parts
// of the body (ansible's "hex in hex": hex(hex(salt) \n hex(hmac) \n hex(ciphertext))).
type envelope struct {
	version, cipher, vaultID string
	salt, mac, ciphertext    []byte
}

// IsEncrypted reports whether data starts with the ansible-vault header
// (leading blank space is ignored, so an indented inline value counts too).
func IsEncrypted(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(headerPrefix))
}

// parseEnvelope splits vault text into its parts. Blank lines and the blank
// space around each line are ignored, as YAML indentation and CRLF line ends
// would otherwise make valid data unreadable; line numbers in errors still
// count the lines of data as given.
func parseEnvelope(data []byte) (*envelope, error) {
	lines := strings.Split(string(data), "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		return nil, malformed(0, "empty input")
	}
	headerLine := i + 1
	header := strings.TrimSpace(lines[i])
	if !strings.HasPrefix(header, headerPrefix) {
		return nil, malformed(headerLine, "does not start with %s", headerPrefix)
	}
	fields := strings.Split(header, ";")
	for k := range fields {
		fields[k] = strings.TrimSpace(fields[k])
	}
	if fields[0] != headerPrefix || len(fields) < 3 || len(fields) > 4 {
		return nil, malformed(headerLine, "header must be %s;1.1;AES256 or %s;1.2;AES256;<vault-id>", headerPrefix, headerPrefix)
	}
	env := &envelope{version: fields[1], cipher: fields[2]}
	if len(fields) == 4 {
		env.vaultID = fields[3]
	}
	if env.version != "1.1" && env.version != "1.2" {
		return nil, malformed(headerLine, "unsupported format version %q (want 1.1 or 1.2)", env.version)
	}
	if env.cipher != cipherAES256 {
		return nil, malformed(headerLine, "unsupported cipher %q (want %s)", env.cipher, cipherAES256)
	}

	var outer strings.Builder
	for n, line := range lines[i+1:] {
		line = strings.TrimSpace(line)
		if k := strings.IndexFunc(line, notHex); k >= 0 {
			return nil, malformed(headerLine+1+n, "character %q at column %d is not hexadecimal", line[k], k+1)
		}
		outer.WriteString(line)
	}
	if outer.Len() == 0 {
		return nil, malformed(0, "no encrypted body after the header")
	}
	inner, err := hex.DecodeString(outer.String())
	if err != nil {
		return nil, malformed(0, "body has an odd number of hex digits (truncated?)")
	}
	parts := bytes.SplitN(inner, []byte("\n"), 3)
	if len(parts) != 3 {
		return nil, malformed(0, "body must hold salt, HMAC and ciphertext; found %d part(s)", len(parts))
	}
	names := [3]string{"salt", "HMAC", "ciphertext"}
	decoded := [3][]byte{}
	for k, p := range parts {
		decoded[k] = make([]byte, hex.DecodedLen(len(p)))
		if _, err := hex.Decode(decoded[k], p); err != nil || len(p) == 0 {
			return nil, malformed(0, "%s is not a non-empty hex string", names[k])
		}
	}
	env.salt, env.mac, env.ciphertext = decoded[0], decoded[1], decoded[2]
	if len(env.mac) != macSize {
		return nil, malformed(0, "HMAC is %d bytes, want %d", len(env.mac), macSize)
	}
	if len(env.ciphertext)%blockSize != 0 {
		return nil, malformed(0, "ciphertext is %d bytes, not a multiple of %d", len(env.ciphertext), blockSize)
	}
	return env, nil
}

func notHex(r rune) bool {
	return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F')
}

// format writes the envelope exactly as ansible-vault does: header line, the
// hex body in 80-column lines, and a final newline.
func (e *envelope) format() []byte {
	inner := hex.EncodeToString(e.salt) + "\n" + hex.EncodeToString(e.mac) + "\n" + hex.EncodeToString(e.ciphertext)
	outer := hex.EncodeToString([]byte(inner))
	var b bytes.Buffer
	b.WriteString(headerPrefix + ";" + e.version + ";" + e.cipher)
	if e.vaultID != "" {
		b.WriteString(";" + e.vaultID)
	}
	b.WriteByte('\n')
	for len(outer) > 0 {
		n := min(lineWidth, len(outer))
		b.WriteString(outer[:n])
		b.WriteByte('\n')
		outer = outer[n:]
	}
	return b.Bytes()
}
