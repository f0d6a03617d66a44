package local

import (
	"context"
	"fmt"
	"maps"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindDatabricksJob = "databricks job"

// jobsDir holds a workspace's jobs beside the workspace's record, so that
// deleting the workspace takes them along, as Databricks does.
func jobsDir(workspace string) string { return "databricks/" + workspace + ".jobs" }

// EnsureDatabricksJob implements provider.Provider: the job is a record in
// its workspace's directory.
func (p *Provider) EnsureDatabricksJob(ctx context.Context, job provider.DatabricksJob) (provider.Change, error) {
	ws := job.Workspace
	if err := checkNames("resource group name", ws.ResourceGroup, "databricks workspace name", ws.Name, "databricks job name", job.Name); err != nil {
		return provider.Change{}, err
	}
	c := provider.Change{Kind: kindDatabricksJob, Name: job.Name}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return c, err
	}
	defer unlock()
	ok, err := exists(p.recordPath(ws.ResourceGroup, "databricks", ws.Name))
	if err != nil {
		return c, err
	}
	if !ok && !p.dry {
		return c, fmt.Errorf("local provider: databricks job %q: its workspace %q does not exist (deploy_common makes it when databricks_enabled is true): %w", job.Name, ws.Name, provider.ErrNotFound)
	}
	job.Tags = maps.Clone(job.Tags)
	c.Op, c.Detail, err = p.upsert(p.recordPath(ws.ResourceGroup, jobsDir(ws.Name), job.Name), job)
	return c, err
}

// DeleteDatabricksJob implements provider.Provider.
func (p *Provider) DeleteDatabricksJob(ctx context.Context, ref provider.DatabricksJobRef) (provider.Change, error) {
	ws := ref.Workspace
	if err := checkNames("resource group name", ws.ResourceGroup, "databricks workspace name", ws.Name, "databricks job name", ref.Name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(p.recordPath(ws.ResourceGroup, jobsDir(ws.Name), ref.Name), false)
	return provider.Change{Op: op, Kind: kindDatabricksJob, Name: ref.Name}, err
}
