package migrate

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// LogsOptions tune a logs migration.
type LogsOptions struct {
	DryRun bool
	Out    io.Writer
	Poll   time.Duration // snapshot and restore progress (5s)
	Now    func() time.Time
}

// The four steps of the guide's "Logs migration".
var logsSteps = []string{"snapshot", "source-readonly", "dest-readwrite", "restore"}

type logsRecord struct {
	Source      string     `json:"source"`
	Destination string     `json:"destination"`
	Snapshot    string     `json:"snapshot"`
	Restoring   bool       `json:"restoring"` // the restore request was accepted
	Done        []string   `json:"done"`
	FinishedAt  *time.Time `json:"finished_at"`
}

// LogsMigration is `aura migrate logs`: the source's logs move through the
// snapshot repository both clusters share in the common storage account.
type LogsMigration struct {
	Src, Dst     *Info
	SrcES, DstES *Elastic
	Storage      provider.Storage // the destination's, for the progress record
	Opts         LogsOptions
}

// Run migrates, resuming a run that broke; a finished one is left alone.
func (m *LogsMigration) Run(ctx context.Context) error {
	o := &m.Opts
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Poll == 0 {
		o.Poll = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if m.Src.CommonStorage != m.Dst.CommonStorage || m.Src.CommonResourceGroup != m.Dst.CommonResourceGroup {
		return fmt.Errorf("--source-file %s uses common storage account %s/%s and --dest-file %s uses %s/%s: the logs move through one shared snapshot repository",
			m.Src.Path, m.Src.CommonResourceGroup, m.Src.CommonStorage, m.Dst.Path, m.Dst.CommonResourceGroup, m.Dst.CommonStorage)
	}
	st := newStore(m.Storage, m.Dst, "logs/"+recordName(m.Src)+"--"+recordName(m.Dst)+".json", o.DryRun)
	rec := &logsRecord{}
	found, err := st.load(ctx, rec)
	if err != nil {
		return err
	}
	if found && rec.FinishedAt != nil {
		fmt.Fprintf(o.Out, "logs migration %s → %s (snapshot %s) finished at %s: nothing to do\n",
			m.Src.Label(), m.Dst.Label(), rec.Snapshot, rec.FinishedAt.Format(time.RFC3339))
		return nil
	}
	if !found {
		rec = &logsRecord{Source: m.Src.Label(), Destination: m.Dst.Label(),
			Snapshot: "aura-migration-" + strings.ToLower(o.Now().UTC().Format("20060102t150405"))}
	} else {
		fmt.Fprintf(o.Out, "resuming logs migration (snapshot %s, done: %s)\n", rec.Snapshot, strings.Join(rec.Done, ", "))
	}
	srcRepo, err := m.SrcES.repository(ctx)
	if err != nil {
		return fmt.Errorf("source %s: %w", m.Src.Label(), err)
	}
	dstRepo, err := m.DstES.repository(ctx)
	if err != nil {
		return fmt.Errorf("destination %s: %w", m.Dst.Label(), err)
	}
	if !srcRepo.readonly() && !dstRepo.readonly() {
		return fmt.Errorf("the %s snapshot repositories of %s and %s are both read-write: only one cluster may write to a shared repository; deploy the destination with eck_azure_snapshot_readonly: true, then run this again",
			snapshotRepository, m.Src.Label(), m.Dst.Label())
	}
	for _, k := range []string{"container", "base_path"} {
		if fmt.Sprint(srcRepo.Settings[k]) != fmt.Sprint(dstRepo.Settings[k]) {
			return fmt.Errorf("the %s repositories differ in %s (source %v, destination %v): the destination cannot read the source's snapshots",
				snapshotRepository, k, srcRepo.Settings[k], dstRepo.Settings[k])
		}
	}
	for i, step := range logsSteps {
		label := fmt.Sprintf("%d. %s", i+1, m.describe(step, rec))
		if slices.Contains(rec.Done, step) {
			fmt.Fprintf(o.Out, "%s: done\n", label)
			continue
		}
		if o.DryRun {
			fmt.Fprintf(o.Out, "%s: would run\n", label)
			continue
		}
		fmt.Fprintf(o.Out, "%s: running\n", label)
		if err := m.run(ctx, step, rec, st, srcRepo, dstRepo); err != nil {
			return fmt.Errorf("migrate logs, step %d (%s): %w; re-run the same command to continue from here", i+1, step, err)
		}
		rec.Done = append(rec.Done, step)
		if err := st.save(ctx, rec); err != nil {
			return err
		}
	}
	if o.DryRun {
		fmt.Fprintln(o.Out, "dry run: nothing was changed")
		return nil
	}
	now := o.Now().UTC()
	rec.FinishedAt = &now
	if err := st.save(ctx, rec); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "logs migration %s → %s finished\n", m.Src.Label(), m.Dst.Label())
	return nil
}

func (m *LogsMigration) describe(step string, rec *logsRecord) string {
	switch step {
	case "snapshot":
		return fmt.Sprintf("snapshot %s of %s in %s into repository %s", logIndices, m.Src.Label(), rec.Snapshot, snapshotRepository)
	case "source-readonly":
		return fmt.Sprintf("set %s of %s read-only", snapshotRepository, m.Src.Label())
	case "dest-readwrite":
		return fmt.Sprintf("set %s of %s read-write", snapshotRepository, m.Dst.Label())
	}
	return fmt.Sprintf("restore %s in %s as %s*", rec.Snapshot, m.Dst.Label(), restoredPrefix)
}

func (m *LogsMigration) run(ctx context.Context, step string, rec *logsRecord, st *store, srcRepo, dstRepo *repository) error {
	switch step {
	case "snapshot":
		state, err := m.SrcES.snapshotState(ctx, rec.Snapshot)
		if err != nil {
			return err
		}
		if state == "" {
			if srcRepo.readonly() {
				return fmt.Errorf("the source's repository %s is read-only: it cannot take the snapshot", snapshotRepository)
			}
			if err := m.SrcES.createSnapshot(ctx, rec.Snapshot); err != nil {
				return err
			}
		}
		return wait.PollUntilContextCancel(ctx, m.Opts.Poll, true, func(ctx context.Context) (bool, error) {
			state, err := m.SrcES.snapshotState(ctx, rec.Snapshot)
			switch {
			case err != nil:
				return false, err
			case state == "SUCCESS":
				return true, nil
			case state == "IN_PROGRESS" || state == "":
				return false, nil
			}
			return false, fmt.Errorf("snapshot %s ended %s", rec.Snapshot, state)
		})
	case "source-readonly":
		if srcRepo.readonly() {
			return nil
		}
		return m.SrcES.setReadonly(ctx, srcRepo, true)
	case "dest-readwrite":
		if !dstRepo.readonly() {
			return nil
		}
		return m.DstES.setReadonly(ctx, dstRepo, false)
	}
	if !rec.Restoring {
		state, err := m.DstES.snapshotState(ctx, rec.Snapshot)
		if err != nil {
			return err
		}
		if state != "SUCCESS" {
			return fmt.Errorf("the destination does not see snapshot %s in %s (state %q)", rec.Snapshot, snapshotRepository, state)
		}
		if err := m.DstES.restore(ctx, rec.Snapshot); err != nil {
			return err
		}
		rec.Restoring = true
		if err := st.save(ctx, rec); err != nil {
			return err
		}
	}
	return wait.PollUntilContextCancel(ctx, m.Opts.Poll, true, func(ctx context.Context) (bool, error) {
		return m.DstES.restored(ctx)
	})
}
