package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/auracognitive/aurak8s/internal/phase"
)

// Info is one environment's *_info.json, with where it was read from.
type Info struct {
	phase.Info
	Path string `json:"-"`
}

// LoadInfo reads and checks an info file. flag names the option that gave
// the path, so that errors say which of the two files is wrong.
func LoadInfo(flag, path string) (*Info, error) {
	if path == "" {
		return nil, fmt.Errorf("%s is required (an output_install/*_info.json written by deploy_core)", flag)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	info := &Info{Path: path}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&info.Info); err != nil {
		return nil, fmt.Errorf("%s %s: not an info file: %w", flag, path, err)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"environment_name", info.EnvironmentName},
		{"provider", info.Provider},
		{"cluster_name", info.ClusterName},
		{"common_resource_group", info.CommonResourceGroup},
		{"common_storage_account", info.CommonStorage},
		{"backups_container", info.BackupsContainer},
		{"core_namespace", info.CoreNamespace},
		{"system_namespace", info.SystemNamespace},
		{"kubeconfig", info.Kubeconfig},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s %s: missing %s", flag, path, strings.Join(missing, ", "))
	}
	if info.AtlasEnabled && (info.AtlasProject == "" || info.AtlasCluster == "") {
		return nil, fmt.Errorf("%s %s: atlas_enabled is true but atlas_project_name or atlas_cluster_name is empty", flag, path)
	}
	if info.Provider == "local" && info.LocalStateDir == "" {
		return nil, fmt.Errorf("%s %s: provider local without local_state_dir (re-run deploy_core to rewrite the file)", flag, path)
	}
	return info, nil
}

// KubeconfigPath is the info file's kubeconfig. deploy_core writes it
// relative to the directory aura ran in (output_install/kubeconfig.json),
// while the guide runs the migration from migrations/cluster with a path
// like ../../output_install/X_info.json: a relative path that does not
// exist from here is looked up next to the info file.
func (i *Info) KubeconfigPath() (string, error) {
	p := i.Kubeconfig
	if filepath.IsAbs(p) {
		return p, nil
	}
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	near := filepath.Join(filepath.Dir(i.Path), filepath.Base(p))
	if _, err := os.Stat(near); err == nil {
		return near, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return "", fmt.Errorf("%s: kubeconfig %s not found (nor %s)", i.Path, p, near)
}

// Label names the environment in messages: its name and cluster.
func (i *Info) Label() string { return i.EnvironmentName + " (cluster " + i.ClusterName + ")" }

// sameAtlas reports whether both sides use one Atlas deployment.
func sameAtlas(a, b *Info) bool {
	return a.AtlasEnabled && b.AtlasEnabled && a.AtlasProject == b.AtlasProject && a.AtlasCluster == b.AtlasCluster
}
