package dist

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the aurak8s checkout the tests build from.
const repoRoot = "../.."

// TestDefaults: with only a commit the bundle is named for the example
// config's profile and the release manifest's version, and the operator image
// goes where the manifest says (or to --registry).
func TestDefaults(t *testing.T) {
	o := Options{Root: repoRoot, Commit: "abcdef0"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := o.Name(), "auradeploy-abcdef0-ap-7.2.0.zip"; got != want {
		t.Errorf("name %q, want %q", got, want)
	}
	if strings.Join(o.Arches, ",") != "amd64,arm64" {
		t.Errorf("arches %v", o.Arches)
	}
	ref, err := o.operatorRef()
	if err != nil || ref != "auraregistry.azurecr.io/aura/aura-operator:7.2.0" {
		t.Errorf("operator ref %q, %v", ref, err)
	}
	o.Registry = "127.0.0.1:5000"
	if ref, _ := o.operatorRef(); ref != "127.0.0.1:5000/aura/aura-operator:7.2.0" {
		t.Errorf("operator ref with --registry: %q", ref)
	}
}

// TestBadInput: each bad option is refused with the flag's name, before
// anything is built or written.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"unknown OB", func(o *Options) { o.OB = "xx" }, `--ob "xx": not an environment_profile`},
		{"other release", func(o *Options) { o.Version = "7.3.0" }, `--version "7.3.0": this tree installs release 7.2.0`},
		{"no commit", func(o *Options) { o.Commit = "" }, `--commit ""`},
		{"commit not hex", func(o *Options) { o.Commit = "main" }, `--commit "main"`},
		{"arch", func(o *Options) { o.Arches = []string{"amd64", "386"} }, `--arch "386"`},
		{"registry URL", func(o *Options) { o.Registry = "https://r.example" }, `--registry "https://r.example"`},
		{"push without password", func(o *Options) { o.Push, o.Username = true, "u" }, "--push needs registry credentials"},
		{"no CA bundle", func(o *Options) { o.CACerts = "/nonexistent/ca.crt" }, "--ca-certs"},
		{"not the repository", func(o *Options) { o.Root = t.TempDir() }, "--root"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "dist")
			o := Options{Root: repoRoot, OutDir: out, Commit: "abcdef0", GoCmd: "/nonexistent/go"}
			c.edit(&o)
			_, err := Build(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s was created for bad input", out)
			}
		})
	}
}

// TestReadme: the bundle's README names the bundle, the OB's profile setting
// and the guide's first commands with the bundle's paths.
func TestReadme(t *testing.T) {
	o := Options{Root: repoRoot, Commit: "abcdef0", OB: "uk", Arches: []string{"arm64"}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := renderReadme(&o, "r.example/aura/aura-operator:7.2.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"auradeploy-abcdef0-uk-7.2.0.zip", "environment_profile: uk", "(linux/arm64)",
		"sha256sum -c SHA256SUMS", "./aura validate --cfg config.yml", "r.example/aura/aura-operator:7.2.0",
		"./migrate-cluster --source-file source-uk-dev_info.json"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("README lacks %q:\n%s", want, b)
		}
	}
}
