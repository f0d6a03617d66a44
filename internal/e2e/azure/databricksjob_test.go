package azure

import (
	"encoding/json"
	"strings"

	"github.com/auracognitive/aurak8s/internal/config"
)

// dbxJob is what a user reads of the job on the workspace's Jobs page.
type dbxJob struct {
	Name     string `json:"name"`
	Schedule struct {
		Cron     string `json:"quartz_cron_expression"`
		Timezone string `json:"timezone_id"`
	} `json:"schedule"`
	JobClusters []struct {
		NewCluster struct {
			NodeType string `json:"node_type_id"`
		} `json:"new_cluster"`
	} `json:"job_clusters"`
}

func (w *world) workspaceName() string { return "aura-databricks-" + w.config.Derived.EnvironmentName }

// dbxJobs are the jobs of the environment's workspace.
func (w *world) dbxJobs() []dbxJob {
	w.t.Helper()
	var out []dbxJob
	for _, settings := range w.cloud.Jobs(w.config.Derived.CommonResourceGroup, w.workspaceName()) {
		data, err := json.Marshal(settings)
		if err != nil {
			w.t.Fatal(err)
		}
		var j dbxJob
		if err := json.Unmarshal(data, &j); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, j)
	}
	return out
}

// checkDatabricksJob: deploy_core made one job on the workspace with the
// config's schedule in the OB's time zone and its node type, with exactly
// one create call to the workspace.
func (w *world) checkDatabricksJob(deployed result) {
	w.t.Helper()
	jobs := w.dbxJobs()
	tz, _ := config.OBTimezone(w.config.EnvironmentProfile)
	want := "aura-job-" + w.config.Derived.EnvironmentName
	if len(jobs) != 1 || jobs[0].Name != want || jobs[0].Schedule.Cron != w.config.Databricks.Job.Schedule ||
		jobs[0].Schedule.Timezone != tz || len(jobs[0].JobClusters) != 1 || jobs[0].JobClusters[0].NewCluster.NodeType != w.config.Databricks.Cluster.NodeTypeID {
		w.t.Errorf("Databricks jobs %+v, want one %s on %q in %s with node type %s", jobs, want,
			w.config.Databricks.Job.Schedule, tz, w.config.Databricks.Cluster.NodeTypeID)
	}
	var creates int
	for _, wr := range deployed.writes {
		if strings.HasSuffix(wr, "/jobs/create") {
			creates++
		}
	}
	if creates != 1 {
		w.t.Errorf("deploy_core called the Jobs API's create %d times, want 1: %q", creates, deployed.writes)
	}
}
