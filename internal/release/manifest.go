package release

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

//go:embed release.yaml
var embedded []byte

// Manifest is one installer release.
type Manifest struct {
	Version string `yaml:"version" json:"version"`
	// KubernetesVersion is the cluster's Kubernetes minor (deploy_infra); a
	// change is the guide's "New cluster" upgrade.
	KubernetesVersion string      `yaml:"kubernetes_version" json:"kubernetes_version"`
	Registry          string      `yaml:"registry" json:"registry"`
	ImagePullSecret   string      `yaml:"image_pull_secret" json:"image_pull_secret"`
	Components        []Component `yaml:"components" json:"components"`
	Charts            []Chart     `yaml:"charts" json:"charts"`
	// OpenAIDeployments are the model deployments deploy_core makes in the
	// Azure OpenAI account (openai_enabled).
	OpenAIDeployments []OpenAIDeployment `yaml:"openai_deployments,omitempty" json:"openai_deployments"`
}

// Component is one Aura core component.
type Component struct {
	Name           string            `yaml:"name" json:"name"`
	Aliases        []string          `yaml:"aliases,omitempty" json:"aliases"`
	ObjectName     string            `yaml:"object_name,omitempty" json:"object_name"` // Kubernetes name; defaults to Name
	Registry       string            `yaml:"registry,omitempty" json:"registry"`       // defaults to the manifest's
	Image          string            `yaml:"image" json:"image"`
	Tag            string            `yaml:"tag" json:"tag"`
	Replicas       int               `yaml:"replicas" json:"replicas"`
	Ports          []Port            `yaml:"ports,omitempty" json:"ports"`
	HealthPath     string            `yaml:"health_path,omitempty" json:"health_path"`
	HealthPort     string            `yaml:"health_port,omitempty" json:"health_port"` // port name; defaults to the first port
	ServiceAccount string            `yaml:"service_account,omitempty" json:"service_account"`
	CRDDir         string            `yaml:"crd_dir,omitempty" json:"crd_dir"`
	Templates      []string          `yaml:"templates" json:"templates"`
	Secrets        []string          `yaml:"secrets,omitempty" json:"secrets"`
	Ingress        *Ingress          `yaml:"ingress,omitempty" json:"ingress"`
	DependsOn      []string          `yaml:"depends_on,omitempty" json:"depends_on"`
	Env            map[string]string `yaml:"env,omitempty" json:"env"`
}

// Port is a named container port, exposed by the component's Service.
type Port struct {
	Name string `yaml:"name" json:"name"`
	Port int    `yaml:"port" json:"port"`
}

// Ingress routes a path of one of the environment's DNS names (by host key:
// services, gateway, manager, ...) to the component.
type Ingress struct {
	Host string `yaml:"host" json:"host"`
	Path string `yaml:"path" json:"path"`
}

// Chart is a third-party Helm chart installed by deploy_system.
type Chart struct {
	Name      string `yaml:"name" json:"name"`
	Repo      string `yaml:"repo" json:"repo"`
	Chart     string `yaml:"chart" json:"chart"`
	Version   string `yaml:"version" json:"version"`
	Namespace string `yaml:"namespace" json:"namespace"`
	Condition string `yaml:"condition,omitempty" json:"condition"` // config flag that enables it; empty = always
	Note      string `yaml:"note,omitempty" json:"note"`
}

// ImageRef is the full image reference of the component.
func (c *Component) ImageRef(m *Manifest) string {
	reg := c.Registry
	if reg == "" {
		reg = m.Registry
	}
	return reg + "/" + c.Image + ":" + c.Tag
}

var (
	defaultOnce     sync.Once
	defaultManifest *Manifest
	defaultErr      error
)

// Default returns the manifest embedded in this installer.
func Default() (*Manifest, error) {
	defaultOnce.Do(func() { defaultManifest, defaultErr = Parse("release.yaml", embedded) })
	return defaultManifest, defaultErr
}

// Parse decodes and validates a manifest. Unknown keys are errors.
func Parse(file string, data []byte) (*Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := range m.Components {
		if m.Components[i].ObjectName == "" {
			m.Components[i].ObjectName = m.Components[i].Name
		}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &m, nil
}

// Component returns the component of that canonical name or alias.
func (m *Manifest) Component(name string) (*Component, bool) {
	for i := range m.Components {
		c := &m.Components[i]
		if c.Name == name {
			return c, true
		}
		for _, a := range c.Aliases {
			if a == name {
				return c, true
			}
		}
	}
	return nil, false
}

// Names lists the canonical component names in manifest order.
func (m *Manifest) Names() []string {
	out := make([]string, len(m.Components))
	for i, c := range m.Components {
		out[i] = c.Name
	}
	return out
}

// AsMap is the manifest as templates see it ("release"): the yaml key names.
func (m *Manifest) AsMap() map[string]any { return toMap(m) }

// AsMap is the component as templates see it ("component"), with its full
// image reference under "image_ref".
func (c *Component) AsMap(m *Manifest) map[string]any {
	out := toMap(c)
	out["image_ref"] = c.ImageRef(m)
	return out
}

func toMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and ints always marshal
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	normalizeNumbers(out)
	return out
}

// normalizeNumbers turns JSON's float64 into int where the value is whole, so
// templates print "8080", not "8080.0".
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	case float64:
		if t == float64(int(t)) {
			return int(t)
		}
	}
	return v
}
