package controller

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/go-logr/logr"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/packages"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

const (
	testBucket      = "aura-packages"
	testPullSecret  = "aura-registry"
	testContainer   = "packages"
	testEnvironment = "test"
)

func TestMain(m *testing.M) {
	flag.Parse() // testenv reads testing.Verbose() before m.Run would parse flags
	// Expected failures (broken uploads) are asserted through status and events.
	ctrl.SetLogger(logr.Discard())
	testenv.Main(m, testenv.Options{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}})
}

// harness is the operator running in-process against the real control plane,
// an in-process S3 server and Azurite.
type harness struct {
	env    *testenv.Env
	c      client.Client
	s3     *s3.Client
	sink   *packages.BlobSink
	blob   *blobtest.Server
	scheme *runtime.Scheme
	faults *s3Faults
}

// s3Faults makes the S3 server fail like an overloaded one: 500
// InternalError for the next n requests whose path contains match.
type s3Faults struct {
	mu     sync.Mutex
	match  string
	n      int
	served int
}

func (f *s3Faults) fail(match string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.match, f.n, f.served = match, n, 0
}

// failed is how many requests were failed since fail.
func (f *s3Faults) failed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served
}

func (f *s3Faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		hit := f.match != "" && f.served < f.n && strings.Contains(r.URL.Path, f.match)
		if hit {
			f.served++
		}
		f.mu.Unlock()
		if !hit {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`)
	})
}

func newHarness(tb testing.TB, resync time.Duration) *harness {
	tb.Helper()
	env := testenv.Get(tb)
	h := &harness{env: env, blob: blobtest.Start(tb), scheme: runtime.NewScheme()}
	utilruntime.Must(clientgoscheme.AddToScheme(h.scheme))
	utilruntime.Must(aurav1.AddToScheme(h.scheme))

	backend := s3mem.New()
	h.faults = &s3Faults{}
	ts := httptest.NewTLSServer(h.faults.wrap(gofakes3.New(backend).Server()))
	tb.Cleanup(ts.Close)
	if err := backend.CreateBucket(testBucket); err != nil {
		tb.Fatal(err)
	}
	s3opts := packages.S3Options{Endpoint: ts.URL, Region: "eu-west-1", PathStyle: true, HTTPClient: ts.Client(),
		AccessKeyID: "test", SecretAccessKey: "test"}
	h.s3 = s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true,
		HTTPClient: ts.Client(), Credentials: aws.AnonymousCredentials{}})

	var err error
	h.sink, err = packages.NewBlobSink(packages.BlobOptions{AccountURL: h.blob.AccountURL, Container: testContainer,
		AccountName: blobtest.AccountName, AccountKey: blobtest.AccountKey})
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.sink.CreateContainer(context.Background()); err != nil {
		tb.Fatal(err)
	}

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 h.scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Each test binary's harnesses register the same controller names.
		Controller: ctrlconfig.Controller{SkipNameValidation: ptr(true)},
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := Setup(mgr, Options{
		Environment: testEnvironment, Bucket: testBucket, ImagePullSecret: testPullSecret,
		Publisher: &packages.Publisher{Source: packages.NewS3Source(s3opts), Sink: h.sink},
		Resync:    resync,
	}); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("manager: %v", err)
		}
	})
	h.c, err = client.New(env.Config, client.Options{Scheme: h.scheme})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func ptr[T any](v T) *T { return &v }

// putPackage uploads a package of size bytes for key.
func (h *harness) putPackage(tb testing.TB, key string, size int) {
	tb.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	if _, err := h.s3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String(key), Body: bytes.NewReader(data),
	}); err != nil {
		tb.Fatalf("put %s: %v", key, err)
	}
}

// coreNamespace creates an OB namespace as deploy_core leaves it: the consumers'
// ConfigMaps and Deployments. It returns the namespace and a kubeconfig whose
// context defaults to it, since the guide runs most kubectl lines without -n.
func (h *harness) coreNamespace(tb testing.TB) (string, string) {
	tb.Helper()
	ctx := context.Background()
	ns := "aura-" + strings.ToLower(strings.ReplaceAll(tb.Name(), "/", "-"))
	if len(ns) > 50 {
		ns = ns[:50]
	}
	ns = strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, ns), "-") + "-" + randSuffix()
	must(tb, h.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(tb, h.c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: nlpConfigMap, Namespace: ns},
		Data: map[string]string{nlpPackagesKey: "{}", "OTHER": "kept"}}))
	must(tb, h.c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: userHelperConfigMap, Namespace: ns},
		Data: map[string]string{resolutionKey: "0.0.0"}}))
	for _, name := range []string{nlpConfigMap, userHelperConfigMap} {
		must(tb, h.c.Create(ctx, deployment(ns, name)))
	}

	cfg, err := clientcmd.LoadFromFile(h.env.Kubeconfig)
	must(tb, err)
	cfg.Contexts[cfg.CurrentContext].Namespace = ns
	path := filepath.Join(tb.TempDir(), "kubeconfig")
	must(tb, clientcmd.WriteToFile(*cfg, path))
	return ns, path
}

func deployment(ns, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "registry.example/" + name + ":1"}}},
			},
		},
	}
}

func randSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sh runs a command line with bash, kubectl first on PATH and KUBECONFIG set,
// exactly as a user types the guide's lines.
func (h *harness) sh(tb testing.TB, kubeconfig, line string) (string, error) {
	tb.Helper()
	cmd := exec.Command("bash", "-c", line)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig,
		"PATH="+filepath.Dir(h.env.Kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (h *harness) mustSh(tb testing.TB, kubeconfig, line string) string {
	tb.Helper()
	out, err := h.sh(tb, kubeconfig, line)
	if err != nil {
		tb.Fatalf("%s: %v\n%s", line, err, out)
	}
	return out
}

// eventually polls cond until it returns "" (success) or the timeout passes,
// failing with cond's last explanation.
func eventually(tb testing.TB, timeout time.Duration, cond func() string) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %s: %s", timeout, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func (h *harness) configMap(tb testing.TB, ns, name string) map[string]string {
	tb.Helper()
	cm := &corev1.ConfigMap{}
	must(tb, h.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm))
	return cm.Data
}

func (h *harness) rolloutHash(tb testing.TB, ns, name string) string {
	tb.Helper()
	d := &appsv1.Deployment{}
	must(tb, h.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, d))
	return d.Spec.Template.Annotations[ConfigHashAnnotation]
}

// warningEvents lists the reasons of Warning events about an object.
func (h *harness) warningEvents(tb testing.TB, ns, name string) []string {
	tb.Helper()
	var list corev1.EventList
	must(tb, h.c.List(context.Background(), &list, client.InNamespace(ns)))
	var out []string
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == name {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

func condition(conds []metav1.Condition, t string) string {
	for _, c := range conds {
		if c.Type == t {
			return fmt.Sprintf("%s/%s", c.Status, c.Reason)
		}
	}
	return "missing"
}
