// Package dist builds the installer bundle the guide's "Installer download"
// step expects, auradeploy-<commit>-<OB>-<version>.zip, and the aura-operator
// image next to it, without Docker.
package dist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/release"
)

// Options says what to build. Zero values take the defaults described on
// each field; Validate rejects the rest before anything is built.
type Options struct {
	Root    string // repository root; default "."
	OutDir  string // where the zip and the image tarball go; default "dist"
	OB      string // environment_profile the bundle is for; default: the example config's
	Version string // release version; default and only allowed value: the release manifest's
	Commit  string // commit id in the bundle name (hex, 7 to 40 characters)
	// LDFlags are the aura build's -ldflags (the Makefile's: version and
	// commit stamps); default "-s -w -X …cli.Version=<Version> -X …cli.Commit=<Commit>".
	LDFlags string
	Arches  []string  // GOARCH values; default amd64 and arm64
	ModTime time.Time // time stamped on every zip entry and the image; default 1980-01-01

	// OperatorBase is an image reference to build the operator image on;
	// empty: from scratch with a non-root user and the CA certificates.
	OperatorBase string
	// CACerts is the CA bundle copied into a scratch operator image; default
	// /etc/ssl/certs/ca-certificates.crt.
	CACerts string

	// Push sends the operator image to the release manifest's reference
	// (Registry replaces its registry host when set).
	Push     bool
	Registry string
	Username string
	Password string // never printed

	GoCmd string // default "go"
	Log   func(format string, args ...any)
}

// Result names what Build wrote.
type Result struct {
	Zip           string // path of the bundle
	OperatorTar   string // path of the OCI layout tarball
	OperatorRef   string // where the image belongs (and was pushed with Push)
	OperatorIndex string // digest of the image index
}

const (
	cliPkg = "github.com/auracognitive/aurak8s/internal/cli"
	// operatorComponent is the release manifest entry of the operator.
	operatorComponent = "aura-operator"
)

var (
	commitRe = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	hostRe   = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]+)?$`)
)

// Name is the bundle's file name as the guide's download step lists it.
func (o *Options) Name() string {
	return fmt.Sprintf("auradeploy-%s-%s-%s.zip", o.Commit, o.OB, o.Version)
}

// Validate fills the defaults and checks every option, naming the flag at
// fault; nothing is built when it fails.
func (o *Options) Validate() error {
	if o.Root == "" {
		o.Root = "."
	}
	if o.OutDir == "" {
		o.OutDir = "dist"
	}
	if o.GoCmd == "" {
		o.GoCmd = "go"
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if _, err := os.Stat(filepath.Join(o.Root, "go.mod")); err != nil {
		return fmt.Errorf("--root %s: not the aurak8s repository (no go.mod)", o.Root)
	}
	m, err := release.Default()
	if err != nil {
		return err
	}
	if o.Version == "" {
		o.Version = m.Version
	}
	if o.Version != m.Version {
		return fmt.Errorf("--version %q: this tree installs release %s (internal/release/release.yaml); a bundle named for another release would install the wrong one", o.Version, m.Version)
	}
	if o.OB == "" {
		if o.OB, err = exampleProfile(o.Root); err != nil {
			return err
		}
	}
	if profiles := config.Profiles(); !slices.Contains(profiles, o.OB) {
		return fmt.Errorf("--ob %q: not an environment_profile with built-in defaults (%s)", o.OB, strings.Join(profiles, ", "))
	}
	if !commitRe.MatchString(o.Commit) {
		return fmt.Errorf("--commit %q: want a lowercase hex commit id of 7 to 40 characters", o.Commit)
	}
	if o.LDFlags == "" {
		o.LDFlags = fmt.Sprintf("-s -w -X %s.Version=%s -X %s.Commit=%s", cliPkg, o.Version, cliPkg, o.Commit)
	}
	if len(o.Arches) == 0 {
		o.Arches = []string{"amd64", "arm64"}
	}
	for _, a := range o.Arches {
		if a != "amd64" && a != "arm64" {
			return fmt.Errorf("--arch %q: the installer is built for linux amd64 and arm64", a)
		}
	}
	o.Arches = slices.Compact(slices.Sorted(slices.Values(o.Arches)))
	if o.ModTime.IsZero() {
		// The zip format cannot hold times before 1980.
		o.ModTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.OperatorBase == "" {
		if o.CACerts == "" {
			o.CACerts = "/etc/ssl/certs/ca-certificates.crt"
		}
		if _, err := os.Stat(o.CACerts); err != nil {
			return fmt.Errorf("--ca-certs: %v (the scratch operator image needs CA certificates to reach S3 and Azure over TLS)", err)
		}
	}
	if o.Registry != "" && !hostRe.MatchString(o.Registry) {
		return fmt.Errorf("--registry %q: want a registry host[:port]", o.Registry)
	}
	if o.Push && (o.Username == "" || o.Password == "") {
		return errors.New("--push needs registry credentials: set AURA_REGISTRY_USERNAME and AURA_REGISTRY_PASSWORD (or --registry-username and --registry-password-file)")
	}
	return nil
}

// exampleProfile is the environment_profile of examples/config.yml, so that
// by default the bundle is named for the profile its config.yml is set to.
func exampleProfile(root string) (string, error) {
	path := filepath.Join(root, "examples", "config.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--ob not given and %v", err)
	}
	var c struct {
		Profile string `yaml:"environment_profile"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil || c.Profile == "" {
		return "", fmt.Errorf("--ob not given and %s has no environment_profile", path)
	}
	return c.Profile, nil
}

// operatorRef is where the release manifest says the operator image lives,
// with the registry host replaced by Registry when set.
func (o *Options) operatorRef() (string, error) {
	m, err := release.Default()
	if err != nil {
		return "", err
	}
	for i := range m.Components {
		c := &m.Components[i]
		if c.Name != operatorComponent {
			continue
		}
		if o.Registry != "" {
			return o.Registry + "/" + c.Image + ":" + c.Tag, nil
		}
		return c.ImageRef(m), nil
	}
	return "", fmt.Errorf("the release manifest has no %s component", operatorComponent)
}

// Build validates the options, builds the binaries, writes the bundle and the
// operator image, and pushes the image when asked. Output files appear only
// when complete.
func Build(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ref, err := o.operatorRef()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "aura-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	auraFlags := o.LDFlags + fmt.Sprintf(" -X %s.Profile=%s", cliPkg, o.OB)
	auraBins := map[string]string{}
	operatorBins := map[string]string{}
	for _, arch := range o.Arches {
		auraBins[arch] = filepath.Join(work, "aura-"+arch)
		o.Log("building aura for linux/%s", arch)
		if err := goBuild(ctx, &o, "./cmd/aura", arch, auraFlags, auraBins[arch]); err != nil {
			return nil, err
		}
		operatorBins[arch] = filepath.Join(work, "aura-operator-"+arch)
		o.Log("building aura-operator for linux/%s", arch)
		if err := goBuild(ctx, &o, "./cmd/aura-operator", arch, "-s -w", operatorBins[arch]); err != nil {
			return nil, err
		}
	}

	entries, err := bundleEntries(&o, auraBins, ref)
	if err != nil {
		return nil, err
	}
	res := &Result{Zip: filepath.Join(o.OutDir, o.Name()), OperatorRef: ref}
	o.Log("writing %s", res.Zip)
	if err := writeZip(res.Zip, entries, o.ModTime); err != nil {
		return nil, err
	}

	idx, err := operatorIndex(ctx, &o, operatorBins, ref)
	if err != nil {
		return nil, err
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	res.OperatorIndex = d.String()
	res.OperatorTar = filepath.Join(o.OutDir, fmt.Sprintf("aura-operator-%s.oci.tar", o.Version))
	o.Log("writing %s", res.OperatorTar)
	if err := writeLayoutTar(res.OperatorTar, idx, ref, o.ModTime); err != nil {
		return nil, err
	}
	if o.Push {
		o.Log("pushing %s", ref)
		if err := Push(ctx, idx, ref, o.Username, o.Password); err != nil {
			return nil, err
		}
	}
	return res, nil
}
