package packages

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// Strategy is an update strategy: "" (pin), "Patch", "Minor" or "Major".
type Strategy string

// Choose returns the version to install, given the spec's version, the update
// strategy and the versions available.
//
// Without a strategy the spec's version is returned as is (whether it exists is
// the download's business). With one, the highest available release that is not
// below current and that the strategy allows wins: Patch keeps major.minor, Minor
// keeps major, Major allows any. Pre-releases are never chosen by a strategy, only
// pinned; when nothing qualifies, current itself is returned if it is available.
func Choose(current string, strategy Strategy, available []*semver.Version) (*semver.Version, error) {
	cur, err := semver.StrictNewVersion(current)
	if err != nil {
		return nil, fmt.Errorf("version %q is not a semantic version X.Y.Z: %w", current, err)
	}
	if strategy == "" {
		return cur, nil
	}
	allowed, err := allows(strategy, cur)
	if err != nil {
		return nil, err
	}
	var best *semver.Version
	for _, v := range available {
		if v.Prerelease() != "" || v.LessThan(cur) || !allowed(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best = v
		}
	}
	if best != nil {
		return best, nil
	}
	for _, v := range available {
		if v.Equal(cur) {
			return cur, nil
		}
	}
	return nil, fmt.Errorf("%w: no version allowed by update strategy %s from %s (found %d versions)",
		ErrNotFound, strategy, cur, len(available))
}

func allows(strategy Strategy, cur *semver.Version) (func(*semver.Version) bool, error) {
	switch strategy {
	case "Patch":
		return func(v *semver.Version) bool { return v.Major() == cur.Major() && v.Minor() == cur.Minor() }, nil
	case "Minor":
		return func(v *semver.Version) bool { return v.Major() == cur.Major() }, nil
	case "Major":
		return func(*semver.Version) bool { return true }, nil
	}
	return nil, fmt.Errorf("update strategy %q is not one of Patch, Minor, Major", strategy)
}
