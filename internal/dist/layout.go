package dist

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// writeLayoutTar writes idx as an OCI image layout in a tar file, its
// index.json entry named with the tag (org.opencontainers.image.ref.name, as
// skopeo's oci-archive:FILE:TAG and podman load read it) and the full
// reference (io.containerd.image.name, for ctr import).
func writeLayoutTar(path string, idx v1.ImageIndex, ref string, mtime time.Time) (err error) {
	r, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("operator image reference %q: %v", ref, err)
	}
	dir, err := os.MkdirTemp("", "aura-operator-layout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	err = p.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": r.TagStr(),
		"io.containerd.image.name":          r.Name(),
	}))
	if err != nil {
		return err
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	tw := tar.NewWriter(tmp)
	// WalkDir visits in lexical order: the same image gives the same tar.
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Mode: 0o644, Typeflag: tar.TypeReg}
		if d.IsDir() {
			h.Name, h.Mode, h.Typeflag = h.Name+"/", 0o755, tar.TypeDir
			return tw.WriteHeader(h)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h.Size = info.Size()
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		return copyFile(tw, p)
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp made it private; a release artifact is for everyone to read.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Push writes idx to ref with basic credentials. Errors name the reference,
// never the password.
func Push(ctx context.Context, idx v1.ImageIndex, ref, username, password string) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return fmt.Errorf("push %s: %v", ref, err)
	}
	auth := &authn.Basic{Username: username, Password: password}
	if err := remote.WriteIndex(r, idx, remote.WithContext(ctx), remote.WithAuth(auth)); err != nil {
		var terr *transport.Error
		if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
			return fmt.Errorf("push %s: the registry refused user %q (check AURA_REGISTRY_USERNAME and AURA_REGISTRY_PASSWORD): %w", ref, username, err)
		}
		return fmt.Errorf("push %s: %w", ref, err)
	}
	return nil
}
