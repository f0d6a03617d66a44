package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/packages"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

func TestMain(m *testing.M) {
	flag.Parse() // testenv reads testing.Verbose() before m.Run would parse flags
	// Pods: the agents' Deployments get ready replicas, as in a cluster.
	testenv.Main(m, testenv.Options{Pods: true, CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}})
}

// The operator as deployed: configured from flags and environment variables,
// with leader election, probes and metrics, installing a ResolutionResources.
func TestRunInstallsFromEnvironmentConfig(t *testing.T) {
	env := testenv.Get(t)
	blob := blobtest.Start(t)
	backend := s3mem.New()
	ts := httptest.NewServer(gofakes3.New(backend).Server()) // plain HTTP, as the operator only reads
	t.Cleanup(ts.Close)
	must(t, backend.CreateBucket("pkgs"))
	s3c := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, Credentials: aws.AnonymousCredentials{}})
	_, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("pkgs"),
		Key: aws.String("resolution-resources/resolution-resources-0.0.5.tgz"), Body: bytes.NewReader([]byte("rr"))})
	must(t, err)
	sink, err := packages.NewBlobSink(packages.BlobOptions{ConnectionString: blob.ConnectionString, Container: "packages"})
	must(t, err)
	must(t, sink.CreateContainer(context.Background()))

	t.Setenv("KUBECONFIG", env.Kubeconfig)
	probe, metrics := freeAddr(t), freeAddr(t)
	vars := map[string]string{
		"AURA_ENVIRONMENT_NAME": "smoke", "AURA_S3_BUCKET": "pkgs", "AURA_S3_ENDPOINT": ts.URL, "AURA_S3_PATH_STYLE": "true",
		"AURA_BLOB_CONTAINER": "packages", "AZURE_STORAGE_CONNECTION_STRING": blob.ConnectionString,
		"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret", "POD_NAMESPACE": "default",
	}
	cfg, err := parseFlags([]string{"--health-probe-bind-address", probe, "--metrics-bind-address", metrics, "--resync-period", "1h"},
		func(k string) string { return vars[k] })
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	k, err := client.New(env.Config, client.Options{Scheme: newScheme(t)})
	must(t, err)
	ns := "aura-smoke"
	must(t, k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, k.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "user-helper", Namespace: ns},
		Data: map[string]string{"RESOLUTION_RESOURCES_VERSION": "0.0.0"}}))
	must(t, k.Create(ctx, &aurav1.ResolutionResources{ObjectMeta: metav1.ObjectMeta{Name: "resolutionresources", Namespace: ns},
		Spec: aurav1.PackageSpec{Version: "0.0.5"}}))

	deadline := time.Now().Add(30 * time.Second)
	for {
		cm := &corev1.ConfigMap{}
		must(t, k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "user-helper"}, cm))
		if cm.Data["RESOLUTION_RESOURCES_VERSION"] == "0.0.5" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("user-helper still at %s", cm.Data["RESOLUTION_RESOURCES_VERSION"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := get(t, "http://"+probe+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz: HTTP %d", code)
	}
	if code, body := get(t, "http://"+metrics+"/metrics"); code != http.StatusOK || !strings.Contains(body, `controller_runtime_reconcile_total{controller="ResolutionResources"`) {
		t.Fatalf("/metrics: HTTP %d without the reconcile counter", code)
	}
}

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, aurav1.AddToScheme(scheme))
	return scheme
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return fmt.Sprint(l.Addr())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
