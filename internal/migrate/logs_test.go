package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
)

const esPassword = "es-Secret-Pa55"

// fakeES is two Elasticsearch clusters sharing one azure snapshot
// repository (same container and base path): a snapshot one takes the
// other sees. It speaks the snapshot, restore and health APIs, checks
// credentials and refuses snapshots into a read-only repository, as
// Elasticsearch does.
type fakeES struct {
	mu        sync.Mutex
	log       []string // "src PUT /path" in the order received
	bodies    map[string]map[string]any
	readonly  map[string]bool
	snapshots map[string]int // name → GETs left before SUCCESS
	restored  []string
	failOnce  map[string]bool // "dst PUT /_snapshot/azure-backups" → 503 the first time
}

func (f *fakeES) server(t *testing.T, side string) *httptest.Server {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		key := side + " " + r.Method + " " + r.URL.Path
		f.log = append(f.log, key)
		if u, p, ok := r.BasicAuth(); !ok || u != "elastic" || p != esPassword {
			http.Error(w, `{"error":{"type":"security_exception","reason":"unable to authenticate"}}`, http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if data, _ := io.ReadAll(r.Body); len(data) > 0 {
			if err := json.Unmarshal(data, &body); err != nil {
				t.Errorf("%s: body %q: %v", key, data, err)
			}
			f.bodies[key] = body
		}
		if f.failOnce[key] {
			f.failOnce[key] = false
			http.Error(w, `{"error":{"type":"unavailable","reason":"try again"}}`, http.StatusServiceUnavailable)
			return
		}
		repo := "/_snapshot/" + snapshotRepository
		switch {
		case r.URL.Path == repo && r.Method == http.MethodGet:
			fmt.Fprintf(w, `{%q:{"type":"azure","settings":{"container":"elasticsearch-snapshots","base_path":"es-dev","readonly":"%v"}}}`, snapshotRepository, f.readonly[side])
		case r.URL.Path == repo && r.Method == http.MethodPut:
			s, _ := body["settings"].(map[string]any)
			if body["type"] != "azure" || s["container"] != "elasticsearch-snapshots" || s["base_path"] != "es-dev" {
				t.Errorf("%s: body %v does not keep the repository's settings", key, body)
			}
			f.readonly[side], _ = s["readonly"].(bool)
			fmt.Fprint(w, `{"acknowledged":true}`)
		case strings.HasPrefix(r.URL.Path, repo+"/") && strings.HasSuffix(r.URL.Path, "/_restore") && r.Method == http.MethodPost:
			f.restored = append(f.restored, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, repo+"/"), "/_restore"))
			fmt.Fprint(w, `{"accepted":true}`)
		case strings.HasPrefix(r.URL.Path, repo+"/") && r.Method == http.MethodPut:
			if f.readonly[side] {
				http.Error(w, `{"error":{"type":"repository_exception","reason":"repository is readonly"}}`, http.StatusInternalServerError)
				return
			}
			f.snapshots[strings.TrimPrefix(r.URL.Path, repo+"/")] = 1
			fmt.Fprint(w, `{"accepted":true}`)
		case strings.HasPrefix(r.URL.Path, repo+"/") && r.Method == http.MethodGet:
			name := strings.TrimPrefix(r.URL.Path, repo+"/")
			left, ok := f.snapshots[name]
			if !ok {
				http.Error(w, `{"error":{"type":"snapshot_missing_exception","reason":"missing"}}`, http.StatusNotFound)
				return
			}
			state := "SUCCESS"
			if left > 0 {
				state = "IN_PROGRESS"
				f.snapshots[name] = left - 1
			}
			fmt.Fprintf(w, `{"snapshots":[{"snapshot":%q,"state":%q}]}`, name, state)
		case r.URL.Path == "/_cluster/health/"+restoredPrefix+"*" && r.Method == http.MethodGet:
			fmt.Fprint(w, `{"status":"green","initializing_shards":0}`)
		default:
			t.Errorf("unexpected request %s", key)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (f *fakeES) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

type logsWorld struct {
	es       *fakeES
	src, dst *Info
	storage  provider.Storage
	srcURL   string
	dstURL   string
	client   *http.Client
}

func newLogsWorld(t *testing.T, srcRO, dstRO bool) *logsWorld {
	f := &fakeES{bodies: map[string]map[string]any{}, readonly: map[string]bool{"src": srcRO, "dst": dstRO},
		snapshots: map[string]int{}, failOnce: map[string]bool{}}
	s, d := f.server(t, "src"), f.server(t, "dst")
	dir := t.TempDir()
	p, err := local.New(local.Options{StateDir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg-common", Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: "rg-common", Name: "sacommon", Location: "westeurope",
		Containers: []string{"aura-backups"}}); err != nil {
		t.Fatal(err)
	}
	info := func(cluster string) *Info {
		return &Info{Path: cluster + "_info.json", Info: phase.Info{EnvironmentName: "es-dev", ClusterName: cluster, CoreNamespace: "aura-es-dev",
			SystemNamespace: "aura-system", CommonResourceGroup: "rg-common", CommonStorage: "sacommon", BackupsContainer: "aura-backups"}}
	}
	return &logsWorld{es: f, src: info("aks-old"), dst: info("aks-new"), storage: p, srcURL: s.URL, dstURL: d.URL, client: s.Client()}
}

func (w *logsWorld) migration(out io.Writer, dry bool) *LogsMigration {
	es := func(url string) *Elastic {
		return &Elastic{URL: url, User: "elastic", Password: esPassword, Client: w.client}
	}
	return &LogsMigration{Src: w.src, Dst: w.dst, SrcES: es(w.srcURL), DstES: es(w.dstURL), Storage: w.storage,
		Opts: LogsOptions{DryRun: dry, Out: out, Poll: 10 * time.Millisecond,
			Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }}}
}

func TestMigrateLogsRequestsInOrderAndResumes(t *testing.T) {
	w := newLogsWorld(t, false, true)
	ctx := context.Background()
	snap := "/_snapshot/azure-backups/aura-migration-20261201t090000"

	var out strings.Builder
	if err := w.migration(&out, true).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.es.requests(); !slices.Equal(got, []string{"src GET /_snapshot/azure-backups", "dst GET /_snapshot/azure-backups"}) {
		t.Errorf("dry run requests %v: want only the two repository reads", got)
	}

	// The destination refuses the read-write switch once: the run stops
	// there, and the re-run neither snapshots again nor touches the source.
	w.es.failOnce["dst PUT /_snapshot/azure-backups"] = true
	out.Reset()
	err := w.migration(&out, false).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "step 3 (dest-readwrite)") || strings.Contains(err.Error(), esPassword) {
		t.Fatalf("first run: %v, want a failure at step 3 without the password", err)
	}
	want := []string{
		"src GET /_snapshot/azure-backups", "dst GET /_snapshot/azure-backups",
		"src GET " + snap, "src PUT " + snap, "src GET " + snap, "src GET " + snap,
		"src PUT /_snapshot/azure-backups",
		"dst PUT /_snapshot/azure-backups",
	}
	if got := w.es.requests(); !slices.Equal(got, want) {
		t.Errorf("first run requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !w.es.readonly["src"] || !w.es.readonly["dst"] {
		t.Errorf("after step 2 readonly: source %v destination %v, want both true", w.es.readonly["src"], w.es.readonly["dst"])
	}
	if b := w.es.bodies["src PUT "+snap]; b["indices"] != logIndices || b["include_global_state"] != false {
		t.Errorf("snapshot body %v", b)
	}

	// The re-run breaks while the restore recovers: the next one waits for
	// that restore and never asks for a second.
	w.es.failOnce["dst GET /_cluster/health/"+restoredPrefix+"*"] = true
	out.Reset()
	if err := w.migration(&out, false).Run(ctx); err == nil || !strings.Contains(err.Error(), "step 4 (restore)") {
		t.Fatalf("re-run: %v, want a failure at step 4\n%s", err, out.String())
	}
	want = []string{
		"src GET /_snapshot/azure-backups", "dst GET /_snapshot/azure-backups",
		"dst PUT /_snapshot/azure-backups",
		"dst GET " + snap, "dst POST " + snap + "/_restore",
		"dst GET /_cluster/health/" + restoredPrefix + "*",
	}
	if got := w.es.requests(); !slices.Equal(got, want) {
		t.Errorf("re-run requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	out.Reset()
	if err := w.migration(&out, false).Run(ctx); err != nil {
		t.Fatalf("third run: %v\n%s", err, out.String())
	}
	want = []string{"src GET /_snapshot/azure-backups", "dst GET /_snapshot/azure-backups", "dst GET /_cluster/health/" + restoredPrefix + "*"}
	if got := w.es.requests(); !slices.Equal(got, want) {
		t.Errorf("third run requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if w.es.readonly["src"] != true || w.es.readonly["dst"] != false {
		t.Errorf("readonly after the migration: source %v destination %v, want true and false", w.es.readonly["src"], w.es.readonly["dst"])
	}
	if b := w.es.bodies["dst POST "+snap+"/_restore"]; b["indices"] != logIndices || b["rename_replacement"] != restoredPrefix+"$1" {
		t.Errorf("restore body %v", b)
	}
	if !slices.Equal(w.es.restored, []string{"aura-migration-20261201t090000"}) {
		t.Errorf("restored %v", w.es.restored)
	}

	out.Reset()
	if err := w.migration(&out, false).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.es.requests(); len(got) != 0 || !strings.Contains(out.String(), "nothing to do") {
		t.Errorf("finished migration run again: requests %v, output %q", got, out.String())
	}
}

func TestMigrateLogsRefusesTwoReadWriteRepositories(t *testing.T) {
	w := newLogsWorld(t, false, false)
	err := w.migration(io.Discard, false).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "both read-write") || !strings.Contains(err.Error(), "eck_azure_snapshot_readonly: true") {
		t.Fatalf("got %v, want the two read-write repositories refused", err)
	}
	for _, r := range w.es.requests() {
		if !strings.Contains(r, " GET ") {
			t.Errorf("refused run sent %s", r)
		}
	}
	if names, err := w.storage.ListBlobs(context.Background(), provider.ContainerRef{ResourceGroup: "rg-common", Account: "sacommon", Container: "aura-backups"}, ""); err != nil || len(names) != 0 {
		t.Errorf("refused run wrote %v (%v)", names, err)
	}
}
