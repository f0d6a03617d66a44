package phase

import (
	"context"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// The Databricks job deploy_core schedules in the workspace deploy_common
// made (guide: "Enable Databricks deployment"). The guide names what the
// job runs on (databricks.cluster.node_type_id) and when
// (databricks.job.schedule, in the OB's time zone), not the rest: these
// are aura's.
const (
	// databricksSparkVersion is the Databricks Runtime of the job cluster
	// (15.4 LTS).
	databricksSparkVersion = "15.4.x-scala2.12"
	databricksWorkers      = 1
	// databricksNotebook is the workspace notebook the job runs.
	databricksNotebook = "/Shared/aura/aura-job"
)

func (e *Env) databricksWorkspace() provider.ResourceRef {
	return provider.ResourceRef{ResourceGroup: e.commonRG(), Name: "aura-databricks-" + e.Cfg.Derived.EnvironmentName}
}

func (e *Env) databricksJob() provider.DatabricksJob {
	c := e.Cfg
	tz, _ := config.OBTimezone(c.EnvironmentProfile)
	return provider.DatabricksJob{Workspace: e.databricksWorkspace(), Name: "aura-job-" + c.Derived.EnvironmentName,
		Schedule: c.Databricks.Job.Schedule, Timezone: tz, NodeType: c.Databricks.Cluster.NodeTypeID,
		SparkVersion: databricksSparkVersion, Workers: databricksWorkers, NotebookPath: databricksNotebook, Tags: c.ResourcesTags}
}

func (e *Env) databricksJobAction() Action {
	job := e.databricksJob()
	return ProviderAction("databricks job "+job.Name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		return p.EnsureDatabricksJob(ctx, job)
	})
}

func (e *Env) deleteDatabricksJobAction() Action {
	ref := e.databricksJob().Ref()
	return ProviderAction("delete databricks job "+ref.Name, e.Provider, func(ctx context.Context, p provider.Provider) (Change, error) {
		return p.DeleteDatabricksJob(ctx, ref)
	})
}
