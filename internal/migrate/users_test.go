package migrate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const adminPassword = "Adm1n-pa55word-xyz"

// mongoObjects creates what deploy_system and the Atlas operator leave for
// the guide's kubectl lines: the admin user, its password Secret and the
// deployment's SRV connection string.
func (w *world) mongoObjects(s *Side) {
	ctx := context.Background()
	ns := s.Info.SystemNamespace
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "atlas.mongodb.com/v1", "kind": "AtlasDatabaseUser",
		"metadata": map[string]any{"name": adminUser}, "spec": map[string]any{"username": "aura-admin-es-dev"}}}
	d := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "atlas.mongodb.com/v1", "kind": "AtlasDeployment",
		"metadata": map[string]any{"name": s.Info.AtlasCluster},
		"status":   map[string]any{"connectionStrings": map[string]any{"standardSrv": "mongodb+srv://" + s.Info.AtlasCluster + ".abcde.mongodb.net"}}}}
	for i, o := range []*unstructured.Unstructured{d, u} {
		gvr := atlasResources[0]
		if i == 1 {
			gvr = atlasResources[2]
		}
		if _, err := w.dyn.Resource(gvr).Namespace(ns).Create(ctx, o, metav1.CreateOptions{}); err != nil {
			w.t.Fatal(err)
		}
	}
	if _, err := w.kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: adminUser},
		Data: map[string][]byte{"password": []byte(adminPassword)}}, metav1.CreateOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

// checkUsersJob: the password comes from the Secret by reference and
// appears nowhere in the Job; the recipe's values are in its environment.
func checkUsersJob(t *testing.T, j *batchv1.Job, srv, db string) {
	t.Helper()
	spec, err := json.Marshal(j.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(spec), adminPassword) {
		t.Errorf("%s carries the password in its spec", j.Name)
	}
	pw := envOf(j, "MONGODB_PASSWORD")
	if pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil || pw.ValueFrom.SecretKeyRef.Name != adminUser || pw.ValueFrom.SecretKeyRef.Key != "password" {
		t.Errorf("%s MONGODB_PASSWORD %+v, want the Secret %s key password", j.Name, pw, adminUser)
	}
	c := j.Spec.Template.Spec.Containers[0]
	for _, line := range strings.Split(c.Args[0], "\n") {
		if strings.HasPrefix(line, "mongo") && (strings.Contains(line, "MONGODB_PASSWORD") || !strings.Contains(line, "--config /tmp/mongo.yml")) {
			t.Errorf("%s: the password must reach %q through its config file", j.Name, line)
		}
	}
	for name, want := range map[string]string{"MONGODB_USER": "aura-admin-es-dev", "MONGODB_SRV": srv, "DATABASE": db} {
		if got := envOf(j, name).Value; got != want {
			t.Errorf("%s %s %q, want %q", j.Name, name, got, want)
		}
	}
	if c.Image != "auraregistry.azurecr.io/aura/tools/mongo-backup:8.0.0" {
		t.Errorf("%s image %s, want the backup CronJob's", j.Name, c.Image)
	}
}

func TestMigrateUsersExportThenImport(t *testing.T) {
	w := newWorld(t, atlasA, atlasB)
	w.mongoObjects(w.src)
	w.mongoObjects(w.dst)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := w.play(ctx, nil, nil)
	opts := UsersOptions{Poll: 100 * time.Millisecond}

	since := time.Date(2026, 11, 30, 6, 22, 47, 0, time.UTC)
	data, err := ExportUsers(ctx, w.src, since, opts)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != exportedUsers {
		t.Errorf("export returned %q, want what mongoexport wrote", data)
	}
	jobs := w.jobs(w.src.Info.SystemNamespace)
	if len(jobs) != 1 {
		t.Fatalf("export Jobs %v, want one", jobs)
	}
	for _, j := range jobs {
		checkUsersJob(t, j, "mongodb+srv://aura-es-dev.abcde.mongodb.net", "aura-users-es-dev")
		if q := envOf(j, "QUERY").Value; q != `{ "created": { "$gte": { "$date": "2026-11-30T06:22:47Z" }}}` {
			t.Errorf("QUERY %s", q)
		}
	}
	if left, _ := w.src.Storage.ListBlobs(ctx, w.src.backups(), progressPrefix+"users/"); len(left) != 0 {
		t.Errorf("export left the users in storage: %v", left)
	}

	opts.Now = func() time.Time { return time.Now().Add(time.Second) } // a Job name of its own
	if err := ImportUsers(ctx, w.dst, data, opts); err != nil {
		t.Fatal(err)
	}
	jobs = w.jobs(w.dst.Info.SystemNamespace)
	if len(jobs) != 1 {
		t.Fatalf("import Jobs %v, want one", jobs)
	}
	for _, j := range jobs {
		checkUsersJob(t, j, "mongodb+srv://aura-es-dev-70.abcde.mongodb.net", "aura-users-es-dev")
		if !strings.Contains(j.Spec.Template.Spec.Containers[0].Args[0], "--mode upsert") {
			t.Errorf("import does not upsert: %s", j.Spec.Template.Spec.Containers[0].Args[0])
		}
		p.mu.Lock()
		got := p.blobs[envOf(j, "BLOB").Value]
		p.mu.Unlock()
		if string(got) != exportedUsers {
			t.Errorf("the import Job found %q in storage, want the exported users", got)
		}
	}
	if left, _ := w.dst.Storage.ListBlobs(ctx, w.dst.backups(), progressPrefix+"users/"); len(left) != 0 {
		t.Errorf("import left the users in storage: %v", left)
	}
}

func TestMigrateUsersNeedsTheAtlasObjects(t *testing.T) {
	w := newWorld(t, atlasA, envSpec{})
	_, err := ExportUsers(context.Background(), w.src, time.Now(), UsersOptions{})
	if err == nil || !strings.Contains(err.Error(), "AtlasDatabaseUser "+w.src.Info.SystemNamespace+"/"+adminUser) {
		t.Errorf("export without the admin user: %v", err)
	}
	err = ImportUsers(context.Background(), w.dst, []byte("{}"), UsersOptions{})
	if err == nil || !strings.Contains(err.Error(), "atlas_enabled is false") {
		t.Errorf("import into an environment without MongoDB: %v", err)
	}
	if j := w.jobs(w.src.Info.SystemNamespace); len(j) != 0 {
		t.Errorf("refused export created %v", j)
	}
}
