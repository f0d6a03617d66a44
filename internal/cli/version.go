package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/auracognitive/aurak8s/internal/release"
)

// Version is set at build time with -ldflags "-X github.com/auracognitive/aurak8s/internal/cli.Version=...".
var Version = "dev"

// Commit may be set the same way; otherwise it is the VCS revision Go
// stamped into the binary, if any.
var Commit = ""

// Profile is the environment_profile (OB) an installer bundle was built for
// (set by `make dist`); empty for a plain build.
var Profile = ""

// versionInfo is what `aura version` reports; --output json prints it as is.
type versionInfo struct {
	Installer string `json:"installer"`
	Release   string `json:"release"`
	Commit    string `json:"commit"`
	Profile   string `json:"profile,omitempty"`
	Platform  string `json:"platform"`
	Go        string `json:"go"`
}

// versionText is what `aura version` and `aura --version` print: the
// installer, the release it installs, the source it was built from and, for
// a bundle, the OB it was made for, so a support request can name them all.
func versionText() (string, error) {
	v, err := currentVersion()
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("aura %s\nrelease %s\ncommit %s\n", v.Installer, v.Release, v.Commit)
	if v.Profile != "" {
		s += fmt.Sprintf("profile %s\n", v.Profile)
	}
	return s + fmt.Sprintf("platform %s %s\n", v.Platform, v.Go), nil
}

func currentVersion() (versionInfo, error) {
	v, commit, modified := Version, Commit, false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && commit == "":
				commit = s.Value
			case s.Key == "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	} else if modified {
		commit += " (modified)"
	}
	m, err := release.Default()
	if err != nil {
		return versionInfo{}, err
	}
	return versionInfo{
		Installer: v, Release: m.Version, Commit: commit, Profile: Profile,
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version(),
	}, nil
}

func init() {
	register(func(g *Globals) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print the installer version, the release it installs, its commit and platform (also --version)",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if g.Output == "json" {
					v, err := currentVersion()
					if err != nil {
						return err
					}
					return json.NewEncoder(g.Stdout).Encode(v)
				}
				s, err := versionText()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(g.Stdout, s)
				return err
			},
		}
	})
}
