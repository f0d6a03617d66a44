package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

// Source finds charts. The zero Source downloads every chart from the
// repository its ChartRef names; Dir or OCI override that for all charts, so
// an offline or air-gapped install uses charts it was given.
type Source struct {
	// Dir holds charts as <Dir>/<chart>/ (unpacked) or <Dir>/<chart>-<version>.tgz.
	Dir string
	// FS holds unpacked charts as <chart>/ at its root (charts built into
	// the binary); it is used when Dir is empty.
	FS fs.FS
	// OCI is a registry path, oci://host[:port]/path; a chart is pulled as
	// <OCI>/<chart>:<version>.
	OCI string
	// PlainHTTP talks to the OCI registry without TLS (local registries).
	PlainHTTP bool
	// CacheDir keeps downloaded indexes and charts; empty means a fresh
	// temporary directory per download.
	CacheDir string
}

// ErrChartNotFound is wrapped by Load when no source holds the chart.
var ErrChartNotFound = errors.New("chart not found")

// Load returns the chart ref names, checked to be that chart and version.
func (s *Source) Load(ctx context.Context, ref ChartRef) (*chart.Chart, error) {
	if ref.Chart == "" || ref.Version == "" {
		return nil, fmt.Errorf("chart %q: chart name and version are both required", ref.Chart)
	}
	var (
		ch  *chart.Chart
		err error
	)
	switch {
	case s.Dir != "":
		ch, err = s.fromDir(ref)
	case s.FS != nil:
		ch, err = s.fromFS(ref)
	case s.OCI != "":
		ch, err = s.fromOCI(ctx, strings.TrimSuffix(s.OCI, "/")+"/"+ref.Chart, ref)
	case registry.IsOCI(ref.Repo):
		ch, err = s.fromOCI(ctx, strings.TrimSuffix(ref.Repo, "/")+"/"+ref.Chart, ref)
	default:
		ch, err = s.fromRepo(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	if ch.Metadata == nil || ch.Metadata.Name != ref.Chart || ch.Metadata.Version != ref.Version {
		got := "no metadata"
		if ch.Metadata != nil {
			got = ch.Metadata.Name + " " + ch.Metadata.Version
		}
		return nil, fmt.Errorf("chart %s: the source %s holds %s instead", ref, s.describe(ref), got)
	}
	return ch, nil
}

func (s *Source) describe(ref ChartRef) string {
	switch {
	case s.Dir != "":
		return "directory " + s.Dir
	case s.FS != nil:
		return "the charts built into aura"
	case s.OCI != "":
		return s.OCI
	}
	return ref.Repo
}

func (s *Source) fromDir(ref ChartRef) (*chart.Chart, error) {
	tgz := filepath.Join(s.Dir, ref.Chart+"-"+ref.Version+".tgz")
	dir := filepath.Join(s.Dir, ref.Chart)
	for _, p := range []string{tgz, dir} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		ch, err := loader.Load(p)
		if err != nil {
			return nil, fmt.Errorf("chart %s: load %s: %w", ref, p, err)
		}
		return ch, nil
	}
	return nil, fmt.Errorf("chart %s: %w in directory %s (looked for %s and %s/)", ref, ErrChartNotFound, s.Dir, filepath.Base(tgz), ref.Chart)
}

func (s *Source) fromFS(ref ChartRef) (*chart.Chart, error) {
	var files []*loader.BufferedFile
	err := fs.WalkDir(s.FS, ref.Chart, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(s.FS, p)
		if err != nil {
			return err
		}
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(p, ref.Chart+"/"), Data: data})
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("chart %s: %w in %s", ref, ErrChartNotFound, s.describe(ref))
	}
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", ref, err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("chart %s: load from %s: %w", ref, s.describe(ref), err)
	}
	return ch, nil
}

func (s *Source) fromOCI(ctx context.Context, repoRef string, ref ChartRef) (*chart.Chart, error) {
	opts := []registry.ClientOption{registry.ClientOptWriter(io.Discard)}
	if s.PlainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	rc, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("chart %s: registry client: %w", ref, err)
	}
	full := strings.TrimPrefix(repoRef, "oci://") + ":" + ref.Version
	res, err := rc.Pull(full, registry.PullOptWithChart(true))
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w: pull %s: %v", ref, ErrChartNotFound, repoRef+":"+ref.Version, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch, err := loader.LoadArchive(bytes.NewReader(res.Chart.Data))
	if err != nil {
		return nil, fmt.Errorf("chart %s: load %s: %w", ref, repoRef, err)
	}
	return ch, nil
}

// fromRepo reads a classic HTTP chart repository: index.yaml, then the
// archive it points to.
func (s *Source) fromRepo(ctx context.Context, ref ChartRef) (*chart.Chart, error) {
	if ref.Repo == "" {
		return nil, fmt.Errorf("chart %s: no repository URL", ref)
	}
	hint := fmt.Sprintf("to install offline, give a chart directory holding %s/ or %s-%s.tgz, or an OCI registry holding %s:%s",
		ref.Chart, ref.Chart, ref.Version, ref.Chart, ref.Version)
	cache := s.CacheDir
	if cache == "" {
		tmp, err := os.MkdirTemp("", "aura-helm-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		cache = tmp
	}
	getters := getter.Providers{{Schemes: []string{"http", "https"}, New: getter.NewHTTPGetter}}
	cr, err := repo.NewChartRepository(&repo.Entry{Name: "aura-" + ref.Chart, URL: ref.Repo}, getters)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", ref, err)
	}
	cr.CachePath = cache
	idxPath, err := cr.DownloadIndexFile()
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w: repository %s cannot be read (%v); %s", ref, ErrChartNotFound, ref.Repo, err, hint)
	}
	idx, err := repo.LoadIndexFile(idxPath)
	if err != nil {
		return nil, fmt.Errorf("chart %s: index of %s: %w", ref, ref.Repo, err)
	}
	cv, err := idx.Get(ref.Chart, ref.Version)
	if err != nil || len(cv.URLs) == 0 {
		return nil, fmt.Errorf("chart %s: %w: repository %s has no %s %s; %s", ref, ErrChartNotFound, ref.Repo, ref.Chart, ref.Version, hint)
	}
	u, err := repo.ResolveReferenceURL(ref.Repo, cv.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", ref, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g, err := getters.ByScheme(schemeOf(u))
	if err != nil {
		return nil, fmt.Errorf("chart %s: %s: %w", ref, u, err)
	}
	data, err := g.Get(u, getter.WithURL(ref.Repo), getter.WithAcceptHeader("application/gzip,application/octet-stream"))
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w: download %s: %v; %s", ref, ErrChartNotFound, u, err, hint)
	}
	ch, err := loader.LoadArchive(data)
	if err != nil {
		return nil, fmt.Errorf("chart %s: load %s: %w", ref, u, err)
	}
	return ch, nil
}

func schemeOf(u string) string {
	if i := strings.Index(u, "://"); i > 0 {
		return u[:i]
	}
	return ""
}
