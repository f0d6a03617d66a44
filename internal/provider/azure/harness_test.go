package azure

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// recorder sits between the provider and the fake cloud (and Azurite): it
// logs every request, counts writes, and can answer some requests itself
// with real HTTP errors, as Azure would, before passing them on.
type recorder struct {
	mu       sync.Mutex
	arm      policy.Transporter
	blobHost string
	log      []string
	faults   []*fault
	// onRequest, when set, sees each request before it is sent.
	onRequest func(*http.Request)
}

// fault answers the matching requests with status and body, times times.
type fault struct {
	match func(*http.Request) bool
	// dropAnswer: the server handles the request, then the connection
	// breaks before its answer arrives.
	dropAnswer bool
	status     int
	header     http.Header
	body       string
	times      int
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.log = append(r.log, req.Method+" "+req.URL.Path)
	hook := r.onRequest
	var f *fault
	for _, x := range r.faults {
		if x.times > 0 && x.match(req) {
			x.times--
			f = x
			break
		}
	}
	r.mu.Unlock()
	if hook != nil {
		hook(req)
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if f != nil && f.dropAnswer {
		if resp, err := r.arm.Do(req); err == nil {
			resp.Body.Close()
		}
		return nil, errors.New("read: connection reset by peer")
	}
	if f != nil {
		h := f.header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Content-Type", "application/json")
		if f.body != "" {
			if code := codeOf(f.body); code != "" {
				h.Set("x-ms-error-code", code)
			}
		}
		return &http.Response{StatusCode: f.status, Status: http.StatusText(f.status), Header: h, Request: req,
			Body: io.NopCloser(strings.NewReader(f.body)), ContentLength: int64(len(f.body))}, nil
	}
	if r.blobHost != "" && req.URL.Host == r.blobHost {
		return http.DefaultTransport.RoundTrip(req)
	}
	return r.arm.Do(req)
}

func codeOf(body string) string {
	const k = `"code":"`
	i := strings.Index(body, k)
	if i < 0 {
		return ""
	}
	rest := body[i+len(k):]
	return rest[:strings.IndexByte(rest, '"')]
}

// isWrite: a request that changes something (ARM, blob or the Jobs API),
// as the HTTPS fake cloud counts them for the end-to-end tests.
func isWrite(entry string) bool {
	method, path, _ := strings.Cut(entry, " ")
	return fakecloud.IsWrite(method, path)
}

// writes are the write requests logged so far.
func (r *recorder) writes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var w []string
	for _, e := range r.log {
		if isWrite(e) {
			w = append(w, e)
		}
	}
	return w
}

func (r *recorder) count(method, pathPart string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.log {
		m, p, _ := strings.Cut(e, " ")
		if m == method && strings.Contains(p, pathPart) && !strings.HasSuffix(p, "/get/fake/status") {
			n++
		}
	}
	return n
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
}

func (r *recorder) addFault(f *fault) {
	r.mu.Lock()
	r.faults = append(r.faults, f)
	r.mu.Unlock()
}

// testClientID is the service principal's application.
const testClientID = "00000000-0000-0000-0000-0000000000cc"

// env is a provider on a fake cloud.
type env struct {
	p      *Provider
	cloud  *fakecloud.Cloud
	rec    *recorder
	tokens *provider.MemoryTokenStore
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cloud := fakecloud.New()
	return newEnvOn(t, cloud, &recorder{arm: cloud.Transport()}, &provider.MemoryTokenStore{})
}

// newEnvOn is a provider on an existing cloud: a second process of aura
// resuming the first one's work.
func newEnvOn(t *testing.T, cloud *fakecloud.Cloud, rec *recorder, tokens *provider.MemoryTokenStore) *env {
	t.Helper()
	p, err := New(Options{
		SubscriptionID: fakecloud.Subscription,
		TenantID:       "00000000-0000-0000-0000-0000000000bb",
		ClientID:       testClientID,
		Credential:     &azfake.TokenCredential{},
		Tokens:         tokens,
		Transport:      rec,
		Retry:          &policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
		PollFrequency:  time.Millisecond,
		BusyTimeout:    50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{p: p, cloud: cloud, rec: rec, tokens: tokens}
}

// state fingerprints the cloud and the writes so far.
func (e *env) state() string {
	return fmt.Sprintf("writes: %q\n%s", e.rec.writes(), e.cloud.Snapshot())
}

// must fails the test on an error: must(t)(p.EnsureX(...)).
func must(t *testing.T) func(provider.Change, error) provider.Change {
	t.Helper()
	return func(c provider.Change, err error) provider.Change {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}
