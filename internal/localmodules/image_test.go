package localmodules_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/auracognitive/aurak8s/internal/localmodules"
	"github.com/auracognitive/aurak8s/internal/localmodules/registrytest"
)

const (
	user     = "ob-builder"
	password = "s3cret-registry-password"
)

var baseConfig = v1.Config{
	Entrypoint: []string{"docker-entrypoint.sh"},
	Cmd:        []string{"node", "server.js"},
	Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"},
	WorkingDir: "/usr/src/app",
	User:       "node",
	Labels:     map[string]string{"org.opencontainers.image.version": "7.2.0"},
}

// baseImage is a synthetic aura-bot: two random layers and node's config.
func baseImage(t *testing.T, oci bool) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	if oci {
		img = mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
	}
	img, err = mutate.Config(img, baseConfig)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// pushBase pushes a multi-arch base (amd64, arm64 and a build attestation
// entry, as BuildKit writes) and returns its reference.
func pushBase(t *testing.T, reg *registrytest.Registry) string {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}, {OS: "unknown", Architecture: "unknown"}} {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: baseImage(t, true), Descriptor: v1.Descriptor{Platform: &p}})
	}
	ref := reg.Host + "/aura/aura-bot:7.2.0"
	if err := remote.WriteIndex(mustTag(t, ref), idx, reg.Options(user, password)...); err != nil {
		t.Fatal(err)
	}
	return ref
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func writeBundles(t *testing.T, bundles map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for f, data := range bundles {
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func twoBundles(t *testing.T) string {
	return writeBundles(t, map[string][]byte{
		"dialog-billing-1.2.0.tgz": registrytest.Bundle(t, "dialog-billing", "1.2.0", map[string]string{
			"index.js": "module.exports = require('./lib/billing')", "lib/billing.js": "exports.run = () => 'billing'",
			"locales/es-ES.json": `{"hello":"hola"}`}),
		"scoped.tgz": registrytest.Bundle(t, "@ob/dialog-roaming", "0.3.1", map[string]string{"index.js": "exports.roaming = true"}),
	})
}

func options(reg *registrytest.Registry, base string) localmodules.Options {
	return localmodules.Options{Base: base, Repository: reg.Host + "/aura/aura-bot-local", Username: user, Password: password, Transport: reg.Transport}
}

// layerFiles reads a layer: regular files by path, and the other entries' types.
func layerFiles(t *testing.T, l v1.Layer) (map[string]string, map[string]byte) {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files, other := map[string]string{}, map[string]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			other[h.Name] = h.Typeflag
			continue
		}
		data, _ := io.ReadAll(tr)
		files["/"+h.Name] = string(data)
	}
	return files, other
}

func TestBuildExtendsEveryPlatformAndRerunPushesNothing(t *testing.T) {
	reg := registrytest.New(t, user, password)
	base := pushBase(t, reg)
	bundles, err := localmodules.ReadDir(twoBundles(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var progress []localmodules.Progress
	o := options(reg, base)
	o.Progress = func(p localmodules.Progress) { progress = append(progress, p) }
	b, err := localmodules.Prepare(ctx, bundles, o)
	if err != nil {
		t.Fatal(err)
	}
	if b.Exists {
		t.Fatal("a build never pushed is reported as already in the registry")
	}
	if !slices.Equal(b.Platforms, []string{"linux/amd64", "linux/arm64/v8"}) {
		t.Fatalf("platforms %v, want linux/amd64 and linux/arm64/v8 (the attestation entry left out)", b.Platforms)
	}
	if !strings.HasPrefix(b.Tag, reg.Host+"/aura/aura-bot-local:7.2.0-local-") || !strings.Contains(b.Base, "@sha256:") {
		t.Fatalf("tag %s, base %s", b.Tag, b.Base)
	}
	pushed, err := b.Push(ctx)
	if err != nil || !pushed {
		t.Fatalf("push: %v, pushed %v", err, pushed)
	}
	if len(progress) == 0 || progress[len(progress)-1].Complete != progress[len(progress)-1].Total {
		t.Fatalf("progress %v does not end complete", progress)
	}

	want := map[string]string{}
	for _, bd := range bundles {
		for _, f := range bd.Files {
			want[localmodules.PluginDir+"/"+bd.Name+"/"+f.Path] = string(f.Data)
		}
	}
	idx, err := remote.Index(mustDigest(t, b.Image), reg.Options(user, password)...)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 {
		t.Fatalf("built index has %d manifests, want 2", len(im.Manifests))
	}
	baseIdx, _ := remote.Index(mustTag(t, base), reg.Options(user, password)...)
	baseIM, _ := baseIdx.IndexManifest()
	for i, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		baseImg, _ := baseIdx.Image(baseIM.Manifests[i].Digest)
		layers, _ := img.Layers()
		baseLayers, _ := baseImg.Layers()
		if len(layers) != len(baseLayers)+1 {
			t.Fatalf("%s: %d layers, want the base's %d plus one", d.Platform, len(layers), len(baseLayers))
		}
		for j := range baseLayers {
			bd, _ := baseLayers[j].Digest()
			ld, _ := layers[j].Digest()
			if bd != ld {
				t.Fatalf("%s: layer %d differs from the base's", d.Platform, j)
			}
		}
		files, other := layerFiles(t, layers[len(layers)-1])
		if len(files) != len(want) {
			t.Fatalf("%s: new layer holds %v, want exactly %v", d.Platform, keys(files), keys(want))
		}
		for p, content := range want {
			if files[p] != content {
				t.Fatalf("%s: %s holds %q, want %q", d.Platform, p, files[p], content)
			}
		}
		for n, typ := range other {
			if typ != tar.TypeDir {
				t.Fatalf("%s: new layer has a non-file, non-directory entry %s", d.Platform, n)
			}
		}
		mt, _ := layers[len(layers)-1].MediaType()
		if mt != types.OCILayer {
			t.Fatalf("the new layer of an OCI base is %s", mt)
		}
		cf, _ := img.ConfigFile()
		if !slices.Equal(cf.Config.Entrypoint, baseConfig.Entrypoint) || !slices.Equal(cf.Config.Env, baseConfig.Env) ||
			!slices.Equal(cf.Config.Cmd, baseConfig.Cmd) || cf.Config.User != "node" || cf.Config.WorkingDir != baseConfig.WorkingDir {
			t.Fatalf("%s: config %+v lost the base's entrypoint, cmd, env, user or workdir", d.Platform, cf.Config)
		}
		if cf.Config.Labels[localmodules.LabelModules] != "@ob/dialog-roaming@0.3.1,dialog-billing@1.2.0" ||
			cf.Config.Labels[localmodules.LabelBase] != b.Base || cf.Config.Labels["org.opencontainers.image.version"] != "7.2.0" {
			t.Fatalf("labels %v", cf.Config.Labels)
		}
		if d.Platform.String() != b.Platforms[i] {
			t.Fatalf("manifest %d is %s, want %s", i, d.Platform, b.Platforms[i])
		}
	}

	// Same bundles again (read afresh): same digest, not one write.
	writes := reg.Writes()
	bundles2, _ := localmodules.ReadDir(twoBundles(t))
	b2, err := localmodules.Prepare(ctx, bundles2, o)
	if err != nil {
		t.Fatal(err)
	}
	if b2.Digest != b.Digest || b2.Tag != b.Tag || !b2.Exists {
		t.Fatalf("re-run: digest %s tag %s exists %v; first run %s %s", b2.Digest, b2.Tag, b2.Exists, b.Digest, b.Tag)
	}
	if pushed, err := b2.Push(ctx); err != nil || pushed {
		t.Fatalf("re-run push: %v, pushed %v", err, pushed)
	}
	if reg.Writes() != writes {
		t.Fatalf("re-run wrote %d times to the registry", reg.Writes()-writes)
	}

	// One bundle changes: a new tag, the old build stays.
	dir := twoBundles(t)
	if err := os.WriteFile(filepath.Join(dir, "scoped.tgz"), registrytest.Bundle(t, "@ob/dialog-roaming", "0.3.2", nil), 0o600); err != nil {
		t.Fatal(err)
	}
	bundles3, _ := localmodules.ReadDir(dir)
	b3, err := localmodules.Prepare(ctx, bundles3, o)
	if err != nil {
		t.Fatal(err)
	}
	if b3.Exists || b3.Tag == b.Tag || b3.Digest == b.Digest {
		t.Fatalf("a changed bundle gives tag %s digest %s exists %v", b3.Tag, b3.Digest, b3.Exists)
	}
}

func TestBuildSingleArchDockerBase(t *testing.T) {
	reg := registrytest.New(t, user, password)
	img := baseImage(t, false)
	ref := reg.Host + "/aura/aura-bot:7.2.0"
	if err := remote.Write(mustTag(t, ref), img, reg.Options(user, password)...); err != nil {
		t.Fatal(err)
	}
	bundles, err := localmodules.ReadDir(twoBundles(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := localmodules.Prepare(context.Background(), bundles, options(reg, ref))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := remote.Image(mustDigest(t, b.Image), reg.Options(user, password)...)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := got.Layers()
	mt, _ := layers[len(layers)-1].MediaType()
	gmt, _ := got.MediaType()
	if mt != types.DockerLayer || gmt != types.DockerManifestSchema2 || len(b.Platforms) != 0 {
		t.Fatalf("docker base: manifest %s, new layer %s, platforms %v", gmt, mt, b.Platforms)
	}
}

// Every failure is found before anything is written to the registry, and
// says what to fix without the password.
func TestBuildFailsBeforeAnyPush(t *testing.T) {
	reg := registrytest.New(t, user, password)
	base := pushBase(t, reg)
	good := twoBundles(t)
	cases := []struct {
		name    string
		dir     string
		opts    func(o *localmodules.Options)
		wantErr []string
	}{
		{name: "corrupt bundle", dir: writeBundles(t, map[string][]byte{"ok.tgz": registrytest.Bundle(t, "ok", "1.0.0", nil), "broken.tgz": []byte("\x1f\x8b\x08\x00 not really gzip")}),
			wantErr: []string{"broken.tgz", "corrupt"}},
		{name: "truncated bundle", dir: writeBundles(t, map[string][]byte{"cut.tgz": registrytest.Bundle(t, "cut", "1.0.0", map[string]string{"a.js": strings.Repeat("x", 4096)})[:60]}),
			wantErr: []string{"cut.tgz", "corrupt"}},
		{name: "missing base", dir: good, opts: func(o *localmodules.Options) { o.Base = reg.Host + "/aura/aura-bot:9.9.9" },
			wantErr: []string{"base image " + reg.Host + "/aura/aura-bot:9.9.9", "not found"}},
		{name: "wrong password", dir: good, opts: func(o *localmodules.Options) { o.Password = "wrong-password" },
			wantErr: []string{"rejected the credentials of user \"ob-builder\"", "local_modules.password"}},
		{name: "untrusted certificate", dir: good, opts: func(o *localmodules.Options) { o.Transport = nil },
			wantErr: []string{"unknown authority", "local_modules.ca_file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := reg.Writes()
			o := options(reg, base)
			if tc.opts != nil {
				tc.opts(&o)
			}
			bundles, err := localmodules.ReadDir(tc.dir)
			if err == nil {
				var b *localmodules.Build
				if b, err = localmodules.Prepare(context.Background(), bundles, o); err == nil {
					_, err = b.Push(context.Background())
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "wrong-password") {
				t.Fatalf("error %q shows a password", err)
			}
			if n := reg.Writes() - before; n != 0 {
				t.Fatalf("%d writes reached the registry", n)
			}
		})
	}
}

func mustDigest(t *testing.T, s string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
