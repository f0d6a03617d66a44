package localmodules

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	yaml "go.yaml.in/yaml/v3"
)

// PluginConfig is output_install/plugin-config.json: what build_local built,
// for deploy_local -p and for people (which bundle went in, by checksum).
type PluginConfig struct {
	EnvironmentName string   `json:"environment_name"`
	Release         string   `json:"release"`
	Image           string   `json:"image"` // by digest
	Tag             string   `json:"tag"`
	BaseImage       string   `json:"base_image"` // by digest
	Platforms       []string `json:"platforms,omitempty"`
	PluginDir       string   `json:"plugin_dir"`
	Modules         []Module `json:"modules"`
}

// Module is one bundle of the image.
type Module struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
}

// LocalConfig is output_install/local_config.yml: the overlay deploy_local -l
// applies to the environment: the bot's image and what the configuration
// updater merges.
type LocalConfig struct {
	EnvironmentName string `yaml:"environment_name"`
	AuraBot         struct {
		Image string `yaml:"image"`
	} `yaml:"aura_bot"`
	ConfigurationUpdater struct {
		// Modules are name@version, the local cases the updater merges into
		// aura-configuration-api's global cases.
		Modules []string `yaml:"modules"`
	} `yaml:"configuration_updater"`
}

// Outputs makes both files' contents for a build.
func Outputs(environment, release string, b *Build, bundles []Bundle) (pluginJSON, localYAML []byte, err error) {
	pc := PluginConfig{EnvironmentName: environment, Release: release, Image: b.Image, Tag: b.Tag, BaseImage: b.Base,
		Platforms: b.Platforms, PluginDir: PluginDir}
	var lc LocalConfig
	lc.EnvironmentName, lc.AuraBot.Image = environment, b.Image
	for _, bd := range bundles {
		pc.Modules = append(pc.Modules, Module{Name: bd.Name, Version: bd.Version, File: bd.File, SHA256: bd.SHA256})
		lc.ConfigurationUpdater.Modules = append(lc.ConfigurationUpdater.Modules, bd.Name+"@"+bd.Version)
	}
	if pluginJSON, err = json.MarshalIndent(pc, "", "  "); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("# Written by aura build_local; deploy it with: aura deploy_local ... -p output_install/plugin-config.json -l output_install/local_config.yml\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&lc); err != nil {
		return nil, nil, err
	}
	return append(pluginJSON, '\n'), buf.Bytes(), nil
}

// Deployment is what deploy_local deploys, read from both files.
type Deployment struct {
	Plugin PluginConfig
	Local  LocalConfig
}

// ReadDeployment reads plugin-config.json and local_config.yml and checks
// them against each other and against the environment they are deployed
// to. Every error names the file and the field.
func ReadDeployment(pluginFile, localFile, environment string) (*Deployment, error) {
	var d Deployment
	data, err := os.ReadFile(pluginFile)
	if err != nil {
		return nil, fmt.Errorf("-p %s: %v", pluginFile, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d.Plugin); err != nil {
		return nil, fmt.Errorf("-p %s: not a plugin-config.json written by aura build_local: %v", pluginFile, err)
	}
	data, err = os.ReadFile(localFile)
	if err != nil {
		return nil, fmt.Errorf("-l %s: %v", localFile, err)
	}
	ydec := yaml.NewDecoder(bytes.NewReader(data))
	ydec.KnownFields(true)
	if err := ydec.Decode(&d.Local); err != nil {
		return nil, fmt.Errorf("-l %s: not a local_config.yml written by aura build_local: %v", localFile, err)
	}
	pc, lc := d.Plugin, d.Local
	switch {
	case pc.EnvironmentName != environment:
		return nil, fmt.Errorf("%s: environment_name %q: built for another environment than this configuration's %q; run aura build_local with this configuration", pluginFile, pc.EnvironmentName, environment)
	case lc.EnvironmentName != environment:
		return nil, fmt.Errorf("%s: environment_name %q: not this configuration's environment %q", localFile, lc.EnvironmentName, environment)
	case len(pc.Modules) == 0:
		return nil, fmt.Errorf("%s: modules: empty", pluginFile)
	}
	if _, err := name.NewDigest(pc.Image, name.StrictValidation); err != nil {
		return nil, fmt.Errorf("%s: image %q must name the image by digest (repository@sha256:...): %v", pluginFile, pc.Image, err)
	}
	if lc.AuraBot.Image != pc.Image {
		return nil, fmt.Errorf("%s: aura_bot.image %q is not the image of %s (%q): use the two files of the same build_local run", localFile, lc.AuraBot.Image, pluginFile, pc.Image)
	}
	var want []string
	for _, m := range pc.Modules {
		want = append(want, m.Name+"@"+m.Version)
	}
	if !slices.Equal(want, lc.ConfigurationUpdater.Modules) {
		return nil, fmt.Errorf("%s: configuration_updater.modules %v are not the modules of %s %v: use the two files of the same build_local run",
			localFile, lc.ConfigurationUpdater.Modules, pluginFile, want)
	}
	return &d, nil
}

// Digest is the image's digest, sha256:...
func (d *Deployment) Digest() string {
	_, digest, _ := strings.Cut(d.Plugin.Image, "@")
	return digest
}

// TransportWithCA is the default transport trusting the system's roots and
// those of caFile (PEM); caFile "" is the default transport.
func TransportWithCA(caFile string) (http.RoundTripper, error) {
	if caFile == "" {
		return remote.DefaultTransport, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("local_modules.ca_file: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("local_modules.ca_file: %s holds no PEM certificate", caFile)
	}
	base, ok := remote.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("unexpected default transport")
	}
	t := base.Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}
