package helm_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"helm.sh/helm/v3/pkg/registry"

	"github.com/auracognitive/aurak8s/internal/helm"
)

// TestSourceOCI pushes the test chart to an in-process OCI registry with
// Helm's own registry client and loads it back through Source.OCI.
func TestSourceOCI(t *testing.T) {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	data, err := os.ReadFile(filepath.Join(chartDir(t), "web-0.2.0.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptWriter(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Push(data, host+"/charts/web:0.2.0"); err != nil {
		t.Fatal(err)
	}

	src := helm.Source{OCI: "oci://" + host + "/charts", PlainHTTP: true}
	ch, err := src.Load(context.Background(), helm.ChartRef{Repo: "https://charts.example.invalid", Chart: "web", Version: "0.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.Name != "web" || ch.Metadata.Version != "0.2.0" || len(ch.Templates) != 4 {
		t.Fatalf("pulled %s %s with %d templates", ch.Metadata.Name, ch.Metadata.Version, len(ch.Templates))
	}

	// A repository URL that is itself oci:// needs no override.
	direct := helm.Source{PlainHTTP: true}
	if _, err := direct.Load(context.Background(), helm.ChartRef{Repo: "oci://" + host + "/charts", Chart: "web", Version: "0.2.0"}); err != nil {
		t.Fatal(err)
	}

	_, err = src.Load(context.Background(), helm.ChartRef{Chart: "web", Version: "0.1.0"})
	if !errors.Is(err, helm.ErrChartNotFound) || !strings.Contains(err.Error(), "oci://"+host+"/charts/web:0.1.0") {
		t.Fatalf("missing tag: %v", err)
	}
}
