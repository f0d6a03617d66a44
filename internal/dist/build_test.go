package dist

import (
	"context"
	"crypto/subtle"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// The test registry's credentials; the password must never show in output.
const (
	regUser = "aura-ci"
	regPass = "s3cret-Registry-pw"
)

// authRegistry is an in-process OCI registry that, like a real one, answers
// 401 with a Basic challenge to requests without the right credentials.
func authRegistry() *httptest.Server {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != regUser || subtle.ConstantTimeCompare([]byte(p), []byte(regPass)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	return srv
}

// The bundle is built once for every test that needs it: building aura and
// the operator is most of the time the tests take.
var shared struct {
	once sync.Once
	res  *Result
	host string // the registry it was pushed to
	err  error
	dir  string
	srv  *httptest.Server
}

const testCommit = "1a2b3c4d"

// builtBundle builds the bundle for this machine's architecture (the cross
// build for the other one takes minutes more and the same code path) and
// pushes the operator image to an in-process registry with basic auth.
func builtBundle(t *testing.T) (*Result, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds aura and aura-operator")
	}
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("the bundle is for linux amd64 and arm64")
	}
	shared.once.Do(func() {
		shared.srv = authRegistry()
		shared.host = strings.TrimPrefix(shared.srv.URL, "http://")
		if shared.dir, shared.err = os.MkdirTemp("", "dist-test-"); shared.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		shared.res, shared.err = Build(ctx, Options{
			Root: repoRoot, OutDir: shared.dir, OB: "br", Commit: testCommit,
			Arches:  []string{runtime.GOARCH},
			ModTime: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Push:    true, Registry: shared.host, Username: regUser, Password: regPass,
			Log: t.Logf,
		})
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.res, shared.host
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}
