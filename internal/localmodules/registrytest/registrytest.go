// Package registrytest runs go-containerregistry's in-process registry for
// tests the way a real one is met: over TLS, behind basic auth, and counting
// the requests that write, so a test can prove that nothing was pushed.
package registrytest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is one running registry.
type Registry struct {
	Host      string            // host:port, for image references
	Transport http.RoundTripper // trusts the registry's certificate
	CAFile    string            // the certificate as PEM, for local_modules.ca_file
	writes    atomic.Int64
	srv       *httptest.Server
}

// New starts a registry that accepts only user:password; it stops when the
// test ends.
func New(t testing.TB, user, password string) *Registry {
	t.Helper()
	r := &Registry{}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "authentication required"}}})
			return
		}
		switch req.Method {
		case http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete:
			r.writes.Add(1)
		}
		inner.ServeHTTP(w, req)
	}))
	// Tests that distrust the certificate on purpose fill the log otherwise.
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	r.srv.StartTLS()
	t.Cleanup(r.srv.Close)
	u, err := url.Parse(r.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = u.Host
	r.Transport = r.srv.Client().Transport
	r.CAFile = filepath.Join(t.TempDir(), "registry-ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	if err := os.WriteFile(r.CAFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// Writes is how many requests that write (PUT, POST, PATCH, DELETE) the
// registry accepted from authenticated clients so far.
func (r *Registry) Writes() int64 { return r.writes.Load() }

// Bundle writes an npm-style package tarball (package/...) holding
// package.json with name and version, and the given extra files.
func Bundle(t testing.TB, name, version string, files map[string]string) []byte {
	t.Helper()
	all := map[string]string{"package.json": `{"name":"` + name + `","version":"` + version + `"}`}
	for k, v := range files {
		all[k] = v
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, p := range sortedKeys(all) {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + p, Mode: 0o644, Size: int64(len(all[p])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(all[p])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Options are remote options that reach this registry as its user.
func (r *Registry) Options(user, password string) []remote.Option {
	return []remote.Option{remote.WithTransport(r.Transport), remote.WithAuth(&authn.Basic{Username: user, Password: password})}
}
