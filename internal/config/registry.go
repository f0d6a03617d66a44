package config

import "strings"

// RegistryConfig is how the cluster pulls the release's images from the
// registry the release manifest names: every core and system workload
// references its pull secret (aura-registry), which aura creates from
// these credentials in each namespace it deploys to.
type RegistryConfig struct {
	// The registry user the Aura team gives the OB (e.g. an ACR token name).
	Username string `yaml:"username"`
	// Its password (vault it).
	Password string `yaml:"password" secret:"true"`
}

func init() { rules = append(rules, ruleRegistry) }

func ruleRegistry(v *validator) {
	r := v.cfg.Registry
	const p = "registry."
	if strings.ContainsAny(r.Username, " \t\r\n:") {
		v.errf(p+"username", "must not contain white space or ':'")
	}
	switch {
	case r.Username != "" && r.Password == "":
		v.missing(p+"password", " with "+p+"username")
	case r.Username == "" && r.Password != "":
		v.missing(p+"username", " with "+p+"password")
	case r.Username == "" && v.cfg.Provider == "azure":
		// Valid (a registry the cluster reaches anonymously), but on AKS
		// the release's registry is private: every pod would stay in
		// ImagePullBackOff.
		v.warnf(p+"username", "is not set: aura creates no image pull secret, so the cluster can pull only public images; ask the Aura team for registry credentials")
	}
}
