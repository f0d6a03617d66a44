package release

import "fmt"

// OpenAIDeployment is one model deployment of the Azure OpenAI account.
type OpenAIDeployment struct {
	Name     string `yaml:"name" json:"name"`
	Model    string `yaml:"model" json:"model"`
	Version  string `yaml:"version,omitempty" json:"version"`
	Capacity int    `yaml:"capacity" json:"capacity"` // thousands of tokens per minute
	SKU      string `yaml:"sku,omitempty" json:"sku"` // Standard when empty
}

// validateOpenAI: Azure refuses a deployment without a model or capacity
// only after the account exists; the manifest says so before.
func (m *Manifest) validateOpenAI() []error {
	var errs []error
	seen := map[string]bool{}
	for i, d := range m.OpenAIDeployments {
		at := fmt.Sprintf("openai_deployments[%d] (%s)", i, d.Name)
		switch {
		case !dns1123.MatchString(d.Name):
			errs = append(errs, fmt.Errorf("%s.name: %q is not a DNS-1123 label", at, d.Name))
		case seen[d.Name]:
			errs = append(errs, fmt.Errorf("%s.name: %q is used twice", at, d.Name))
		}
		seen[d.Name] = true
		if d.Model == "" {
			errs = append(errs, fmt.Errorf("%s.model: must be set", at))
		}
		if d.Capacity < 1 {
			errs = append(errs, fmt.Errorf("%s.capacity: %d must be at least 1", at, d.Capacity))
		}
	}
	return errs
}
