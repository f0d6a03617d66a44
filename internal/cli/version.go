package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/auracognitive/aurak8s/internal/cli.Version=...".
var Version = "dev"

func init() {
	register(func(g *Globals) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print the installer version",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				v := Version
				if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
					v = bi.Main.Version
				}
				_, err := fmt.Fprintf(g.Stdout, "aura %s\n", v)
				return err
			},
		}
	})
}
