package localcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Versions names the pinned component versions. It must match the directory
// name hack/tools/build.sh derives from hack/tools/*/go.mod (a test checks it).
const Versions = "k8s-v1.36.5_etcd-v3.6.16_kwok-v0.8.0"

// KubeVersion is the Kubernetes version of the cached binaries; kwokctl picks
// component flags by it.
const KubeVersion = "v1.36.5"

// BuildCommand builds the binaries this package looks for.
const BuildCommand = "hack/tools/build.sh"

// BinDirEnv overrides DefaultBinDir, for binaries kept somewhere else.
const BinDirEnv = "AURAK8S_BIN_DIR"

// DefaultBinDir is where hack/tools/build.sh puts the binaries:
// $AURAK8S_BIN_DIR, else ${XDG_CACHE_HOME:-~/.cache}/aurak8s/bin/<Versions>.
func DefaultBinDir() string {
	if d := os.Getenv(BinDirEnv); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "aurak8s", "bin", Versions)
}

// Binaries holds the absolute path of every program a local cluster runs.
type Binaries struct {
	Dir                   string
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	KubeScheduler         string
	Kubectl               string
	Kwok                  string
	Kwokctl               string
}

// MissingBinariesError lists the programs not found and how to build them.
type MissingBinariesError struct {
	Dir     string
	Missing []string
}

func (e *MissingBinariesError) Error() string {
	return fmt.Sprintf("local cluster binaries missing from %s: %s; build them with %s",
		e.Dir, strings.Join(e.Missing, ", "), BuildCommand)
}

// FindBinaries returns the binaries in dir ("" means DefaultBinDir), or a
// *MissingBinariesError naming each missing one.
func FindBinaries(dir string) (Binaries, error) {
	if dir == "" {
		dir = DefaultBinDir()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{Dir: abs}
	missing := &MissingBinariesError{Dir: abs}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"etcd", &b.Etcd},
		{"kube-apiserver", &b.KubeAPIServer},
		{"kube-controller-manager", &b.KubeControllerManager},
		{"kube-scheduler", &b.KubeScheduler},
		{"kubectl", &b.Kubectl},
		{"kwok", &b.Kwok},
		{"kwokctl", &b.Kwokctl},
	} {
		p := filepath.Join(abs, f.name)
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			missing.Missing = append(missing.Missing, f.name)
			continue
		}
		*f.dst = p
	}
	if len(missing.Missing) > 0 {
		return b, missing
	}
	return b, nil
}

// IsMissingBinaries reports whether err says binaries are not built yet.
func IsMissingBinaries(err error) bool {
	var m *MissingBinariesError
	return errors.As(err, &m)
}
