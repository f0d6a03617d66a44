package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// Side is one environment of a migration: its info file, its cluster and
// its storage.
type Side struct {
	Info    *Info
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	Storage provider.Storage
}

func (s *Side) backups() provider.ContainerRef {
	return provider.ContainerRef{ResourceGroup: s.Info.CommonResourceGroup, Account: s.Info.CommonStorage, Container: s.Info.BackupsContainer}
}

func (s *Side) blob(name string) provider.BlobRef {
	c := s.backups()
	return provider.BlobRef{ResourceGroup: c.ResourceGroup, Account: c.Account, Container: c.Container, Name: name}
}

// ClusterOptions tune a cluster migration.
type ClusterOptions struct {
	DryRun           bool          // print the steps, change nothing
	PauseSourceAtlas bool          // set the skip reconciliation policy on the source's Atlas objects
	Restart          bool          // start a new migration after a finished one
	Out              io.Writer     // progress lines
	Poll             time.Duration // how often Jobs and scaling are checked (2s)
	Now              func() time.Time
}

// The six steps of the guide's "Cluster migration", in order.
const (
	stepBackup    = "backup"
	stepCopy      = "copy"
	stepScaleDown = "scale-down"
	stepRestore   = "restore"
	stepReindex   = "reindex"
	stepScaleUp   = "scale-up"
)

var clusterSteps = []string{stepBackup, stepCopy, stepScaleDown, stepRestore, stepReindex, stepScaleUp}

// clusterRecord is the progress of one cluster migration.
type clusterRecord struct {
	Source      string            `json:"source"`
	Destination string            `json:"destination"`
	Run         string            `json:"run"`         // names this run's Jobs
	Databases   []string          `json:"databases"`   // what this run migrates
	Backups     map[string]string `json:"backups"`     // database → backup blob in the source
	Copied      map[string]string `json:"copied"`      // database → restore blob in the destination
	Restored    map[string]bool   `json:"restored"`    // database → restore Job completed
	Recorded    bool              `json:"recorded"`    // Workloads holds the counts from before scale-down
	Workloads   []Workload        `json:"workloads"`   // replica counts to scale back to
	Done        []string          `json:"done"`        // finished steps
	Finished    bool              `json:"finished"`    // the whole run
	FinishedAt  *time.Time        `json:"finished_at"` // when it finished
}

func (r *clusterRecord) done(step string) bool { return slices.Contains(r.Done, step) }

// ClusterMigration is `aura migrate cluster`.
type ClusterMigration struct {
	Src, Dst *Side
	Opts     ClusterOptions

	rec   *clusterRecord
	store *store
	mongo string // why MongoDB is not migrated; "" when it is
}

// Run migrates, resuming a run that broke. A finished migration is left
// alone unless Opts.Restart.
func (m *ClusterMigration) Run(ctx context.Context) error {
	o := &m.Opts
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Poll == 0 {
		o.Poll = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	src, dst := m.Src.Info, m.Dst.Info
	if src.ClusterResourceGroup == dst.ClusterResourceGroup && src.ClusterName == dst.ClusterName && src.SystemNamespace == dst.SystemNamespace {
		return fmt.Errorf("--source-file %s and --dest-file %s describe the same cluster %s: nothing to migrate", src.Path, dst.Path, src.ClusterName)
	}
	m.mongo = mongoSkipReason(src, dst)
	m.store = newStore(m.Dst.Storage, dst, "cluster/"+recordName(src)+"--"+recordName(dst)+".json", o.DryRun)
	rec := &clusterRecord{}
	found, err := m.store.load(ctx, rec)
	if err != nil {
		return err
	}
	switch {
	case found && rec.Finished && !o.Restart:
		fmt.Fprintf(o.Out, "migration %s → %s (run %s) finished at %s: nothing to do (--restart starts a new one)\n",
			src.Label(), dst.Label(), rec.Run, rec.FinishedAt.Format(time.RFC3339))
		return nil
	case found && !rec.Finished && o.Restart:
		return fmt.Errorf("--restart: migration run %s is half done (done: %s); run without --restart to finish it first",
			rec.Run, strings.Join(rec.Done, ", "))
	case !found || rec.Finished:
		rec = &clusterRecord{Source: src.Label(), Destination: dst.Label(), Run: strings.ToLower(o.Now().UTC().Format("20060102t150405")),
			Databases: m.databases(), Backups: map[string]string{}, Copied: map[string]string{}, Restored: map[string]bool{}}
	default:
		fmt.Fprintf(o.Out, "resuming migration run %s (done: %s)\n", rec.Run, strings.Join(rec.Done, ", "))
	}
	m.rec = rec
	if err := m.checkAtlas(ctx); err != nil {
		return err
	}
	if m.mongo != "" {
		fmt.Fprintf(o.Out, "mongodb: not migrated: %s\n", m.mongo)
	}
	for i, step := range clusterSteps {
		label := fmt.Sprintf("%d. %s: %s", i+1, step, m.describe(step))
		switch {
		case rec.done(step):
			fmt.Fprintf(o.Out, "%s: done\n", label)
			continue
		case m.skip(step) != "":
			fmt.Fprintf(o.Out, "%s: skipped: %s\n", label, m.skip(step))
		case o.DryRun:
			fmt.Fprintf(o.Out, "%s: would run\n", label)
			continue
		default:
			fmt.Fprintf(o.Out, "%s: running\n", label)
			if err := m.run(ctx, step); err != nil {
				return fmt.Errorf("migrate cluster, step %d (%s): %w; re-run the same command to continue from here", i+1, step, err)
			}
		}
		if o.DryRun {
			continue
		}
		rec.Done = append(rec.Done, step)
		if err := m.store.save(ctx, rec); err != nil {
			return err
		}
	}
	if o.DryRun {
		fmt.Fprintln(o.Out, "dry run: nothing was changed")
		return nil
	}
	now := o.Now().UTC()
	rec.Finished, rec.FinishedAt = true, &now
	if err := m.store.save(ctx, rec); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "migration %s → %s finished\n", src.Label(), dst.Label())
	return nil
}

// recordName names a side in the progress record's blob name.
func recordName(i *Info) string {
	return i.EnvironmentName + "." + i.ClusterName + "." + i.CoreNamespace
}

// mongoSkipReason says why MongoDB is not backed up and restored.
func mongoSkipReason(src, dst *Info) string {
	switch {
	case !src.AtlasEnabled:
		return "the source has no MongoDB (atlas_enabled is false)"
	case !dst.AtlasEnabled:
		return "the destination has no MongoDB (atlas_enabled is false)"
	case sameAtlas(src, dst):
		return fmt.Sprintf("both environments use the same Atlas deployment %s/%s: its data is already in place", src.AtlasProject, src.AtlasCluster)
	}
	return ""
}

func (m *ClusterMigration) databases() []string {
	if m.mongo == "" {
		return []string{"mongodb", "redis"}
	}
	return []string{"redis"}
}

func (m *ClusterMigration) migratesMongo() bool { return slices.Contains(m.rec.Databases, "mongodb") }

func (m *ClusterMigration) skip(step string) string {
	if step == stepReindex && !m.migratesMongo() {
		return "MongoDB is not restored"
	}
	return ""
}

func (m *ClusterMigration) describe(step string) string {
	src, dst := m.Src.Info, m.Dst.Info
	dbs := strings.Join(m.rec.Databases, ", ")
	switch step {
	case stepBackup:
		return fmt.Sprintf("back up %s in %s into %s/%s", dbs, src.Label(), src.CommonStorage, src.BackupsContainer)
	case stepCopy:
		return fmt.Sprintf("copy the backups to %s/%s (<database>/restore/)", dst.CommonStorage, dst.BackupsContainer)
	case stepScaleDown:
		return fmt.Sprintf("scale every workload of %s to 0 in %s", strings.Join(m.coreNamespaces(), ", "), dst.Label())
	case stepRestore:
		return fmt.Sprintf("restore %s in %s, cleaning it first", dbs, dst.Label())
	case stepReindex:
		return "rebuild the MongoDB indexes in the destination"
	case stepScaleUp:
		return "scale the destination's workloads back to their replica counts"
	}
	return step
}

func (m *ClusterMigration) coreNamespaces() []string {
	ns := []string{m.Dst.Info.CoreNamespace}
	if a := m.Dst.Info.AgentsNamespace; a != "" && a != ns[0] {
		ns = append(ns, a)
	}
	return ns
}

// checkAtlas refuses to run while two Atlas operators would manage one
// Atlas project: the source's objects must carry the skip policy.
func (m *ClusterMigration) checkAtlas(ctx context.Context) error {
	src, dst := m.Src.Info, m.Dst.Info
	if !src.AtlasEnabled || !dst.AtlasEnabled || src.AtlasProject != dst.AtlasProject {
		return nil
	}
	objs, err := unpausedAtlas(ctx, m.Src.Dynamic, src.SystemNamespace)
	if err != nil || len(objs) == 0 {
		return err
	}
	if !m.Opts.PauseSourceAtlas {
		return fmt.Errorf("the source's Atlas objects %s lack the annotation %s: %s, so its Atlas operator still manages project %s that the destination's manages too: annotate them (guide \"New cluster\") or pass --pause-source-atlas",
			atlasNames(objs), reconcilePolicy, reconcilePolicySkip, src.AtlasProject)
	}
	if m.Opts.DryRun {
		fmt.Fprintf(m.Opts.Out, "would annotate %s in %s with %s: %s\n", atlasNames(objs), src.Label(), reconcilePolicy, reconcilePolicySkip)
		return nil
	}
	fmt.Fprintf(m.Opts.Out, "annotating %s in %s with %s: %s\n", atlasNames(objs), src.Label(), reconcilePolicy, reconcilePolicySkip)
	return pauseAtlas(ctx, m.Src.Dynamic, objs)
}

func (m *ClusterMigration) run(ctx context.Context, step string) error {
	switch step {
	case stepBackup:
		return m.backup(ctx)
	case stepCopy:
		return m.copyBackups(ctx)
	case stepScaleDown:
		return m.scaleDown(ctx)
	case stepRestore:
		return m.restore(ctx)
	case stepReindex:
		return m.reindex(ctx)
	case stepScaleUp:
		return m.scaleUp(ctx)
	}
	return fmt.Errorf("unknown step %q", step)
}

func (m *ClusterMigration) jobName(db, what string) string {
	return "aura-migrate-" + db + "-" + what + "-" + m.rec.Run
}

// backup runs the source's backup CronJobs as Jobs and finds the blob each
// wrote (the CronJob names it after the time it ran).
func (m *ClusterMigration) backup(ctx context.Context) error {
	ns := m.Src.Info.SystemNamespace
	for _, db := range m.rec.Databases {
		if m.rec.Backups[db] != "" {
			continue
		}
		cj, err := cronJob(ctx, m.Src.Kube, ns, db+"-backup")
		if err != nil {
			return err
		}
		job, err := runJob(ctx, m.Src.Kube, jobFromCronJob(cj, m.jobName(db, "backup"), m.rec.Run), m.Opts.Poll)
		if err != nil {
			return err
		}
		name, err := m.newestBackup(ctx, db, job.CreationTimestamp.Time)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Opts.Out, "   %s backup: %s\n", db, name)
		m.rec.Backups[db] = name
		if err := m.store.save(ctx, m.rec); err != nil {
			return err
		}
	}
	return nil
}

// backupClockSkew allows for the Job's node clock running behind the API
// server's; nightly backups are hours apart, so it cannot pick an old one.
const backupClockSkew = 2 * time.Minute

// newestBackup is the newest DB/DB-YYYYMMDDTHHMMSSZ.* blob written since the
// Job was created.
func (m *ClusterMigration) newestBackup(ctx context.Context, db string, since time.Time) (string, error) {
	prefix := db + "/" + db + "-"
	names, err := m.Src.Storage.ListBlobs(ctx, m.Src.backups(), prefix)
	if err != nil {
		return "", err
	}
	best := ""
	var bestAt time.Time
	for _, n := range names {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(n, prefix), ".")
		at, err := time.Parse("20060102T150405Z", stamp)
		if err != nil || at.Before(since.Add(-backupClockSkew)) {
			continue
		}
		if best == "" || at.After(bestAt) {
			best, bestAt = n, at
		}
	}
	if best == "" {
		return "", fmt.Errorf("the %s backup Job completed but %s/%s holds no %s* written since %s",
			db, m.Src.Info.CommonStorage, m.Src.Info.BackupsContainer, prefix, since.UTC().Format(time.RFC3339))
	}
	return best, nil
}

// copyBackups copies each backup to DB/restore/ in the destination, where
// the restore CronJobs take the newest blob. It reads and writes through
// the Storage role (no server-side copy between accounts yet).
func (m *ClusterMigration) copyBackups(ctx context.Context) error {
	for _, db := range m.rec.Databases {
		if m.rec.Copied[db] != "" {
			continue
		}
		from := m.rec.Backups[db]
		if from == "" {
			return fmt.Errorf("no %s backup recorded", db)
		}
		data, err := m.Src.Storage.GetBlob(ctx, m.Src.blob(from))
		if errors.Is(err, provider.ErrNotFound) {
			return fmt.Errorf("backup %s/%s/%s is gone (deleted by retention?): re-run with --restart after this run is cleaned up", m.Src.Info.CommonStorage, m.Src.Info.BackupsContainer, from)
		}
		if err != nil {
			return err
		}
		to := db + "/restore/" + path.Base(from)
		if _, err := m.Dst.Storage.PutBlob(ctx, m.Dst.blob(to), data); err != nil {
			return err
		}
		fmt.Fprintf(m.Opts.Out, "   %s → %s/%s/%s\n", from, m.Dst.Info.CommonStorage, m.Dst.Info.BackupsContainer, to)
		m.rec.Copied[db] = to
		if err := m.store.save(ctx, m.rec); err != nil {
			return err
		}
	}
	return nil
}

// scaleDown records every replica count before changing any, so a run that
// breaks half way still scales back to the counts from before it.
func (m *ClusterMigration) scaleDown(ctx context.Context) error {
	if !m.rec.Recorded {
		ws, err := listWorkloads(ctx, m.Dst.Kube, m.coreNamespaces())
		if err != nil {
			return err
		}
		m.rec.Workloads, m.rec.Recorded = ws, true
		if err := m.store.save(ctx, m.rec); err != nil {
			return err
		}
	}
	for _, w := range m.rec.Workloads {
		if err := setReplicas(ctx, m.Dst.Kube, w, 0); err != nil {
			return err
		}
	}
	if err := waitScaledDown(ctx, m.Dst.Kube, m.rec.Workloads, m.Opts.Poll); err != nil {
		return err
	}
	fmt.Fprintf(m.Opts.Out, "   %d workloads at 0 replicas\n", len(m.rec.Workloads))
	return nil
}

func (m *ClusterMigration) restore(ctx context.Context) error {
	ns := m.Dst.Info.SystemNamespace
	for _, db := range m.rec.Databases {
		if m.rec.Restored[db] {
			continue
		}
		cj, err := cronJob(ctx, m.Dst.Kube, ns, db+"-restore")
		if err != nil {
			return err
		}
		if _, err := runJob(ctx, m.Dst.Kube, jobFromCronJob(cj, m.jobName(db, "restore"), m.rec.Run), m.Opts.Poll); err != nil {
			return err
		}
		m.rec.Restored[db] = true
		if err := m.store.save(ctx, m.rec); err != nil {
			return err
		}
	}
	return nil
}

func (m *ClusterMigration) reindex(ctx context.Context) error {
	cj, err := cronJob(ctx, m.Dst.Kube, m.Dst.Info.SystemNamespace, "mongodb-restore")
	if err != nil {
		return err
	}
	job := jobFromCronJob(cj, m.jobName("mongodb", "reindex"), m.rec.Run)
	if err := reindexJob(job); err != nil {
		return err
	}
	_, err = runJob(ctx, m.Dst.Kube, job, m.Opts.Poll)
	return err
}

func (m *ClusterMigration) scaleUp(ctx context.Context) error {
	if !m.rec.Restored["redis"] || (m.migratesMongo() && !m.rec.Restored["mongodb"]) {
		return errors.New("the restore has not finished: refusing to scale the destination back")
	}
	for _, w := range m.rec.Workloads {
		if err := setReplicas(ctx, m.Dst.Kube, w, w.Replicas); err != nil {
			return err
		}
		fmt.Fprintf(m.Opts.Out, "   %s: %d replicas\n", w, w.Replicas)
	}
	return nil
}
