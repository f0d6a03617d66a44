package dist

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// argsPrinter stands in for the aura binary where only what the shell
// scripts hand it is under test: it prints its working directory and each
// argument on its own line.
const argsPrinter = "#!/bin/sh\npwd -P\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"

func writeExec(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

func runIn(t *testing.T, dir, prog string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestMigrationWrappers: the guide runs ./migrate-cluster from
// migrations/cluster with paths relative to there; the wrapper must run the
// bundle's aura with `migrate cluster` and the arguments untouched (spaces
// included), from the caller's directory.
func TestMigrationWrappers(t *testing.T) {
	for _, kind := range []string{"cluster", "logs"} {
		t.Run(kind, func(t *testing.T) {
			b := t.TempDir()
			script, err := os.ReadFile(filepath.Join(repoRoot, "migrations", kind, "migrate-"+kind))
			if err != nil {
				t.Fatal(err)
			}
			wrapper := filepath.Join(b, "migrations", kind, "migrate-"+kind)
			writeExec(t, wrapper, script)

			// Without aura next to the bundle root: a clear error.
			out, err := runIn(t, filepath.Dir(wrapper), "./migrate-"+kind, "--help")
			if err == nil || !strings.Contains(out, "aura not found") || !strings.Contains(out, "migrations/"+kind) {
				t.Fatalf("without aura: %v, %q", err, out)
			}

			writeExec(t, filepath.Join(b, "aura"), []byte(argsPrinter))
			dir := filepath.Dir(wrapper)
			out, err = runIn(t, dir, "./migrate-"+kind, "--source-file", "source es-dev_info.json", "--dest-file", "../../output_install/es-dev_info.json")
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			real, _ := filepath.EvalSymlinks(dir)
			want := strings.Join([]string{real, "migrate", kind, "--source-file", "source es-dev_info.json", "--dest-file", "../../output_install/es-dev_info.json"}, "\n") + "\n"
			if out != want {
				t.Errorf("aura got\n%s\nwant\n%s", out, want)
			}

			// Run from elsewhere by path: still the bundle's aura, caller's directory.
			elsewhere := t.TempDir()
			out, err = runIn(t, elsewhere, wrapper, "--dry-run")
			real, _ = filepath.EvalSymlinks(elsewhere)
			if err != nil || out != real+"\nmigrate\n"+kind+"\n--dry-run\n" {
				t.Errorf("from another directory: %v, %q", err, out)
			}
		})
	}
}

// TestLauncher: ./aura runs bin/linux-<arch>/aura for this machine with the
// arguments untouched, and says which architectures the bundle has when this
// one is missing.
func TestLauncher(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("the launcher serves linux amd64 and arm64")
	}
	b := t.TempDir()
	writeExec(t, filepath.Join(b, "aura"), launcher)
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	writeExec(t, filepath.Join(b, "bin", "linux-"+other, "aura"), []byte(argsPrinter))

	out, err := runIn(t, t.TempDir(), filepath.Join(b, "aura"), "version")
	if err == nil || !strings.Contains(out, "bin/linux-"+runtime.GOARCH+"/aura is missing") || !strings.Contains(out, "linux-"+other) {
		t.Fatalf("without this machine's binary: %v, %q", err, out)
	}

	writeExec(t, filepath.Join(b, "bin", "linux-"+runtime.GOARCH, "aura"), []byte(argsPrinter))
	caller := t.TempDir()
	out, err = runIn(t, caller, filepath.Join(b, "aura"), "validate", "--cfg", "my config.yml", "-v", "")
	real, _ := filepath.EvalSymlinks(caller)
	if want := real + "\nvalidate\n--cfg\nmy config.yml\n-v\n\n"; err != nil || out != want {
		t.Errorf("launcher: %v, got %q, want %q", err, out, want)
	}
}
