package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/render"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.Main(m, testenv.Options{Pods: true, CRDDirectoryPaths: []string{filepath.Join("testdata", "atlas-crds.yaml")}})
}

var envSeq atomic.Int32

// envSpec is one environment of a test.
type envSpec struct {
	atlasProject, atlasCluster string // "" without Atlas
}

// world is a source and a destination environment: their own namespaces of
// the test cluster (the migration reaches each side only through its info
// file), their own local-provider state directories holding the common
// storage accounts, and the backup and restore CronJobs deploy_system
// renders from deploy/templates.
type world struct {
	t        *testing.T
	kube     kubernetes.Interface
	dyn      dynamic.Interface
	src, dst *Side
}

func newWorld(t *testing.T, src, dst envSpec) *world {
	t.Helper()
	env := testenv.Get(t)
	kc, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, kube: kc, dyn: dyn}
	n := envSeq.Add(1)
	w.src = w.side(fmt.Sprintf("s%d", n), src, env.Kubeconfig)
	w.dst = w.side(fmt.Sprintf("d%d", n), dst, env.Kubeconfig)
	return w
}

func (w *world) side(name string, spec envSpec, kubeconfig string) *Side {
	t := w.t
	dir := t.TempDir()
	info := phase.Info{EnvironmentName: "es-dev", Provider: "local", ClusterName: "aks-" + name,
		ClusterResourceGroup: "rg-" + name, CommonResourceGroup: "rg-common-" + name, CommonStorage: "sa" + name,
		BackupsContainer: "aura-backups", SnapshotsContainer: "elasticsearch-snapshots",
		CoreNamespace: name + "-core", SystemNamespace: name + "-system", AgentsNamespace: name + "-agents",
		Kubeconfig: kubeconfig, LocalStateDir: filepath.Join(dir, "state"),
		AtlasEnabled: spec.atlasProject != "", AtlasProject: spec.atlasProject, AtlasCluster: spec.atlasCluster}
	data, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+"_info.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadInfo("--test-file", path)
	if err != nil {
		t.Fatal(err)
	}
	// The command's own wiring: the kubeconfig and the local provider's
	// state directory from the info file.
	side, err := OpenSide(loaded)
	if err != nil {
		t.Fatal(err)
	}
	p, err := local.New(local.Options{StateDir: info.LocalStateDir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: info.CommonResourceGroup, Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: info.CommonResourceGroup, Name: info.CommonStorage,
		Location: "westeurope", Containers: []string{"aura-backups", "elasticsearch-snapshots"}}); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{info.CoreNamespace, info.SystemNamespace, info.AgentsNamespace} {
		if _, err := w.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	w.cronJobs(&info)
	return side
}

// cronJobs creates the backup and restore CronJobs from the real template.
func (w *world) cronJobs(info *phase.Info) {
	t := w.t
	objs, err := render.New(k8s.FS()).Objects("system/backups.yaml", map[string]any{
		"kubernetes_system_namespace": info.SystemNamespace, "atlas_enabled": info.AtlasEnabled,
		"atlas_project_name": info.AtlasProject, "atlas_cluster_name": info.AtlasCluster,
		"environment_name": info.EnvironmentName, "backup_retention_time": 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		var cj batchv1.CronJob
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &cj); err != nil {
			t.Fatal(err)
		}
		if _, err := w.kube.BatchV1().CronJobs(cj.Namespace).Create(context.Background(), &cj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// workloads creates the destination's core workloads with their replica
// counts, and returns them.
func (w *world) workloads() []Workload {
	t := w.t
	d := w.dst.Info
	want := []Workload{
		{"Deployment", d.CoreNamespace, "aura-bot", 2},
		{"Deployment", d.CoreNamespace, "aura-nlp", 3},
		{"Deployment", d.CoreNamespace, "aura-idle", 0},
		{"StatefulSet", d.CoreNamespace, "aura-cache", 1},
		{"Deployment", d.AgentsNamespace, "agent-weather", 1},
	}
	ctx := context.Background()
	for _, wl := range want {
		n := wl.Replicas
		labels := map[string]string{"app": wl.Name}
		tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/" + wl.Name + ":1"}}}}
		var err error
		if wl.Kind == "StatefulSet" {
			_, err = w.kube.AppsV1().StatefulSets(wl.Namespace).Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: wl.Name},
				Spec: appsv1.StatefulSetSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
		} else {
			_, err = w.kube.AppsV1().Deployments(wl.Namespace).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: wl.Name},
				Spec: appsv1.DeploymentSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// replicaCounts reads spec.replicas and status.replicas of the workloads.
func (w *world) replicaCounts(ctx context.Context, ws []Workload) (spec, status []int32) {
	for _, wl := range ws {
		if wl.Kind == "StatefulSet" {
			s, err := w.kube.AppsV1().StatefulSets(wl.Namespace).Get(ctx, wl.Name, metav1.GetOptions{})
			if err != nil {
				w.t.Error(err)
				return nil, nil
			}
			spec, status = append(spec, replicas(s.Spec.Replicas)), append(status, s.Status.Replicas)
			continue
		}
		d, err := w.kube.AppsV1().Deployments(wl.Namespace).Get(ctx, wl.Name, metav1.GetOptions{})
		if err != nil {
			w.t.Error(err)
			return nil, nil
		}
		spec, status = append(spec, replicas(d.Spec.Replicas)), append(status, d.Status.Replicas)
	}
	return spec, status
}

// waitReady waits until every workload runs its replicas (kwok pods).
func (w *world) waitReady(ws []Workload) {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		spec, status := w.replicaCounts(context.Background(), ws)
		if fmt.Sprint(spec) == fmt.Sprint(status) {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("workloads not at their replicas: spec %v status %v", spec, status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// jobEvent is a Job the migration created, and what the test saw then.
type jobEvent struct {
	job     *batchv1.Job
	replica []int32 // destination spec.replicas when the Job appeared
	status  []int32
}

// jobPlayer stands in for the containers kwok does not run: when a backup
// Job appears in the source it writes the blob the CronJob's script would
// (DB/DB-<UTC time>.<ext>), and it records every migration Job with the
// destination's replica counts at that moment.
type jobPlayer struct {
	mu     sync.Mutex
	events []jobEvent
	blobs  map[string][]byte // blob name → content written
}

func (w *world) play(ctx context.Context, ws []Workload, onJob func(*batchv1.Job)) *jobPlayer {
	t := w.t
	p := &jobPlayer{blobs: map[string][]byte{}}
	for _, ns := range []string{w.src.Info.SystemNamespace, w.dst.Info.SystemNamespace} {
		wi, err := w.kube.BatchV1().Jobs(ns).Watch(ctx, metav1.ListOptions{LabelSelector: runLabel})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer wi.Stop()
			for ev := range wi.ResultChan() {
				j, ok := ev.Object.(*batchv1.Job)
				if !ok || ev.Type != watch.Added {
					continue
				}
				spec, status := w.replicaCounts(context.Background(), ws)
				p.mu.Lock()
				p.events = append(p.events, jobEvent{job: j, replica: spec, status: status})
				if strings.Contains(j.Name, "-backup-") && j.Namespace == w.src.Info.SystemNamespace {
					db, ext := "redis", ".rdb.gz"
					if strings.Contains(j.Name, "mongodb") {
						db, ext = "mongodb", ".archive.gz"
					}
					name := db + "/" + db + "-" + time.Now().UTC().Format("20060102T150405Z") + ext
					data := []byte(db + " dump of " + j.Name)
					if _, err := w.src.Storage.PutBlob(context.Background(), w.src.blob(name), data); err != nil {
						t.Error(err)
					}
					p.blobs[name] = data
				}
				if strings.Contains(j.Name, "-users-") {
					side := w.src
					if j.Namespace == w.dst.Info.SystemNamespace {
						side = w.dst
					}
					blob := envOf(j, "BLOB").Value
					if strings.Contains(j.Name, "-export-") {
						if _, err := side.Storage.PutBlob(context.Background(), side.blob(blob), []byte(exportedUsers)); err != nil {
							t.Error(err)
						}
					} else if data, err := side.Storage.GetBlob(context.Background(), side.blob(blob)); err != nil {
						t.Errorf("import Job %s created before its blob %s: %v", j.Name, blob, err)
					} else {
						p.blobs[blob] = data
					}
				}
				p.mu.Unlock()
				if onJob != nil {
					onJob(j)
				}
			}
		}()
	}
	return p
}

func (p *jobPlayer) snapshot() []jobEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]jobEvent(nil), p.events...)
}

// jobs lists the migration's Jobs in a namespace by name.
func (w *world) jobs(ns string) map[string]*batchv1.Job {
	list, err := w.kube.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{LabelSelector: runLabel})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]*batchv1.Job{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// atlasObjects creates the source's Atlas objects (annotated with the skip
// policy when skip).
func (w *world) atlasObjects(skip bool) {
	ns := w.src.Info.SystemNamespace
	for _, gvr := range atlasResources {
		kind := map[string]string{"atlasdeployments": "AtlasDeployment", "atlasprojects": "AtlasProject", "atlasdatabaseusers": "AtlasDatabaseUser"}[gvr.Resource]
		o := &unstructured.Unstructured{}
		o.SetGroupVersionKind(schema.GroupVersionKind{Group: gvr.Group, Version: gvr.Version, Kind: kind})
		o.SetName(strings.ToLower(kind) + "-x")
		if skip {
			o.SetAnnotations(map[string]string{reconcilePolicy: reconcilePolicySkip})
		}
		if _, err := w.dyn.Resource(gvr).Namespace(ns).Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) migration(out *strings.Builder, opts ClusterOptions) *ClusterMigration {
	opts.Out, opts.Poll = out, 100*time.Millisecond
	return &ClusterMigration{Src: w.src, Dst: w.dst, Opts: opts}
}

// exportedUsers is what the export Job's mongoexport writes.
const exportedUsers = `{"_id":{"$oid":"6570a0000000000000000001"},"name":"ana","created":{"$date":"2026-11-30T10:00:00Z"}}
{"_id":{"$oid":"6570a0000000000000000002"},"name":"luis","created":{"$date":"2026-12-01T07:00:00Z"}}
`

func envOf(j *batchv1.Job, name string) corev1.EnvVar {
	for _, e := range j.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e
		}
	}
	return corev1.EnvVar{}
}
