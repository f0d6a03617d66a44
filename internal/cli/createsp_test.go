package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestCreateSPUsage: bad input is refused before any sign-in, naming the
// flag.
func TestCreateSPUsage(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no name", []string{"create_sp"}, "-n: the service principal's name is required"},
		{"name of spaces", []string{"create_sp", "-n", "  "}, "-n: the service principal's name is required"},
		{"graph endpoint not https", []string{"create_sp", "-n", "aura-sp", "--graph-endpoint", "http://graph.example.com"}, `--graph-endpoint "http://graph.example.com": want an https:// URL`},
		{"argument", []string{"create_sp", "aura-sp"}, "unknown command"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, c.args...)
			if code != ExitUsage || !strings.Contains(errs, c.want) || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, c.want)
			}
		})
	}
}

// TestCredentialsErrorNamesCreateSP: the command the missing-credentials
// error tells users to run exists, with the flags it names.
func TestCredentialsErrorNamesCreateSP(t *testing.T) {
	_, _, loadErr := credentials.Load("", func(string) string { return "" })
	m := regexp.MustCompile("`aura ([^`]+)`").FindStringSubmatch(fmt.Sprint(loadErr))
	if m == nil {
		t.Fatalf("the credentials error names no aura command: %v", loadErr)
	}
	args := strings.Fields(strings.ReplaceAll(m[1], "NAME", "aura-sp"))
	root, _ := newRoot(io.Discard, io.Discard)
	cmd, _, err := root.Find(args)
	if err != nil || cmd.Name() != "create_sp" {
		t.Fatalf("`aura %s` is not the create_sp command: %v", m[1], err)
	}
	if err := cmd.ParseFlags(args[1:]); err != nil {
		t.Fatalf("`aura %s`: %v", m[1], err)
	}
	if cmd.Flags().Lookup("name").Value.String() != "aura-sp" || len(cmd.Flags().Args()) != 0 {
		t.Fatal("-n is not the name flag")
	}
	// The file the error says to pass is the one create_sp writes.
	if !strings.Contains(fmt.Sprint(loadErr), "-c credentials.json") || !strings.Contains(cmd.Long, "writes them as credentials.json") {
		t.Errorf("the error and create_sp's help disagree on the file: %v", loadErr)
	}
}

// TestCreateSPBinary runs the aura binary as a user would against a fake
// Azure over HTTPS (login host, Graph and ARM, as a Custom cloud): the
// device-code prompt, the exports and credentials.json; a second run
// changes nothing; the file then works as -c for deploy_common --dry-run,
// logged in as the new service principal; --debug never shows the secret.
func TestCreateSPBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the aura binary")
	}
	bin := filepath.Join(t.TempDir(), "aura")
	build := exec.Command("go", "build", "-o", bin, "github.com/auracognitive/aurak8s/cmd/aura")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build aura: %v\n%s", err, out)
	}

	owner := fakecloud.ServicePrincipal{TenantID: "7a1e5c1d-0000-4000-8000-0000000c1100", ClientID: "c11e0700-0000-4000-8000-0000000c1100", ClientSecret: "not-used"}
	srv := fakecloud.NewServer(fakecloud.New(), owner)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg, ecfg := filepath.Join(dir, "config.yml"), filepath.Join(dir, "profile")
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	if err := os.MkdirAll(ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	copyTo(t, filepath.Join(root, "examples", "config.yml"), cfg)
	copyTo(t, filepath.Join(root, "examples", "ecfg", "secrets.yml"), filepath.Join(ecfg, "secrets.yml"))
	overlay := fmt.Sprintf("provider: azure\nazure:\n  cloud: Custom\n  authority_host: %[1]s/\n  resource_manager_endpoint: %[1]s/\n  resource_manager_audience: %[2]s\n  storage_endpoint_suffix: blob.fakecloud.test\n  graph_endpoint: %[1]s\n", srv.URL, fakecloud.Audience)
	writeTo(t, filepath.Join(ecfg, "zz-fakecloud.yml"), overlay)
	certFile := filepath.Join(dir, "fakecloud.pem")
	writeTo(t, certFile, string(srv.CertPEM()))
	env := []string{"AURA_VAULT_PASSWORD=aura-demo", "SSL_CERT_FILE=" + certFile, "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AZURE_") && !strings.HasPrefix(kv, "SSL_CERT_") {
			env = append(env, kv)
		}
	}
	common := []string{"--cfg", cfg, "--ecfg", ecfg}
	aura := func(args ...string) (code int, stdout, stderr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append(args, common...)...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout = &out
		errPipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		srv.Reset()
		srv.Directory.ResetGraph()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The user reads the code off the terminal and enters it in a
		// browser.
		var errb strings.Builder
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			errb.WriteString(line + "\n")
			if m := regexp.MustCompile(`open the page (\S+) and enter the code (\S+) `).FindStringSubmatch(line); m != nil {
				if m[1] != srv.URL+fakecloud.VerificationPath {
					t.Errorf("the prompt sends the user to %s", m[1])
				}
				if err := srv.Directory.Approve(m[2]); err != nil {
					t.Error(err)
				}
			}
		}
		err = cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}
	file := filepath.Join(dir, "credentials.json")
	graph := "--graph-endpoint=" + srv.URL

	code, stdout, stderr := aura("create_sp", "-n", "aura-sp-e2e", graph)
	if code != 0 {
		t.Fatalf("create_sp: exit %d\n%s", code, stderr)
	}
	creds, _, err := credentials.Load(file, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	secret := creds.ClientSecret.Reveal()
	want := fmt.Sprintf("export AZURE_CLIENT_ID=%s\nexport AZURE_SECRET='%s'\nexport AZURE_TENANT=%s\nexport AZURE_SUBSCRIPTION_ID=%s\n", creds.ClientID, secret, owner.TenantID, fakecloud.Subscription)
	if stdout != want {
		t.Errorf("stdout\n%s\nwant\n%s", stdout, want)
	}
	if strings.Contains(stderr, secret) {
		t.Errorf("stderr shows the secret:\n%s", stderr)
	}
	for _, s := range []string{"signed in as alice@fakecloud.test", "created application aura-sp-e2e", "multi-tenant", "wrote credentials.json (mode 0600)", "created custom role AssignRoles", "assigned Contributor", "pass -c credentials.json"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("credentials.json: %v %v", info.Mode(), err)
	}
	// The exports work in a shell.
	sh := exec.Command("bash", "-c", stdout+`printf %s "$AZURE_SECRET"`)
	if out, err := sh.Output(); err != nil || string(out) != secret {
		t.Errorf("bash reads AZURE_SECRET as %q (%v)", out, err)
	}

	code, stdout2, stderr := aura("create_sp", "-n", "aura-sp-e2e", graph)
	if code != 0 || stdout2 != stdout {
		t.Fatalf("second create_sp: exit %d, stdout %q\n%s", code, stdout2, stderr)
	}
	if w := append(srv.Directory.GraphWrites(), srv.Writes()...); len(w) != 0 || !strings.Contains(stderr, "nothing to change") {
		t.Errorf("second create_sp wrote %q\n%s", w, stderr)
	}

	// credentials.json as -c, without AZURE_* in the environment: the
	// dry run reads ARM as the new service principal and changes nothing.
	code, stdout, stderr = aura("deploy_common", "--dry-run", "-c", "credentials.json")
	if code != 0 {
		t.Fatalf("deploy_common --dry-run -c credentials.json: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if len(srv.Requests()) == 0 || len(srv.Writes()) != 0 {
		t.Errorf("the dry run sent ARM %q (writes %q)", srv.Requests(), srv.Writes())
	}
	if !strings.Contains(stdout, "create resource group") {
		t.Errorf("the dry run plans no resource group:\n%s", stdout)
	}

	// --debug shows the requests, never the new secret (which goes to
	// stdout and the file only).
	code, stdout, stderr = aura("create_sp", "-n", "aura-sp-e2e", graph, "--rotate-secret", "--force", "--debug")
	if code != 0 {
		t.Fatalf("create_sp --rotate-secret: exit %d\n%s", code, stderr)
	}
	rotated, _, err := credentials.Load(file, func(string) string { return "" })
	if err != nil || rotated.ClientSecret.Reveal() == secret || !strings.Contains(stdout, rotated.ClientSecret.Reveal()) {
		t.Fatalf("the rotated secret is not in credentials.json and the exports (%v)", err)
	}
	if !strings.Contains(stderr, "debug: POST "+srv.URL+"/v1.0/applications/") || strings.Contains(stderr, rotated.ClientSecret.Reveal()) {
		t.Errorf("--debug output shows no request, or the secret:\n%s", stderr)
	}
}

func copyTo(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeTo(t, to, string(data))
}

func writeTo(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
