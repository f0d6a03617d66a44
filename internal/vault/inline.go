package vault

import (
	"strings"
)

// yamlIndent is the indentation ansible-vault encrypt_string uses.
const yamlIndent = 10

// EncryptString vaults a single value for a YAML file and returns the text
// that follows "key: ", as `ansible-vault encrypt_string --name key` prints it:
// "!vault |" and the envelope indented by ten spaces, with no final newline.
func EncryptString(plain, password, vaultID string) (string, error) {
	env, err := Encrypt([]byte(plain), password, vaultID)
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSuffix(string(env), "\n"), "\n")
	var b strings.Builder
	b.WriteString("!vault |")
	for _, l := range lines {
		b.WriteString("\n" + strings.Repeat(" ", yamlIndent) + l)
	}
	return b.String(), nil
}

// DecryptString opens an inline vaulted value: the value of a yaml.v3 node
// tagged !vault, or the raw block with its indentation and even its leading
// "!vault |" line still in place. Errors are those of Decrypt; for the value of
// a yaml.v3 block scalar node, node.Line + FormatError.Line is the file line.
func DecryptString(s, password string) (string, error) {
	// Blank out a leading "!vault |" (or "key: !vault |") line rather than
	// removing it, so line numbers in errors still match the caller's text.
	if first, rest, ok := strings.Cut(strings.TrimLeft(s, " \t\r\n"), "\n"); ok && !strings.HasPrefix(strings.TrimSpace(first), headerPrefix) && strings.Contains(first, "!vault") {
		s = s[:len(s)-len(rest)-len(first)-1] + "\n" + rest
	}
	plain, err := Decrypt([]byte(s), password)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}
