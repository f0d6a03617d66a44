package dist

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestOperatorOnBaseImage: with --operator-base the operator layer goes on
// top of the base's for the right platform, the base's settings stay, and a
// base in the push registry is pulled with the push credentials.
func TestOperatorOnBaseImage(t *testing.T) {
	srv := authRegistry()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	auth := remote.WithAuth(&authn.Basic{Username: regUser, Password: regPass})

	// A two-platform base whose arm64 image holds a file the amd64 one lacks.
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		layer, err := tarLayer([]tarFile{{name: "etc/", mode: 0o755, dir: true}, {name: "etc/base-" + arch, mode: 0o644, data: []byte(arch)}}, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", arch
		cf.Config.Env = []string{"BASE=" + arch}
		cf.Config.Cmd = []string{"/bin/sh"}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	baseRef, _ := name.ParseReference(host + "/base/static:1")
	if err := remote.WriteIndex(baseRef, mutate.AppendManifests(empty.Index, adds...), auth); err != nil {
		t.Fatal(err)
	}

	// Any file stands in for the operator binary: only the layering is tested here.
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Root: repoRoot, Commit: testCommit, OperatorBase: baseRef.String(), Registry: host,
		Username: regUser, Password: regPass, Arches: []string{"arm64"}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	img, err := operatorImage(context.Background(), &o, "arm64", bin)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("%d layers (%v), want the base's and the operator's", len(layers), err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm64" || strings.Join(cf.Config.Env, ",") != "BASE=arm64" || len(cf.Config.Cmd) != 0 ||
		strings.Join(cf.Config.Entrypoint, " ") != OperatorPath || cf.Config.User != nonRoot {
		t.Errorf("config %+v", cf.Config)
	}
	files := imageFiles(t, img)
	if string(files["etc/base-arm64"].data) != "arm64" || files["aura-operator"].mode != 0o755 {
		t.Errorf("image files: base-arm64 %q, aura-operator mode %o", files["etc/base-arm64"].data, files["aura-operator"].mode)
	}
	if _, ok := files["etc/ssl/certs/ca-certificates.crt"]; ok {
		t.Error("the scratch files were added on top of a base image")
	}

	// A base elsewhere is pulled anonymously: this registry refuses that.
	o.Registry = "registry.example.invalid"
	_, err = operatorImage(context.Background(), &o, "arm64", bin)
	if err == nil || !strings.Contains(err.Error(), "--operator-base "+baseRef.String()) || strings.Contains(err.Error(), regPass) {
		t.Errorf("anonymous base pull: %v", err)
	}
}
