package packages

import (
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Extension is the suffix of every package key.
const Extension = ".tgz"

// Key is the S3 key (and blob name) of version v of package pkg under prefix.
func Key(prefix, pkg, v string) string {
	return keyPrefix(prefix, pkg) + v + Extension
}

// keyPrefix is what every key of pkg starts with; listing by it finds its versions.
func keyPrefix(prefix, pkg string) string {
	if prefix == "" {
		return pkg + "-"
	}
	return strings.TrimSuffix(prefix, "/") + "/" + pkg + "-"
}

// versionFromKey returns the version a key names, or false when the key is not
// one of pkg's packages (another package sharing the name's start, a stray file).
func versionFromKey(prefix, pkg, key string) (*semver.Version, bool) {
	rest, ok := strings.CutPrefix(key, keyPrefix(prefix, pkg))
	if !ok {
		return nil, false
	}
	rest, ok = strings.CutSuffix(rest, Extension)
	if !ok {
		return nil, false
	}
	v, err := semver.StrictNewVersion(rest)
	if err != nil {
		return nil, false
	}
	return v, true
}
