package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/auracognitive/aurak8s/internal/provider"
)

var (
	atlasA = envSpec{atlasProject: "aura-es-dev", atlasCluster: "aura-es-dev"}
	atlasB = envSpec{atlasProject: "aura-es-dev", atlasCluster: "aura-es-dev-70"}
)

func counts(ws []Workload) []int32 {
	var out []int32
	for _, w := range ws {
		out = append(out, w.Replicas)
	}
	return out
}

// checkConverged asserts what a finished migration leaves: one backup Job
// per database in the source, made from its CronJob; the backups copied to
// DB/restore/ in the destination; the destination at 0 replicas while each
// restore Job was created; its workloads back to their exact counts.
func (w *world) checkConverged(p *jobPlayer, ws []Workload, dbs []string, reindex bool) {
	t := w.t
	ctx := context.Background()
	src, dst := w.jobs(w.src.Info.SystemNamespace), w.jobs(w.dst.Info.SystemNamespace)
	var srcNames, dstNames []string
	for n := range src {
		srcNames = append(srcNames, n)
	}
	for n := range dst {
		dstNames = append(dstNames, n)
	}
	sort.Strings(srcNames)
	sort.Strings(dstNames)
	var wantSrc, wantDst []string
	run := ""
	for _, db := range dbs {
		for n := range src {
			if strings.HasPrefix(n, "aura-migrate-"+db+"-backup-") {
				run = strings.TrimPrefix(n, "aura-migrate-"+db+"-backup-")
			}
		}
	}
	for _, db := range dbs {
		wantSrc = append(wantSrc, "aura-migrate-"+db+"-backup-"+run)
		wantDst = append(wantDst, "aura-migrate-"+db+"-restore-"+run)
	}
	if reindex {
		wantDst = append(wantDst, "aura-migrate-mongodb-reindex-"+run)
	}
	sort.Strings(wantSrc)
	sort.Strings(wantDst)
	if !slices.Equal(srcNames, wantSrc) || !slices.Equal(dstNames, wantDst) {
		t.Errorf("Jobs: source %v destination %v; want %v and %v", srcNames, dstNames, wantSrc, wantDst)
	}
	for _, db := range dbs {
		cj, err := w.kube.BatchV1().CronJobs(w.src.Info.SystemNamespace).Get(ctx, db+"-backup", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if j := src["aura-migrate-"+db+"-backup-"+run]; j != nil && j.Spec.Template.Spec.Containers[0].Image != cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image {
			t.Errorf("%s: image %s, not the CronJob's", j.Name, j.Spec.Template.Spec.Containers[0].Image)
		}
	}
	// Each backup blob the source's Job wrote is in the destination's restore path.
	p.mu.Lock()
	blobs := p.blobs
	p.mu.Unlock()
	for name, data := range blobs {
		db, _, _ := strings.Cut(name, "/")
		if !slices.Contains(dbs, db) {
			t.Errorf("backup %s written for a database that is not migrated", name)
			continue
		}
		got, err := w.dst.Storage.GetBlob(ctx, w.dst.blob(db+"/restore/"+strings.TrimPrefix(name, db+"/")))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("destination %s/restore copy of %s: %q, %v; want %q", db, name, got, err, data)
		}
	}
	if len(blobs) != len(dbs) {
		t.Errorf("%d backups written, want %d (one per database)", len(blobs), len(dbs))
	}
	zero := make([]int32, len(ws))
	for _, ev := range p.snapshot() {
		if strings.Contains(ev.job.Name, "-restore-") || strings.Contains(ev.job.Name, "-reindex-") {
			if !slices.Equal(ev.replica, zero) || !slices.Equal(ev.status, zero) {
				t.Errorf("%s created while the destination ran: spec %v status %v", ev.job.Name, ev.replica, ev.status)
			}
		}
	}
	spec, _ := w.replicaCounts(ctx, ws)
	if !slices.Equal(spec, counts(ws)) {
		t.Errorf("destination replicas after the migration %v, want %v", spec, counts(ws))
	}
}

func TestMigrateClusterFullThenNothing(t *testing.T) {
	w := newWorld(t, atlasA, atlasB)
	ws := w.workloads()
	w.waitReady(ws)
	w.atlasObjects(false) // different projects would not need the skip policy, but these share one
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := w.play(ctx, ws, nil)
	var out strings.Builder
	// Same project, different deployments: the Atlas handover check applies.
	err := w.migration(&out, ClusterOptions{}).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "atlasdeployments/atlasdeployment-x") || !strings.Contains(err.Error(), "--pause-source-atlas") {
		t.Fatalf("unpaused source Atlas: %v, want an error naming the objects and --pause-source-atlas", err)
	}
	if j := w.jobs(w.src.Info.SystemNamespace); len(j) != 0 {
		t.Fatalf("refused run created Jobs %v", j)
	}
	if _, err := w.dst.Storage.ListBlobs(ctx, w.dst.backups(), progressPrefix); err != nil {
		t.Fatal(err)
	} else if names, _ := w.dst.Storage.ListBlobs(ctx, w.dst.backups(), progressPrefix); len(names) != 0 {
		t.Fatalf("refused run wrote %v", names)
	}

	out.Reset()
	if err := w.migration(&out, ClusterOptions{PauseSourceAtlas: true}).Run(ctx); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	t.Logf("first run:\n%s", out.String())
	if left, err := unpausedAtlas(ctx, w.dyn, w.src.Info.SystemNamespace); err != nil || len(left) != 0 {
		t.Errorf("--pause-source-atlas left %v unannotated (%v)", left, err)
	}
	w.checkConverged(p, ws, []string{"mongodb", "redis"}, true)

	// The second run changes nothing: no Job, no scaling.
	gens := w.generations(ws)
	before := len(p.snapshot())
	out.Reset()
	if err := w.migration(&out, ClusterOptions{}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "nothing to do") {
		t.Errorf("second run output:\n%s\nwant it to say there is nothing to do", out.String())
	}
	if n := len(p.snapshot()); n != before {
		t.Errorf("second run created %d Jobs", n-before)
	}
	if g := w.generations(ws); !slices.Equal(g, gens) {
		t.Errorf("second run changed the workloads: generations %v, were %v", g, gens)
	}
}

func (w *world) generations(ws []Workload) []int64 {
	var out []int64
	for _, wl := range ws {
		var m metav1.Object
		var err error
		if wl.Kind == "StatefulSet" {
			m, err = w.kube.AppsV1().StatefulSets(wl.Namespace).Get(context.Background(), wl.Name, metav1.GetOptions{})
		} else {
			m, err = w.kube.AppsV1().Deployments(wl.Namespace).Get(context.Background(), wl.Name, metav1.GetOptions{})
		}
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, m.GetGeneration())
	}
	return out
}

// TestMigrateClusterResumesAfterCancel: Ctrl-C at a step, then the same
// command again, converges to what one uninterrupted run leaves — no
// second backup, the exact replica counts — and a run cancelled after the
// scale-down leaves the destination at 0.
func TestMigrateClusterResumesAfterCancel(t *testing.T) {
	for _, tc := range []struct {
		name, at    string // cancel when a Job whose name contains at appears
		scaledToNil bool   // the destination is at 0 after the cancel
	}{
		{"backup", "redis-backup", false},
		{"scale-down", "", false}, // cancelled once aura-nlp is scaled to 0
		{"restore", "mongodb-restore", true},
		{"reindex", "mongodb-reindex", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, atlasA, envSpec{atlasProject: "aura-es-dev-2", atlasCluster: "aura-es-dev"})
			ws := w.workloads()
			w.waitReady(ws)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			runCtx, stop := context.WithCancel(ctx)
			p := w.play(ctx, ws, func(j *batchv1.Job) {
				if tc.at != "" && strings.Contains(j.Name, tc.at) {
					stop()
				}
			})
			if tc.at == "" {
				w.cancelOnScaleDown(ctx, "aura-nlp", stop)
			}
			var out strings.Builder
			err := w.migration(&out, ClusterOptions{}).Run(runCtx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled run: %v, want context.Canceled\n%s", err, out.String())
			}
			if tc.scaledToNil {
				if spec, _ := w.replicaCounts(ctx, ws); !slices.Equal(spec, make([]int32, len(ws))) {
					t.Errorf("after a cancel during %s the destination runs %v: it must stay at 0 until the restore finished", tc.name, spec)
				}
			}
			if err := w.migration(&out, ClusterOptions{Restart: true}).Run(ctx); err == nil || !strings.Contains(err.Error(), "half done") {
				t.Errorf("--restart of a half-done migration: %v, want a refusal", err)
			}
			out.Reset()
			if err := w.migration(&out, ClusterOptions{}).Run(ctx); err != nil {
				t.Fatalf("re-run: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "resuming migration run") {
				t.Errorf("re-run did not resume:\n%s", out.String())
			}
			w.checkConverged(p, ws, []string{"mongodb", "redis"}, true)
		})
	}
}

// TestMigrateClusterSameAtlas: one Atlas deployment on both sides means its
// data is already there: no MongoDB backup, restore or reindex, and the
// output says why.
func TestMigrateClusterSameAtlas(t *testing.T) {
	w := newWorld(t, atlasA, atlasA)
	ws := w.workloads()
	w.waitReady(ws)
	w.atlasObjects(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := w.play(ctx, ws, nil)
	var out strings.Builder
	if err := w.migration(&out, ClusterOptions{}).Run(ctx); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "mongodb: not migrated: both environments use the same Atlas deployment aura-es-dev/aura-es-dev") ||
		!strings.Contains(out.String(), "5. reindex: rebuild the MongoDB indexes in the destination: skipped") {
		t.Errorf("output does not say why MongoDB is skipped:\n%s", out.String())
	}
	w.checkConverged(p, ws, []string{"redis"}, false)
}

// TestMigrateClusterDryRun prints the six steps and changes nothing.
func TestMigrateClusterDryRun(t *testing.T) {
	w := newWorld(t, atlasA, envSpec{})
	ws := w.workloads()
	var out strings.Builder
	if err := w.migration(&out, ClusterOptions{DryRun: true}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, step := range clusterSteps {
		want := fmt.Sprintf("%d. %s:", i+1, step)
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(out.String(), "the destination has no MongoDB") {
		t.Errorf("dry run does not say why MongoDB is skipped:\n%s", out.String())
	}
	if j := w.jobs(w.src.Info.SystemNamespace); len(j) != 0 {
		t.Errorf("dry run created Jobs %v", j)
	}
	names, err := w.dst.Storage.ListBlobs(context.Background(), w.dst.backups(), "")
	if err != nil && !errors.Is(err, provider.ErrNotFound) {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("dry run wrote %v", names)
	}
	if spec, _ := w.replicaCounts(context.Background(), ws); !slices.Equal(spec, counts(ws)) {
		t.Errorf("dry run scaled the destination: %v", spec)
	}
}

// cancelOnScaleDown calls stop once the destination's Deployment name is
// set to 0 replicas, in the middle of the scale-down step.
func (w *world) cancelOnScaleDown(ctx context.Context, name string, stop func()) {
	wi, err := w.kube.AppsV1().Deployments(w.dst.Info.CoreNamespace).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		w.t.Fatal(err)
	}
	go func() {
		defer wi.Stop()
		for ev := range wi.ResultChan() {
			if d, ok := ev.Object.(*appsv1.Deployment); ok && d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
				stop()
				return
			}
		}
	}()
}
