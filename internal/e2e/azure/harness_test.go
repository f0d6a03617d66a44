package azure

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

const vaultPassword = "aura-demo"

// auraBin is built once by TestMain.
var auraBin string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "aura-e2e-azure-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	auraBin = filepath.Join(dir, "aura")
	build := exec.Command("go", "build", "-o", auraBin, "github.com/auracognitive/aurak8s/cmd/aura")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build aura:", err)
		return 1
	}
	// The cluster AKS "creates" is this control plane: the fake's
	// credentials point at it, so the phases after deploy_infra run on a
	// real API server with kwok nodes.
	return testenv.Run(m, testenv.Options{Pods: true})
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// The service principal aura logs in as.
var sp = fakecloud.ServicePrincipal{
	TenantID: "7a1e5c1d-0000-4000-8000-00000000e2e0",
	ClientID: "c11e0700-0000-4000-8000-00000000e2e0",
	// Not a real secret; checked never to appear in aura's output.
	ClientSecret: "e2e-Cl1ent-S3cret-value",
}

// world is one environment on the fake cloud: the HTTPS server aura talks
// to, Azurite behind its storage accounts, the test control plane behind
// its cluster, and a workspace with the example configuration.
type world struct {
	t      *testing.T
	cloud  *fakecloud.Cloud
	srv    *fakecloud.Server
	dir    string
	cfg    string
	ecfg   string
	env    []string
	config *config.Config // the configuration as aura loads it
	kube   *rest.Config   // the cluster's, which AKS gives out
	blobs  fakecloud.AzuriteBlobs
}

func newWorld(t *testing.T) *world {
	t.Helper()
	kube := testenv.Get(t)
	kubeconfig, err := os.ReadFile(kube.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	serveLoadBalancers(t, kube.Config)
	w := &world{t: t, dir: t.TempDir(), kube: kube.Config}
	w.cfg = filepath.Join(w.dir, "config.yml")
	w.ecfg = filepath.Join(w.dir, "profile")
	copyFile(t, filepath.Join(repoRoot(), "examples", "config.yml"), w.cfg)
	if err := os.MkdirAll(w.ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(repoRoot(), "examples", "ecfg", "secrets.yml"), filepath.Join(w.ecfg, "secrets.yml"))

	w.cloud = fakecloud.New()
	// Every long-running operation is polled twice before it ends.
	w.cloud.LROSteps = 2
	w.cloud.Kubeconfig = func(string, string) []byte { return kubeconfig }
	w.srv = fakecloud.NewServer(w.cloud, sp)
	t.Cleanup(w.srv.Close)
	// create_sp left the application cross-tenant for the bot step.
	w.srv.Directory.RegisterServerApp("AzureADMultipleOrgs")
	w.writeOverlay(baseOverlay)
	w.config = w.load()

	// Azurite serves the two storage accounts aura makes, with the key
	// ARM gives out for them.
	key := base64.StdEncoding.EncodeToString([]byte("aura e2e azure storage account key, 64 bytes long..............."))
	t.Setenv("AZURITE_ACCOUNTS", w.config.Derived.CommonStorageAccount+":"+key+";"+w.config.ClusterStorageAccount()+":"+key)
	az := blobtest.Start(t)
	u, err := url.Parse(az.AccountURL)
	if err != nil {
		t.Fatal(err)
	}
	blobs := fakecloud.AzuriteBlobs{Base: u.Scheme + "://" + u.Host, Key: key}
	w.blobs = blobs
	w.cloud.AccountKey, w.cloud.Blobs, w.cloud.BlobEndpoint = key, blobs, blobs.Endpoint

	certFile := filepath.Join(w.dir, "fakecloud.pem")
	if err := os.WriteFile(certFile, w.srv.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(os.Environ(),
		"AURA_VAULT_PASSWORD="+vaultPassword,
		// Go's TLS trusts exactly these roots: the fake's certificate.
		"SSL_CERT_FILE="+certFile,
		"NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1",
		credentials.KeyClientID+"="+sp.ClientID,
		credentials.KeySecret+"="+sp.ClientSecret,
		credentials.KeyTenant+"="+sp.TenantID,
		credentials.KeySubscriptionID+"="+fakecloud.Subscription,
	)
	return w
}

// baseOverlay is what the world's environment adds to the example
// configuration. Confidential Computing: a key vault and key, the
// cluster's disks encrypted with it through a disk encryption set; a
// Databricks workspace with infrastructure encryption and the same key;
// OpenAI with the release's model deployments, reachable from one extra
// range.
const baseOverlay = "enable_customer_key_encryption: true\nenable_encryption_in_transit: true\n" +
	"databricks_enabled: true\ndatabricks_requireInfrastructureEncryption: true\nenable_customer_key_databricks_encryption: true\n" +
	"openai_enabled: true\nopenai_allowed_ranges: [195.235.92.0/23]\n"

// writeOverlay points the example configuration at the fake cloud, with
// extra YAML after it.
func (w *world) writeOverlay(extra string) {
	w.t.Helper()
	overlay := fmt.Sprintf(`provider: azure
azure:
  cloud: Custom
  authority_host: %[1]s/
  resource_manager_endpoint: %[1]s/
  resource_manager_audience: %[2]s
  storage_endpoint_suffix: blob.fakecloud.test
  graph_endpoint: %[1]s
charts:
  source: %[3]s
`, w.srv.URL, fakecloud.Audience, filepath.Join(repoRoot(), "deploy", "charts", "local")) + extra
	if err := os.WriteFile(filepath.Join(w.ecfg, "zz-fakecloud.yml"), []byte(overlay), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) load() *config.Config {
	w.t.Helper()
	cfg, err := config.Load(config.LoadOptions{CfgFile: w.cfg, ExtraDir: w.ecfg, VaultPassword: vaultPassword})
	if err != nil {
		w.t.Fatal(err)
	}
	return cfg
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	args   []string
	code   int
	stdout string
	stderr string
	events []event
	writes []string // ARM writes the fake cloud saw during the command
}

type event struct {
	Phase   string   `json:"phase"`
	Action  string   `json:"action"`
	State   string   `json:"state"`
	Changes []string `json:"changes"`
	Message string   `json:"message"`
}

// changed lists the changes the run's actions reported, sorted (actions
// of a step run concurrently); the phase's summary, which repeats a dry
// run's, is left out.
func (r result) changed() []string {
	var out []string
	for _, e := range r.events {
		if e.Action != "" {
			out = append(out, e.Changes...)
		}
	}
	sort.Strings(out)
	return out
}

// aura runs one command to its end.
func (w *world) aura(args ...string) result { return w.interruptAt("", args...) }

// interruptAt runs a command and sends it SIGINT (Ctrl-C) once the fake
// cloud saw a request ("METHOD path") containing at ("": never).
func (w *world) interruptAt(at string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	full := append(append([]string(nil), args...), "--cfg", w.cfg, "--ecfg", w.ecfg, "--output", "json")
	cmd := exec.CommandContext(ctx, auraBin, full...)
	// Interrupted, aura says what it was doing.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	cmd.Dir, cmd.Env = w.dir, w.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	w.srv.Reset()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	early := false
	if at == "" {
		err = <-done
	} else {
		early, err = w.waitAndInterrupt(cmd, done, at)
	}
	w.t.Logf("aura %s: %s", strings.Join(args, " "), time.Since(start).Round(10*time.Millisecond))
	r := result{args: args, stdout: out.String(), stderr: errb.String(), writes: w.srv.Writes()}
	if early {
		w.t.Fatalf("aura %v finished (%v) before the fake cloud saw %s\nstdout:\n%s\nstderr:\n%s", args, err, at, r.stdout, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("aura %v: %v", args, err)
	}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			r.events = append(r.events, e)
		}
	}
	if strings.Contains(r.stdout+r.stderr, sp.ClientSecret) {
		w.t.Errorf("aura %v printed the client secret", args)
	}
	return r
}

// ok runs a command that must succeed.
func (w *world) ok(args ...string) result {
	w.t.Helper()
	r := w.aura(args...)
	if r.code != 0 {
		w.t.Fatalf("aura %v: exit %d\nstdout:\n%s\nstderr:\n%s\nARM requests:\n%s\nobjects being deleted in the cluster:\n%s",
			args, r.code, r.stdout, r.stderr, strings.Join(w.srv.Requests(), "\n"), terminating(w.kube))
	}
	return r
}

// blob reads a blob from Azurite, as the storage account's owner.
func (w *world) blob(account, container, name string) string {
	w.t.Helper()
	c, err := w.blobs.Client(account)
	if err != nil {
		w.t.Fatal(err)
	}
	res, err := c.DownloadStream(context.Background(), container, name, nil)
	if err != nil {
		w.t.Fatalf("blob %s/%s/%s: %v", account, container, name, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(data)
}

// containers lists an account's containers in Azurite.
func (w *world) containers(account string) []string {
	w.t.Helper()
	c, err := w.blobs.Client(account)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	pager := c.NewListContainersPager(nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		for _, ct := range page.ContainerItems {
			out = append(out, *ct.Name)
		}
	}
	return out
}

// zoneRecords is the environment's DNS zone as the fake cloud holds it.
func (w *world) zoneRecords() string {
	w.t.Helper()
	var snap map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(w.cloud.Snapshot()), &snap); err != nil {
		w.t.Fatal(err)
	}
	out, err := json.Marshal(snap["records"])
	if err != nil {
		w.t.Fatal(err)
	}
	return string(out)
}

// waitAndInterrupt sends cmd SIGINT once the fake cloud saw at; early
// says it ended before.
func (w *world) waitAndInterrupt(cmd *exec.Cmd, done <-chan error, at string) (early bool, err error) {
	w.t.Helper()
	for {
		select {
		case err := <-done:
			return true, err
		case <-time.After(5 * time.Millisecond):
		}
		for _, r := range w.srv.Requests() {
			if strings.Contains(r, at) {
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					w.t.Fatal(err)
				}
				return false, <-done
			}
		}
	}
}
