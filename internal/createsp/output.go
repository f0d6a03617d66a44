package createsp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/auracognitive/aurak8s/internal/credentials"
)

// Exports are the four lines the guide shows, for a shell to eval.
func Exports(c *credentials.Credentials) string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{credentials.KeyClientID, c.ClientID},
		{credentials.KeySecret, c.ClientSecret.Reveal()},
		{credentials.KeyTenant, c.TenantID},
		{credentials.KeySubscriptionID, c.SubscriptionID},
	} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return b.String()
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// shellQuote leaves IDs as the guide shows them and single-quotes what a
// shell would change (a secret's ~, for one).
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fileJSON is credentials.json as `-c` reads it: the guide's four keys.
func fileJSON(c *credentials.Credentials) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, kv := range [][2]string{
		{credentials.KeyClientID, c.ClientID},
		{credentials.KeySecret, c.ClientSecret.Reveal()},
		{credentials.KeySubscriptionID, c.SubscriptionID},
		{credentials.KeyTenant, c.TenantID},
	} {
		k, _ := json.Marshal(kv[0])
		v, _ := json.Marshal(kv[1])
		sep := ","
		if i == 3 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s: %s%s\n", k, v, sep)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// existingFile is what the output file holds now: nil when there is none;
// an unreadable or invalid file is "other credentials".
func existingFile(path string) (*credentials.Credentials, bool, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("create_sp: %s: %w", path, err)
	}
	if info.IsDir() {
		return nil, false, fmt.Errorf("create_sp: %s is a directory; name a file with -c", path)
	}
	c, _, err := credentials.Load(path, func(string) string { return "" })
	if err != nil {
		return nil, true, nil
	}
	return c, true, nil
}

// writeFile writes credentials.json with mode 0600 from the start (the
// secret is never readable by others, not even for a moment), replacing
// the old file in one rename.
func writeFile(path string, c *credentials.Credentials) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".credentials-*.json")
	if err != nil {
		return fmt.Errorf("create_sp: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("create_sp: write %s: %w", path, err)
	}
	if _, err := tmp.Write(fileJSON(c)); err != nil {
		tmp.Close()
		return fmt.Errorf("create_sp: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create_sp: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("create_sp: write %s: %w", path, err)
	}
	return nil
}
