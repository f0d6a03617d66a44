package dist

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// OperatorPath is where the operator binary sits in its image; the
	// image's entrypoint, as the Deployment sets no command.
	OperatorPath = "/aura-operator"
	// nonRoot is distroless' "nonroot" user: the operator needs no privilege.
	nonRoot = "65532:65532"
)

// operatorIndex builds the multi-platform aura-operator image from the
// static binaries, one per architecture.
func operatorIndex(ctx context.Context, o *Options, bins map[string]string, ref string) (v1.ImageIndex, error) {
	adds := make([]mutate.IndexAddendum, 0, len(o.Arches))
	for _, arch := range o.Arches {
		img, err := operatorImage(ctx, o, arch, bins[arch])
		if err != nil {
			return nil, fmt.Errorf("aura-operator image for linux/%s: %w", arch, err)
		}
		adds = append(adds, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return mutate.AppendManifests(empty.Index, adds...), nil
}

func operatorImage(ctx context.Context, o *Options, arch, bin string) (v1.Image, error) {
	var base v1.Image
	files := []tarFile{}
	if o.OperatorBase == "" {
		// A scratch image as distroless/static has it: a non-root user, CA
		// certificates for S3 and Azure, a writable /tmp.
		certs, err := os.ReadFile(o.CACerts)
		if err != nil {
			return nil, fmt.Errorf("--ca-certs: %v", err)
		}
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		files = append(files,
			tarFile{name: "etc/", mode: 0o755, dir: true},
			tarFile{name: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
			tarFile{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
			tarFile{name: "etc/ssl/", mode: 0o755, dir: true},
			tarFile{name: "etc/ssl/certs/", mode: 0o755, dir: true},
			tarFile{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: certs},
			tarFile{name: "home/", mode: 0o755, dir: true},
			tarFile{name: "home/nonroot/", mode: 0o700, dir: true, uid: 65532},
			tarFile{name: "tmp/", mode: 0o1777, dir: true},
		)
	} else {
		r, err := name.ParseReference(o.OperatorBase)
		if err != nil {
			return nil, fmt.Errorf("--operator-base: %v", err)
		}
		base, err = remote.Image(r, remote.WithContext(ctx), remote.WithAuth(o.baseAuth(r)),
			remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
		if err != nil {
			return nil, fmt.Errorf("--operator-base %s: %w", o.OperatorBase, err)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	files = append(files, tarFile{name: OperatorPath[1:], mode: 0o755, data: b})
	layer, err := tarLayer(files, o.ModTime)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: o.ModTime}, CreatedBy: "aura dist: aura-operator " + o.Version, Comment: "commit " + o.Commit},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: o.ModTime}
	cf.Config.Entrypoint = []string{OperatorPath}
	cf.Config.Cmd = nil
	cf.Config.User = nonRoot
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	cf.Config.Labels["org.opencontainers.image.title"] = "aura-operator"
	cf.Config.Labels["org.opencontainers.image.version"] = o.Version
	cf.Config.Labels["org.opencontainers.image.revision"] = o.Commit
	return mutate.ConfigFile(img, cf)
}

type tarFile struct {
	name string
	mode int64
	dir  bool
	uid  int
	data []byte
}

// tarLayer makes one gzip layer holding files, owned by root unless said
// otherwise, stamped with mtime so that the same inputs give the same digest.
func tarLayer(files []tarFile, mtime time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, ModTime: mtime, Uid: f.uid, Gid: f.uid, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// baseAuth uses the push credentials for a base image in the registry the
// operator image goes to; any other base is pulled anonymously, as public
// base images are.
func (o *Options) baseAuth(base name.Reference) authn.Authenticator {
	ref, err := o.operatorRef()
	if err != nil || o.Username == "" {
		return authn.Anonymous
	}
	target, err := name.ParseReference(ref)
	if err != nil || target.Context().RegistryStr() != base.Context().RegistryStr() {
		return authn.Anonymous
	}
	return &authn.Basic{Username: o.Username, Password: o.Password}
}
