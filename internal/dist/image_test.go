package dist

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// untar unpacks the OCI layout tarball as `tar -x` would.
func untar(t *testing.T, path, dir string) {
	t.Helper()
	if out, err := exec.Command("tar", "-xf", path, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar -xf %s: %v: %s", path, err, out)
	}
}

// TestOperatorImage: the OCI layout tarball holds the tagged multi-platform
// index that was pushed; its image runs the operator as non-root from a
// scratch filesystem with CA certificates, and the binary in it runs.
func TestOperatorImage(t *testing.T) {
	res, host := builtBundle(t)
	if filepath.Base(res.OperatorTar) != "aura-operator-7.2.0.oci.tar" {
		t.Errorf("operator tarball %s", res.OperatorTar)
	}
	want := host + "/aura/aura-operator:7.2.0"
	if res.OperatorRef != want {
		t.Errorf("operator image %s, want %s", res.OperatorRef, want)
	}

	dir := t.TempDir()
	untar(t, res.OperatorTar, dir)
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index.json has %d entries, want the operator's index", len(im.Manifests))
	}
	d := im.Manifests[0]
	if d.MediaType != types.OCIImageIndex || d.Digest.String() != res.OperatorIndex ||
		d.Annotations["org.opencontainers.image.ref.name"] != "7.2.0" || d.Annotations["io.containerd.image.name"] != want {
		t.Errorf("index.json entry %+v", d)
	}
	idx, err := top.ImageIndex(d.Digest)
	if err != nil {
		t.Fatal(err)
	}

	// A peer reads the tarball by its tag as the release name says (skopeo
	// is optional here: Debian package skopeo).
	if _, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command("skopeo", "inspect", "--override-arch", runtime.GOARCH, "oci-archive:"+res.OperatorTar+":7.2.0").CombinedOutput()
		var got struct{ Digest, Architecture, Os string }
		if err != nil || json.Unmarshal(out, &got) != nil || got.Digest != res.OperatorIndex || got.Architecture != runtime.GOARCH || got.Os != "linux" {
			t.Errorf("skopeo inspect: %v: %s", err, out)
		}
	} else {
		t.Log("skopeo not installed: the tarball is read with go-containerregistry only")
	}

	// The registry holds the same index, and only for the credentials.
	ref, err := name.ParseReference(want)
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := remote.Index(ref, remote.WithAuth(&authn.Basic{Username: regUser, Password: regPass}))
	if err != nil {
		t.Fatal(err)
	}
	if pd, _ := pushed.Digest(); pd.String() != res.OperatorIndex {
		t.Errorf("registry has %s, built %s", pd, res.OperatorIndex)
	}
	if _, err := remote.Index(ref); err == nil || !strings.Contains(err.Error(), "UNAUTHORIZED") {
		t.Errorf("anonymous pull: %v, want UNAUTHORIZED", err)
	}

	pm, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(pm.Manifests) != 1 || pm.Manifests[0].Platform == nil || pm.Manifests[0].Platform.String() != "linux/"+runtime.GOARCH {
		t.Fatalf("platforms %+v", pm.Manifests)
	}
	img, err := idx.Image(pm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != "/aura-operator" || cf.Config.User != "65532:65532" ||
		cf.Architecture != runtime.GOARCH || cf.OS != "linux" || cf.Config.Labels["org.opencontainers.image.revision"] != testCommit {
		t.Errorf("image config %+v", cf.Config)
	}

	files := imageFiles(t, img)
	for path, mode := range map[string]int64{"aura-operator": 0o755, "tmp": 0o1777, "etc/ssl/certs/ca-certificates.crt": 0o644, "etc/passwd": 0o644} {
		f, ok := files[path]
		if !ok {
			t.Errorf("image lacks /%s", path)
			continue
		}
		if f.mode != mode {
			t.Errorf("/%s has mode %o, want %o", path, f.mode, mode)
		}
	}
	if !strings.Contains(string(files["etc/passwd"].data), ":65532:65532:") {
		t.Errorf("/etc/passwd has no nonroot user: %s", files["etc/passwd"].data)
	}
	if len(files["etc/ssl/certs/ca-certificates.crt"].data) == 0 {
		t.Error("empty CA bundle")
	}

	// The binary from the image runs (static, this architecture): --help
	// prints the operator's usage.
	bin := filepath.Join(t.TempDir(), "aura-operator")
	if err := os.WriteFile(bin, files["aura-operator"].data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "-leader-elect") {
		t.Errorf("aura-operator --help from the image: %v: %s", err, out)
	}
}

type imageFile struct {
	mode int64
	data []byte
}

func imageFiles(t *testing.T, img v1.Image) map[string]imageFile {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]imageFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = imageFile{mode: h.Mode, data: b}
	}
}

// TestPushWrongPassword: a refused push says where it went and why, and
// never repeats the password.
func TestPushWrongPassword(t *testing.T) {
	srv := authRegistry()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	layer, err := tarLayer([]tarFile{{name: "hello", mode: 0o644, data: []byte("hi")}}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	ref := host + "/aura/aura-operator:7.2.0"

	err = Push(context.Background(), idx, ref, regUser, "Not-The-Password-9")
	if err == nil || !strings.Contains(err.Error(), "push "+ref) || !strings.Contains(err.Error(), `the registry refused user "`+regUser+`"`) || strings.Contains(err.Error(), "Not-The-Password-9") {
		t.Fatalf("push with a wrong password: %v", err)
	}
	if err := Push(context.Background(), idx, ref, regUser, regPass); err != nil {
		t.Fatalf("push with the right password: %v", err)
	}
}
