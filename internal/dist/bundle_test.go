package dist

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBundleFollowsGuide unpacks the bundle into an empty directory as a
// user does after the guide's download step, checks it against SHA256SUMS
// and runs the guide's first commands from there.
func TestBundleFollowsGuide(t *testing.T) {
	res, _ := builtBundle(t)
	if got, want := filepath.Base(res.Zip), "auradeploy-"+testCommit+"-br-7.2.0.zip"; got != want {
		t.Fatalf("bundle %s, want %s", got, want)
	}
	dir := t.TempDir()
	if out, err := exec.Command("unzip", "-q", res.Zip, "-d", dir).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v: %s", err, out)
	}

	// What the guide and the README promise is there, executable where run.
	arch := runtime.GOARCH
	for name, mode := range map[string]fs.FileMode{
		"aura": 0o755, "bin/linux-" + arch + "/aura": 0o755,
		"migrations/cluster/migrate-cluster": 0o755, "migrations/logs/migrate-logs": 0o755,
		"config.yml": 0o644, "ecfg/secrets.yml": 0o644, "README.md": 0o644, "SHA256SUMS": 0o644,
		"profiles/defaults.yml": 0o644, "profiles/br.yml": 0o644, "profiles/es.yml": 0o644,
		"deploy/templates/k8s/core/_component.yaml": 0o644,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("bundle lacks %s", name)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
	if err := checkStatic(filepath.Join(dir, "bin/linux-"+arch+"/aura"), arch); err != nil {
		t.Error(err)
	}

	// Every file is in SHA256SUMS once, with its hash; sha256sum agrees.
	sums := readSums(t, filepath.Join(dir, "SHA256SUMS"))
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasSuffix(rel, ".go") {
			t.Errorf("bundle holds Go source %s", rel)
		}
		if rel == "SHA256SUMS" {
			return nil
		}
		want, ok := sums[rel]
		if !ok {
			t.Errorf("%s is not in SHA256SUMS", rel)
			return nil
		}
		delete(sums, rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			t.Errorf("%s: SHA256SUMS says %s, file has %x", rel, want, got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) > 0 {
		t.Errorf("SHA256SUMS lists files the bundle lacks: %v", sums)
	}
	if out, err := runIn(t, dir, "sha256sum", "-c", "--quiet", "SHA256SUMS"); err != nil {
		t.Errorf("sha256sum -c: %v: %s", err, out)
	}

	// The guide's commands, as written there, with the example's vault password.
	guide := func(cmdline string, env ...string) (string, int) {
		cmd := exec.Command("sh", "-c", cmdline)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", cmdline, err)
		}
		return string(out), code
	}
	out, code := guide("./aura version")
	want := "aura 7.2.0\nrelease 7.2.0\ncommit " + testCommit + "\nprofile br\nplatform linux/" + arch + " " + runtime.Version() + "\n"
	if code != 0 || out != want {
		t.Errorf("./aura version: exit %d\n%s\nwant\n%s", code, out, want)
	}
	out, code = guide(`./aura validate --cfg config.yml --ecfg ecfg -v "$VAULT_PASSWORD"`, "VAULT_PASSWORD=aura-demo")
	if code != 0 || !strings.Contains(out, "configuration is valid") {
		t.Errorf("./aura validate with the vault password: exit %d: %s", code, out)
	}
	out, code = guide(`./aura validate --cfg config.yml --ecfg ecfg -v "$VAULT_PASSWORD"`, "VAULT_PASSWORD=Wrong-Pass-1")
	if code != 2 || !strings.Contains(out, "vault password is wrong") || strings.Contains(out, "Wrong-Pass-1") {
		t.Errorf("./aura validate with a wrong vault password: exit %d: %s", code, out)
	}

	// The wrappers reach this bundle's aura with `migrate cluster|logs`:
	// its help once the migrate commands exist, cobra's unknown command
	// before (exit 2), never the wrapper's own "aura not found".
	for _, kind := range []string{"cluster", "logs"} {
		cmd := exec.Command("./migrate-"+kind, "--help")
		cmd.Dir = filepath.Join(dir, "migrations", kind)
		b, err := cmd.CombinedOutput()
		out := string(b)
		helped := err == nil && strings.Contains(out, "--source-file") && strings.Contains(out, "--dest-file")
		unknown := strings.Contains(out, `unknown command "migrate" for "aura"`)
		if !helped && !unknown {
			t.Errorf("migrate-%s --help: %v: %s", kind, err, out)
		}
	}

	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil || !strings.Contains(string(readme), filepath.Base(res.Zip)) || !strings.Contains(string(readme), "./aura validate --cfg config.yml") {
		t.Errorf("README.md: %v\n%s", err, readme)
	}
}

func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("SHA256SUMS line %q is not `sha256sum` output", sc.Text())
		}
		if _, dup := sums[name]; dup {
			t.Errorf("SHA256SUMS lists %s twice", name)
		}
		sums[name] = sum
	}
	return sums
}
