package createsp_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/createsp"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// The fake's own service principal (the one the azure provider logs in
// as); create_sp's user signs in to the same tenant.
var owner = fakecloud.ServicePrincipal{TenantID: "7a1e5c1d-0000-4000-8000-0000000c5e00", ClientID: "c11e0700-0000-4000-8000-0000000c5e00", ClientSecret: "owner-secret"}

// world is a fake Azure over HTTPS on this machine (login host, Graph and
// ARM at one URL, reached as a Custom cloud) and a directory for
// credentials.json.
type world struct {
	t   *testing.T
	srv *fakecloud.Server
	e   createsp.Endpoints
	dir string

	mu       sync.Mutex
	prompts  []string
	progress []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := fakecloud.NewServer(fakecloud.New(), owner)
	t.Cleanup(srv.Close)
	srv.Directory.AutoApprove = true
	cloud := azure.Cloud{Name: azure.CloudCustom, AuthorityHost: srv.URL + "/", ResourceManagerEndpoint: srv.URL + "/", ResourceManagerAudience: fakecloud.Audience}
	e, err := createsp.EndpointsFor(cloud, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, srv: srv, e: e, dir: t.TempDir()}
}

func (w *world) file() string { return filepath.Join(w.dir, "credentials.json") }

func (w *world) login() *createsp.Session {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := createsp.Login(ctx, w.e, createsp.LoginOptions{Transport: w.srv.Client(), Prompt: func(m string) {
		w.mu.Lock()
		w.prompts = append(w.prompts, m)
		w.mu.Unlock()
	}})
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// options are a run's options against the fake, for the name given.
func (w *world) options(name string) createsp.Options {
	return createsp.Options{
		Name: name, File: w.file(), Endpoints: w.e, Transport: w.srv.Client(),
		Retry:           &policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond},
		ReplicationWait: time.Millisecond, ReplicationTimeout: 2 * time.Second,
		Progress: func(m string) {
			w.mu.Lock()
			w.progress = append(w.progress, m)
			w.mu.Unlock()
		},
	}
}

// run logs in and runs create_sp, with the request logs reset first.
func (w *world) run(o createsp.Options) (*createsp.Result, error) {
	w.t.Helper()
	s := w.login()
	w.srv.Reset()
	w.srv.Directory.ResetGraph()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return createsp.Run(ctx, s, o)
}

func (w *world) ok(o createsp.Options) *createsp.Result {
	w.t.Helper()
	r, err := w.run(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// writes are the Graph and ARM writes of the last run, IDs replaced by
// "ID" so runs on two clouds compare.
func (w *world) writes() []string {
	var out []string
	for _, r := range append(w.srv.Directory.GraphWrites(), w.srv.Writes()...) {
		out = append(out, guid.ReplaceAllString(r, "ID"))
	}
	return out
}

var guid = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func (w *world) readFile() string {
	w.t.Helper()
	data, err := os.ReadFile(w.file())
	if err != nil {
		w.t.Fatal(err)
	}
	return string(data)
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
