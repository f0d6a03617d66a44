package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/auracognitive/aurak8s/internal/release"
)

// Version is set at build time with -ldflags "-X github.com/auracognitive/aurak8s/internal/cli.Version=...".
var Version = "dev"

// Commit may be set the same way; otherwise it is the VCS revision Go
// stamped into the binary, if any.
var Commit = ""

// versionText is what `aura version` and `aura --version` print: the
// installer, the release it installs and the source it was built from.
func versionText() (string, error) {
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
		return "", err
	}
	return fmt.Sprintf("aura %s\nrelease %s\ncommit %s\n", v, m.Version, commit), nil
}

func init() {
	register(func(g *Globals) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print the installer version, the release it installs and its commit (also --version)",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
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
