package cli

import (
	"fmt"

	"github.com/auracognitive/aurak8s/internal/config"
)

// LoadConfig loads the configuration named by --cfg/--ecfg with the vault
// password of -v/--vault-password-file/AURA_VAULT_PASSWORD, and prints its
// warnings to stderr. Every command that needs the configuration calls it.
// An invalid configuration is a *config.Errors (exit 2).
func (g *Globals) LoadConfig() (*config.Config, error) {
	if g.CfgFile == "" {
		return nil, UsageErrorf("--cfg is required: the config file (config.yml) to use")
	}
	pass, err := g.VaultPassword()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(config.LoadOptions{CfgFile: g.CfgFile, ExtraDir: g.ExtraCfgDir, VaultPassword: pass})
	if err != nil {
		return nil, err
	}
	cfg.Warnings = append(cfg.Warnings, CheckAPIKeys(cfg)...)
	for _, w := range cfg.Warnings {
		fmt.Fprintln(g.Stderr, "warning:", w)
	}
	return cfg, nil
}
