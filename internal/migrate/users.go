package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// The objects the guide's delta-users recipe reads with kubectl.
const (
	adminUser       = "mongodb-adminuser-password" // AtlasDatabaseUser and its password Secret
	adminPasswordKy = "password"
)

// UsersOptions tune `aura migrate users`.
type UsersOptions struct {
	Poll time.Duration // Job progress (2s)
	Now  func() time.Time
}

func (o *UsersOptions) defaults() {
	if o.Poll == 0 {
		o.Poll = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// mongoTarget is what the guide's recipe reads before it runs the tools.
type mongoTarget struct {
	user, srv, database string
	image               string
	pullSecrets         []corev1.LocalObjectReference
}

func readMongoTarget(ctx context.Context, s *Side) (*mongoTarget, error) {
	i := s.Info
	if !i.AtlasEnabled {
		return nil, fmt.Errorf("%s: %s has no MongoDB (atlas_enabled is false)", i.Path, i.Label())
	}
	ns := i.SystemNamespace
	u, err := s.Dynamic.Resource(atlasResources[2]).Namespace(ns).Get(ctx, adminUser, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("AtlasDatabaseUser %s/%s: %w", ns, adminUser, err)
	}
	user, _, _ := unstructured.NestedString(u.Object, "spec", "username")
	if user == "" {
		return nil, fmt.Errorf("AtlasDatabaseUser %s/%s has no spec.username", ns, adminUser)
	}
	d, err := s.Dynamic.Resource(atlasResources[0]).Namespace(ns).Get(ctx, i.AtlasCluster, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("AtlasDeployment %s/%s: %w", ns, i.AtlasCluster, err)
	}
	srv, _, _ := unstructured.NestedString(d.Object, "status", "connectionStrings", "standardSrv")
	if srv == "" {
		return nil, fmt.Errorf("AtlasDeployment %s/%s has no status.connectionStrings.standardSrv yet (is it ready?)", ns, i.AtlasCluster)
	}
	sec, err := s.Kube.CoreV1().Secrets(ns).Get(ctx, adminUser, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", ns, adminUser, err)
	}
	if _, ok := sec.Data[adminPasswordKy]; !ok {
		return nil, fmt.Errorf("secret %s/%s has no key %s", ns, adminUser, adminPasswordKy)
	}
	// The backup CronJob's image has the MongoDB tools and az, and follows
	// the release.
	cj, err := cronJob(ctx, s.Kube, ns, "mongodb-backup")
	if err != nil {
		return nil, err
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	return &mongoTarget{user: user, srv: strings.TrimRight(srv, "/"), database: "aura-users-" + i.EnvironmentName,
		image: pod.Containers[0].Image, pullSecrets: pod.ImagePullSecrets}, nil
}

// The password reaches the tools through a config file written from the
// environment inside the pod: never a command line, never aura's output.
const mongoConfigScript = `set -eu
umask 077
esc="$(printf '%s' "$MONGODB_PASSWORD" | sed 's/[\\"]/\\&/g')"
printf 'password: "%s"\n' "$esc" > /tmp/mongo.yml
unset MONGODB_PASSWORD esc
`

const exportScript = mongoConfigScript + `mongoexport --uri "$MONGODB_SRV/$DATABASE" --username "$MONGODB_USER" --config /tmp/mongo.yml -c users --quiet --query "$QUERY" --out /tmp/users.json
az storage blob upload --only-show-errors --overwrite -c "$CONTAINER" -n "$BLOB" -f /tmp/users.json
`

const importScript = mongoConfigScript + `az storage blob download --only-show-errors -c "$CONTAINER" -n "$BLOB" -f /tmp/users.json
mongoimport --uri "$MONGODB_SRV/$DATABASE" --username "$MONGODB_USER" --config /tmp/mongo.yml -c users --mode upsert --file /tmp/users.json
`

func (t *mongoTarget) job(s *Side, name, run, blob, script string, extra ...corev1.EnvVar) *batchv1.Job {
	secret := func(name, key string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
	}
	env := []corev1.EnvVar{
		{Name: "MONGODB_USER", Value: t.user},
		{Name: "MONGODB_PASSWORD", ValueFrom: secret(adminUser, adminPasswordKy)},
		{Name: "MONGODB_SRV", Value: t.srv},
		{Name: "DATABASE", Value: t.database},
		{Name: "CONTAINER", Value: s.Info.BackupsContainer},
		{Name: "BLOB", Value: blob},
		{Name: "AZURE_STORAGE_ACCOUNT", ValueFrom: secret("aura-backups-storage", "account")},
		{Name: "AZURE_STORAGE_KEY", ValueFrom: secret("aura-backups-storage", "key")},
	}
	zero := int32(0)
	labels := map[string]string{runLabel: run, "app.kubernetes.io/name": "delta-users", "app.kubernetes.io/part-of": "aura"}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Info.SystemNamespace, Labels: labels},
		Spec: batchv1.JobSpec{BackoffLimit: &zero, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, ImagePullSecrets: t.pullSecrets,
				Containers: []corev1.Container{{Name: "delta-users", Image: t.image, Command: []string{"/bin/sh", "-c"},
					Args: []string{script}, Env: append(env, extra...)}}},
		}},
	}
}

// ExportUsers is the guide's delta-users export: the users created since
// the given time, as mongoexport writes them. The Job leaves them in the
// environment's backups container, which aura reads and then clears.
func ExportUsers(ctx context.Context, s *Side, since time.Time, o UsersOptions) ([]byte, error) {
	o.defaults()
	t, err := readMongoTarget(ctx, s)
	if err != nil {
		return nil, err
	}
	run := strings.ToLower(o.Now().UTC().Format("20060102t150405"))
	blob := progressPrefix + "users/export-" + run + ".json"
	query := fmt.Sprintf(`{ "created": { "$gte": { "$date": %q }}}`, since.UTC().Format(time.RFC3339))
	job := t.job(s, "aura-migrate-users-export-"+run, run, blob, exportScript, corev1.EnvVar{Name: "QUERY", Value: query})
	if _, err := runJob(ctx, s.Kube, job, o.Poll); err != nil {
		return nil, err
	}
	ref := s.blob(blob)
	data, err := s.Storage.GetBlob(ctx, ref)
	if errors.Is(err, provider.ErrNotFound) {
		return nil, fmt.Errorf("the export Job completed but wrote no %s", ref)
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Storage.DeleteBlob(ctx, ref); err != nil {
		return nil, err
	}
	return data, nil
}

// ImportUsers is the guide's delta-users import, with --mode upsert so
// that users the cluster migration already restored are updated, not
// duplicated, and a repeated import changes nothing.
func ImportUsers(ctx context.Context, s *Side, data []byte, o UsersOptions) error {
	o.defaults()
	t, err := readMongoTarget(ctx, s)
	if err != nil {
		return err
	}
	run := strings.ToLower(o.Now().UTC().Format("20060102t150405"))
	ref := s.blob(progressPrefix + "users/import-" + run + ".json")
	if _, err := s.Storage.PutBlob(ctx, ref, data); err != nil {
		return err
	}
	job := t.job(s, "aura-migrate-users-import-"+run, run, ref.Name, importScript)
	if _, err := runJob(ctx, s.Kube, job, o.Poll); err != nil {
		return err
	}
	if _, err := s.Storage.DeleteBlob(ctx, ref); err != nil && !provider.IsNotFound(err) {
		return err
	}
	return nil
}
