package config

// LocalModulesConfig is the registry of build_local and deploy_local (guide:
// "Local modules deployment"): build_local pulls the release's aura-bot from
// it and pushes the extended image next to it, as <image>-local.
type LocalModulesConfig struct {
	// host[:port] of the registry; empty: the release manifest's registry.
	Registry string `yaml:"registry"`
	// Credentials with pull and push rights on it (keep the password vaulted);
	// empty: anonymous.
	Username string `yaml:"username"`
	Password string `yaml:"password" secret:"true"`
	// A PEM file of the authorities that sign the registry's certificate,
	// added to the system's (a private registry's own CA).
	CAFile string `yaml:"ca_file"`
}

// File is the --cfg file the configuration was loaded from; build_local
// looks for local_modules next to it.
func (c *Config) File() string { return c.cfgFile }
