package localmodules

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Labels the built image carries, so `crane config` (or any registry UI)
// tells which bundles and which global image it is made of.
const (
	LabelModules = "com.auracognitive.aura.local-modules"
	LabelBase    = "com.auracognitive.aura.base-image"
)

// Options say where the base image is and where the built one goes.
type Options struct {
	// Base is the global aura-bot image, by tag or digest
	// (registry/aura/aura-bot:7.2.0).
	Base string
	// Repository receives the built image (registry/aura/aura-bot-local).
	Repository string
	// Username and Password authenticate to the registry (basic auth or a
	// token exchange, as the registry asks); empty: anonymous.
	Username, Password string
	// Transport carries every request; nil uses the system's roots.
	Transport http.RoundTripper
	// Progress, when set, receives the push's progress.
	Progress func(Progress)
}

// Progress is how far a push is.
type Progress struct {
	Complete, Total int64 // bytes
	Layers          int   // layers of the pushed image (per platform)
}

// Build is an extended image, built in memory and compared with the
// registry; Push sends it.
type Build struct {
	Base      string   // the base image by digest
	Image     string   // the built image by digest: what deploy_local deploys
	Tag       string   // the built image by tag (names its content)
	Digest    string   // sha256:...
	Platforms []string // os/arch[/variant] of each image; empty for a single-platform base
	Layers    int
	// Exists is true when the registry already holds this digest under Tag:
	// Push then sends nothing.
	Exists bool

	tag   name.Tag
	img   v1.Image      // single-platform base
	index v1.ImageIndex // multi-platform base
	opts  Options
}

// Prepare reads the base image, builds the extended one in memory and asks
// the registry whether it already holds it. It writes nothing.
func Prepare(ctx context.Context, bundles []Bundle, o Options) (*Build, error) {
	if len(bundles) == 0 {
		return nil, errors.New("no local module to build")
	}
	baseRef, err := name.ParseReference(o.Base, name.StrictValidation)
	if err != nil {
		return nil, fmt.Errorf("base image %q: %v", o.Base, err)
	}
	repo, err := name.NewRepository(o.Repository, name.StrictValidation)
	if err != nil {
		return nil, fmt.Errorf("target repository %q: %v", o.Repository, err)
	}
	ropts := o.remote(ctx)
	desc, err := remote.Get(baseRef, ropts...)
	if err != nil {
		return nil, o.explain(err, baseRef.Context().RegistryStr(), fmt.Sprintf("base image %s", o.Base))
	}
	baseDigest := baseRef.Context().Digest(desc.Digest.String())
	labels := map[string]string{LabelModules: moduleList(bundles), LabelBase: baseDigest.String()}
	b := &Build{Base: baseDigest.String(), opts: o}
	var digest v1.Hash
	switch {
	case desc.MediaType.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, o.explain(err, baseRef.Context().RegistryStr(), "base image "+o.Base)
		}
		if b.index, b.Platforms, b.Layers, err = extendIndex(idx, bundles, labels); err != nil {
			return nil, fmt.Errorf("base image %s: %w", o.Base, err)
		}
		digest, err = b.index.Digest()
		if err != nil {
			return nil, err
		}
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, o.explain(err, baseRef.Context().RegistryStr(), "base image "+o.Base)
		}
		if b.img, b.Layers, err = extend(img, newLayers(bundles), labels); err != nil {
			return nil, fmt.Errorf("base image %s: %w", o.Base, err)
		}
		if digest, err = b.img.Digest(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("base image %s: %s is neither an image nor an image index", o.Base, desc.MediaType)
	}
	b.tag = repo.Tag(buildTag(baseRef, desc.Digest, bundles))
	b.Tag, b.Digest = b.tag.String(), digest.String()
	b.Image = repo.Digest(b.Digest).String()
	have, err := remote.Head(b.tag, ropts...)
	var te *transport.Error
	switch {
	case errors.As(err, &te) && te.StatusCode == http.StatusNotFound:
	case err != nil:
		return nil, o.explain(err, repo.RegistryStr(), "target "+b.Tag)
	default:
		b.Exists = have.Digest == digest
	}
	return b, nil
}

// Push sends the image unless the registry already has it. It first checks
// that the credentials may push to the repository, so that a refused push
// leaves nothing half-written.
func (b *Build) Push(ctx context.Context) (pushed bool, err error) {
	if b.Exists {
		return false, nil
	}
	reg := b.tag.Context().RegistryStr()
	if err := remote.CheckPushPermission(b.tag, keychain{b.opts.auth()}, b.opts.transport()); err != nil {
		return false, b.opts.explain(err, reg, "push to "+b.tag.Context().String())
	}
	ropts := b.opts.remote(ctx)
	var done chan struct{}
	if b.opts.Progress != nil {
		updates := make(chan v1.Update, 16)
		done = make(chan struct{})
		go func() {
			defer close(done)
			for u := range updates {
				if u.Error == nil {
					b.opts.Progress(Progress{Complete: u.Complete, Total: u.Total, Layers: b.Layers})
				}
			}
		}()
		ropts = append(ropts, remote.WithProgress(updates))
	}
	if b.index != nil {
		err = remote.WriteIndex(b.tag, b.index, ropts...)
	} else {
		err = remote.Write(b.tag, b.img, ropts...)
	}
	if done != nil {
		<-done // remote closes the channel when the write ends
	}
	if err != nil {
		return false, b.opts.explain(err, reg, "push of "+b.Tag)
	}
	b.Exists = true
	return true, nil
}

// extend appends the bundles' layer and the labels; the rest of the base's
// config (entrypoint, env, user, workdir) is kept as it is.
func extend(base v1.Image, bundles *layers, labels map[string]string) (v1.Image, int, error) {
	mt, err := base.MediaType()
	if err != nil {
		return nil, 0, err
	}
	layer, err := bundles.layer(mt == types.OCIManifestSchema1)
	if err != nil {
		return nil, 0, err
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: mustMediaType(layer),
		History: v1.History{CreatedBy: "aura build_local: " + labels[LabelModules]}})
	if err != nil {
		return nil, 0, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, 0, err
	}
	cfg := *cf.Config.DeepCopy()
	merged := map[string]string{}
	for k, v := range cfg.Labels {
		merged[k] = v
	}
	for k, v := range labels {
		merged[k] = v
	}
	cfg.Labels = merged
	out, err := mutate.Config(img, cfg)
	if err != nil {
		return nil, 0, err
	}
	ls, err := out.Layers()
	return out, len(ls), err
}

// layers builds the bundles' layer once per media type, however many
// platforms of an index share it.
type layers struct {
	bundles []Bundle
	built   map[bool]v1.Layer
}

func newLayers(bundles []Bundle) *layers {
	return &layers{bundles: bundles, built: map[bool]v1.Layer{}}
}

func (l *layers) layer(oci bool) (v1.Layer, error) {
	if got, ok := l.built[oci]; ok {
		return got, nil
	}
	got, err := bundlesLayer(l.bundles, oci)
	if err == nil {
		l.built[oci] = got
	}
	return got, err
}

func mustMediaType(l v1.Layer) types.MediaType {
	mt, err := l.MediaType()
	if err != nil {
		return types.OCILayer
	}
	return mt
}

// extendIndex extends every platform image of a multi-arch base. Entries
// that are not runnable images (build attestations, platform unknown) are
// left out: they describe the base, not what we build.
func extendIndex(base v1.ImageIndex, bundles []Bundle, labels map[string]string) (v1.ImageIndex, []string, int, error) {
	im, err := base.IndexManifest()
	if err != nil {
		return nil, nil, 0, err
	}
	out := mutate.IndexMediaType(empty.Index, im.MediaType)
	var platforms []string
	nlayers, images := 0, 0
	bl := newLayers(bundles)
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() || (d.Platform != nil && d.Platform.OS == "unknown") {
			continue
		}
		child, err := base.Image(d.Digest)
		if err != nil {
			return nil, nil, 0, err
		}
		ext, n, err := extend(child, bl, labels)
		if err != nil {
			return nil, nil, 0, err
		}
		nlayers, images = max(nlayers, n), images+1
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: ext, Descriptor: v1.Descriptor{Platform: d.Platform}})
		if d.Platform != nil {
			platforms = append(platforms, d.Platform.String())
		}
	}
	if images == 0 {
		return nil, nil, 0, errors.New("the image index holds no runnable image")
	}
	return out, platforms, nlayers, nil
}

// buildTag names the content: the base tag, then a hash of the base digest
// and of every bundle. The same inputs give the same tag, new bundles a new
// one, so an earlier build is never overwritten.
func buildTag(base name.Reference, digest v1.Hash, bundles []Bundle) string {
	h := sha256.New()
	fmt.Fprintln(h, digest.String())
	sorted := append([]Bundle(nil), bundles...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, b := range sorted {
		fmt.Fprintln(h, b.Name, b.Version, b.SHA256)
	}
	prefix := "local"
	if t, ok := base.(name.Tag); ok {
		prefix = t.TagStr() + "-local"
	}
	return prefix + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

func moduleList(bundles []Bundle) string {
	parts := make([]string, len(bundles))
	for i, b := range bundles {
		parts[i] = b.Name + "@" + b.Version
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (o Options) auth() authn.Authenticator {
	if o.Username == "" && o.Password == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: o.Username, Password: o.Password}
}

func (o Options) transport() http.RoundTripper {
	if o.Transport != nil {
		return o.Transport
	}
	return remote.DefaultTransport
}

func (o Options) remote(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(o.auth()), remote.WithTransport(o.transport())}
}

// keychain hands CheckPushPermission the same credentials.
type keychain struct{ a authn.Authenticator }

func (k keychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.a, nil }

// explain turns registry failures into what the user can act on. The
// password is never part of the text: transport errors carry the
// registry's answer, not the request.
func (o Options) explain(err error, registry, what string) error {
	var te *transport.Error
	var unknownCA x509.UnknownAuthorityError
	switch {
	case errors.As(err, &te) && te.StatusCode == http.StatusUnauthorized:
		who := "anonymous access"
		if o.Username != "" {
			who = fmt.Sprintf("the credentials of user %q", o.Username)
		}
		return fmt.Errorf("%s: registry %s rejected %s: check local_modules.username and local_modules.password (vaulted)", what, registry, who)
	case errors.As(err, &te) && te.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: registry %s denies user %q this access: ask for pull and push rights on it", what, registry, o.Username)
	case errors.As(err, &te) && te.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s: not found in registry %s (is local_modules.registry the registry holding the release's images?)", what, registry)
	case errors.As(err, &unknownCA):
		return fmt.Errorf("%s: registry %s presents a certificate signed by an unknown authority: name its CA in local_modules.ca_file", what, registry)
	}
	return fmt.Errorf("%s: %w", what, err)
}
