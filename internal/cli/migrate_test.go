package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
)

// unreachableKubeconfig points at a port nothing listens on: commands that
// must not touch a cluster prove it by succeeding anyway.
const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`

// infoFiles writes a source and a destination info file as deploy_core
// does, in output_install/ directories with their kubeconfig.json beside.
func infoFiles(t *testing.T, mutate func(src, dst *phase.Info)) (src, dst string, state string) {
	t.Helper()
	dir := t.TempDir()
	state = filepath.Join(dir, "state")
	mk := func(name, cluster, atlas string) *phase.Info {
		return &phase.Info{EnvironmentName: "es-dev", Provider: "local", ClusterName: cluster, ClusterResourceGroup: "rg-" + cluster,
			CommonResourceGroup: "rg-common", CommonStorage: "sacommon", BackupsContainer: "aura-backups",
			CoreNamespace: "aura-es-dev", SystemNamespace: "aura-system", AgentsNamespace: "aura-agents-es-dev",
			Kubeconfig: "output_install/kubeconfig.json", LocalStateDir: state,
			AtlasEnabled: true, AtlasProject: "aura-es-dev", AtlasCluster: atlas}
	}
	s, d := mk("src", "aks-old", "aura-es-dev"), mk("dst", "aks-new", "aura-es-dev")
	if mutate != nil {
		mutate(s, d)
	}
	write := func(sub string, info *phase.Info) string {
		out := filepath.Join(dir, sub, "output_install")
		if err := os.MkdirAll(out, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "kubeconfig.json"), []byte(unreachableKubeconfig), 0o600); err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(info)
		p := filepath.Join(out, "es-dev_info.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("source", s), write("dest", d), state
}

func runAura(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestMigrateBadInputChangesNothing(t *testing.T) {
	src, dst, state := infoFiles(t, nil)
	_, broken, _ := infoFiles(t, func(_, d *phase.Info) { d.CommonStorage = ""; d.SystemNamespace = "" })
	notJSON := filepath.Join(t.TempDir(), "x_info.json")
	if err := os.WriteFile(notJSON, []byte("environment_name: es-dev\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no source file", []string{"migrate", "cluster", "--dest-file", dst}, "--source-file is required"},
		{"missing dest file", []string{"migrate", "cluster", "--source-file", src, "--dest-file", "nope_info.json"}, "--dest-file: open nope_info.json"},
		{"info file not JSON", []string{"migrate", "cluster", "--source-file", notJSON, "--dest-file", dst}, "--source-file " + notJSON + ": not an info file"},
		{"info file lacks fields", []string{"migrate", "cluster", "--source-file", src, "--dest-file", broken}, "missing common_storage_account, system_namespace"},
		{"same cluster twice", []string{"migrate", "cluster", "--source-file", src, "--dest-file", src}, "describe the same cluster"},
		{"logs without ES URLs", []string{"migrate", "logs", "--source-file", src, "--dest-file", dst}, "--source-es-url is required"},
		{"users --since not RFC 3339", []string{"migrate", "users", "--source-file", src, "--since", "2023-10-10", "--out", "u.json"}, `--since "2023-10-10"`},
		{"users export and import", []string{"migrate", "users", "--since", "2023-10-10T06:22:47Z", "--out", "u.json", "--import", "u.json"}, "either --since and --out"},
		{"users import file missing", []string{"migrate", "users", "--dest-file", dst, "--import", "absent.json"}, "--import: open absent.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runAura(tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want a failure saying %q", code, stderr, tc.want)
			}
			if code != ExitUsage && tc.name != "same cluster twice" {
				t.Errorf("exit %d, want %d for bad input", code, ExitUsage)
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Errorf("bad input created the state directory %s", state)
			}
		})
	}
}

// TestMigrateClusterDryRunFromTheGuidesDirectory runs the guide's command
// line from migrations/cluster with a ../../output_install path: the info
// file's relative kubeconfig is found beside it, the steps are printed, the
// MongoDB skip is explained, and nothing is written (the kubeconfig points
// nowhere, so no cluster was touched either).
func TestMigrateClusterDryRunFromTheGuidesDirectory(t *testing.T) {
	src, dst, state := infoFiles(t, func(_, d *phase.Info) { d.AtlasEnabled, d.AtlasProject, d.AtlasCluster = false, "", "" })
	p, err := local.New(local.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg-common", Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: "rg-common", Name: "sacommon", Location: "westeurope", Containers: []string{"aura-backups"}}); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(filepath.Dir(filepath.Dir(dst)), "migrations", "cluster")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	code, out, stderr := runAura("migrate", "cluster", "--source-file", src, "--dest-file", "../../output_install/es-dev_info.json", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stderr, out)
	}
	for _, want := range []string{"1. backup: back up redis", "3. scale-down:", "6. scale-up:", "mongodb: not migrated: the destination has no MongoDB", "dry run: nothing was changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if names, err := p.ListBlobs(ctx, provider.ContainerRef{ResourceGroup: "rg-common", Account: "sacommon", Container: "aura-backups"}, ""); err != nil || len(names) != 0 {
		t.Errorf("dry run wrote %v (%v)", names, err)
	}
}
