package config

import (
	"regexp"
	"strings"
)

// RegistryConfig is how the cluster pulls the release's images from the
// registry the release manifest names: every core and system workload
// references its pull secret (aura-registry), which aura creates from
// these credentials in each namespace it deploys to; or, when the registry
// is an Azure Container Registry of the subscription, through the cluster's
// kubelet identity, which deploy_infra and deploy_core grant AcrPull on it
// (no pull secret, no password to rotate).
type RegistryConfig struct {
	// The registry user the Aura team gives the OB (e.g. an ACR token name).
	Username string `yaml:"username"`
	// Its password (vault it).
	Password string `yaml:"password" secret:"true"`
	// ACR is the release's registry as an Azure Container Registry of the
	// subscription, in place of username and password.
	ACR ACRConfig `yaml:"acr"`
}

// ACRConfig names an Azure Container Registry.
type ACRConfig struct {
	// The registry's name: its login server is NAME.azurecr.io.
	Name string `yaml:"name"`
	// The resource group that holds it.
	ResourceGroup string `yaml:"resource_group"`
}

var (
	acrNameRE       = regexp.MustCompile(`^[A-Za-z0-9]{5,50}$`)
	resourceGroupRE = regexp.MustCompile(`^[-\w.()]{0,89}[-\w()]$`)
)

func init() { rules = append(rules, ruleRegistry) }

func ruleRegistry(v *validator) {
	r := v.cfg.Registry
	const p = "registry."
	if strings.ContainsAny(r.Username, " \t\r\n:") {
		v.errf(p+"username", "must not contain white space or ':'")
	}
	if ruleACR(v) {
		return
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

// ruleACR checks registry.acr and reports whether it is set. The cluster
// pulls with one of the two ways, not both: a pull secret would hide an
// AcrPull that does not work, and the password would outlive its need.
func ruleACR(v *validator) bool {
	a := v.cfg.Registry.ACR
	const p = "registry.acr."
	if a.Name == "" && a.ResourceGroup == "" {
		return false
	}
	if v.cfg.Registry.Username != "" || v.cfg.Registry.Password != "" {
		v.errf("registry.acr", "is refused together with registry.username and registry.password: the cluster pulls either with its identity (AcrPull on the registry) or with a pull secret; remove one of them")
	}
	if v.required(p+"name", a.Name, " with "+p+"resource_group") && !acrNameRE.MatchString(a.Name) {
		v.errf(p+"name", "an Azure Container Registry name is 5 to 50 letters and digits, not %q", a.Name)
	}
	if v.required(p+"resource_group", a.ResourceGroup, " with "+p+"name") && !resourceGroupRE.MatchString(a.ResourceGroup) {
		v.errf(p+"resource_group", "an Azure resource group name is 1 to 90 letters, digits, '_', '-', '.' and '()', not ending in '.', not %q", a.ResourceGroup)
	}
	return true
}
