package helm_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/repo"
	"k8s.io/client-go/rest"

	"github.com/auracognitive/aurak8s/internal/helm"
)

func TestSourceLoad(t *testing.T) {
	dir := chartDir(t)
	empty := t.TempDir()
	// An HTTP chart repository (index.yaml + archive), as the real ones are.
	repoDir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(dir, "web-0.2.0.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repoDir, "web-0.2.0.tgz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(repoDir)))
	defer srv.Close()
	idx, err := repo.IndexDirectory(repoDir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.WriteFile(filepath.Join(repoDir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close() // nothing listens there any more: like a repository offline

	tests := []struct {
		name     string
		src      helm.Source
		ref      helm.ChartRef
		wantVer  string
		wantErr  []string // substrings of the error
		notFound bool
	}{
		{name: "directory", src: helm.Source{Dir: dir}, ref: helm.ChartRef{Chart: "web", Version: "0.1.0"}, wantVer: "0.1.0"},
		{name: "tgz in directory", src: helm.Source{Dir: dir}, ref: helm.ChartRef{Chart: "web", Version: "0.2.0"}, wantVer: "0.2.0"},
		{name: "http repository", src: helm.Source{}, ref: helm.ChartRef{Repo: srv.URL, Chart: "web", Version: "0.2.0"}, wantVer: "0.2.0"},
		{name: "directory holds another version", src: helm.Source{Dir: dir}, ref: helm.ChartRef{Chart: "web", Version: "0.3.0"},
			wantErr: []string{"web 0.3.0", "holds web 0.1.0 instead"}},
		{name: "directory lacks the chart", src: helm.Source{Dir: empty}, ref: helm.ChartRef{Repo: "https://helm.elastic.co", Chart: "eck-operator", Version: "2.16.1"},
			wantErr: []string{"eck-operator 2.16.1", empty, "eck-operator-2.16.1.tgz", "eck-operator/"}, notFound: true},
		{name: "repository lacks the version", src: helm.Source{}, ref: helm.ChartRef{Repo: srv.URL, Chart: "web", Version: "9.9.9"},
			wantErr: []string{"has no web 9.9.9", "chart directory"}, notFound: true},
		{name: "repository unreachable", src: helm.Source{}, ref: helm.ChartRef{Repo: goneURL, Chart: "redis", Version: "20.1.0"},
			wantErr: []string{"redis 20.1.0", goneURL, "cannot be read", "to install offline", "redis-20.1.0.tgz", "OCI registry"}, notFound: true},
		{name: "file system", src: helm.Source{FS: os.DirFS(dir)}, ref: helm.ChartRef{Chart: "web", Version: "0.1.0"}, wantVer: "0.1.0"},
		{name: "file system lacks the chart", src: helm.Source{FS: os.DirFS(empty)}, ref: helm.ChartRef{Chart: "grafana", Version: "8.5.1"},
			wantErr: []string{"grafana 8.5.1", "built into aura"}, notFound: true},
		{name: "no version", src: helm.Source{Dir: dir}, ref: helm.ChartRef{Chart: "web"}, wantErr: []string{"version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := tt.src.Load(context.Background(), tt.ref)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if ch.Metadata.Name != "web" || ch.Metadata.Version != tt.wantVer || len(ch.Templates) != 4 {
					t.Fatalf("loaded %s %s with %d templates", ch.Metadata.Name, ch.Metadata.Version, len(ch.Templates))
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded %s %s, want an error", ch.Metadata.Name, ch.Metadata.Version)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if errors.Is(err, helm.ErrChartNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrChartNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
		})
	}
}

// TestPlanMissingChart: the chart is resolved before the cluster is
// contacted (nothing listens at this one), and the error names the release
// and the chart.
func TestPlanMissingChart(t *testing.T) {
	c, err := helm.New(&rest.Config{Host: "https://127.0.0.1:1"}, "aura-system", &helm.Source{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Plan(ctx(t), helm.Release{Name: "grafana", Chart: helm.ChartRef{Repo: "https://grafana.github.io/helm-charts", Chart: "grafana", Version: "8.5.1"}})
	if err == nil || !errors.Is(err, helm.ErrChartNotFound) || !strings.Contains(err.Error(), "release grafana") || !strings.Contains(err.Error(), "grafana 8.5.1") {
		t.Fatalf("plan with a missing chart: %v", err)
	}
}
