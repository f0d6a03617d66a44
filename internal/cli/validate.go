package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/spf13/cobra"
)

func init() {
	register(func(g *Globals) *cobra.Command {
		var showConfig bool
		cmd := &cobra.Command{
			Use:   "validate",
			Short: "Check the configuration and print the resolved environment (no credentials needed)",
			Long: "validate merges the built-in defaults, the profile defaults, --cfg, the --ecfg files and the vaulted\n" +
				"values, checks them against the guide's rules and prints the resolved environment. Every problem is\n" +
				"listed as FILE:LINE: key.path: message and the exit code is 2. Secrets are never printed.",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, err := g.LoadConfig()
				if err != nil {
					return err
				}
				if showConfig {
					out, err := config.ShowConfigYAML(cfg)
					if err != nil {
						return err
					}
					_, err = g.Stdout.Write(out)
					return err
				}
				if g.Output == "json" {
					return printEnvironmentJSON(g, cfg)
				}
				return printEnvironment(g, cfg)
			},
		}
		cmd.Flags().BoolVar(&showConfig, "show-config", false, "print the whole resolved configuration as YAML, secrets redacted, each value with where it came from (built-in default, profile, --cfg or --ecfg FILE:LINE, vault)")
		return cmd
	})
}

func printEnvironment(g *Globals, cfg *config.Config) error {
	d := cfg.Derived
	var on, off []string
	for _, name := range config.ComponentNames {
		if d.Components[name] {
			on = append(on, name)
		} else {
			off = append(off, name)
		}
	}
	none := func(s []string) string {
		if len(s) == 0 {
			return "(none)"
		}
		return strings.Join(s, ", ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "configuration is valid\n")
	fmt.Fprintf(&b, "environment:          %s\n", d.EnvironmentName)
	fmt.Fprintf(&b, "provider:             %s\n", cfg.Provider)
	fmt.Fprintf(&b, "cluster:              %s\n", cfg.ClusterName)
	fmt.Fprintf(&b, "core namespace:       %s\n", d.CoreNamespace)
	fmt.Fprintf(&b, "system namespace:     %s\n", d.SystemNamespace)
	fmt.Fprintf(&b, "agents namespace:     %s\n", d.AgentsNamespace)
	fmt.Fprintf(&b, "enabled components:   %s\n", none(on))
	fmt.Fprintf(&b, "disabled components:  %s\n", none(off))
	fmt.Fprintf(&b, "warnings:             %d\n", len(cfg.Warnings))
	for _, w := range cfg.Warnings {
		fmt.Fprintf(&b, "  - %s\n", w)
	}
	_, err := fmt.Fprint(g.Stdout, b.String())
	return err
}

// printEnvironmentJSON is the --output json form, one object for CI.
func printEnvironmentJSON(g *Globals, cfg *config.Config) error {
	d := cfg.Derived
	warnings := cfg.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	enc := json.NewEncoder(g.Stdout)
	return enc.Encode(map[string]any{
		"valid":            true,
		"environment_name": d.EnvironmentName,
		"provider":         cfg.Provider,
		"cluster_name":     cfg.ClusterName,
		"namespaces":       map[string]string{"core": d.CoreNamespace, "system": d.SystemNamespace, "agents": d.AgentsNamespace},
		"components":       d.Components,
		"warnings":         warnings,
	})
}
