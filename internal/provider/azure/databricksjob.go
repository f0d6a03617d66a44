package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindDatabricksJob = "databricks job"
	// jobPart is the task_key and job_cluster_key of what aura owns in
	// its job; tasks and clusters of other keys are someone else's.
	jobPart = "aura"
)

// jobsClientFor is the Jobs API of a workspace at the URL ARM reports;
// found is false when the workspace does not exist.
func (p *Provider) jobsClientFor(ctx context.Context, ref provider.ResourceRef) (*jobsClient, bool, error) {
	what := "databricks workspace " + ref.Name
	ws, err := settle(ctx, p, what, func(ctx context.Context) (*wsView, string, error) {
		w, st, err := p.getWorkspace(ctx, ref.ResourceGroup, ref.Name)
		if w == nil || err != nil {
			return nil, st, err
		}
		v := &wsView{id: str(w.ID)}
		if w.Properties != nil {
			v.url = str(w.Properties.WorkspaceURL)
		}
		return v, st, nil
	})
	if err != nil || ws == nil {
		return nil, false, p.wrap(err, "read "+what, "")
	}
	if ws.url == "" {
		return nil, true, fmt.Errorf("azure: %s has no workspace URL yet (Azure sets it once the workspace is provisioned): run again later", what)
	}
	return &jobsClient{pl: p.jobsPipeline, base: "https://" + strings.TrimSuffix(ws.url, "/"), resourceID: ws.id, retry: p.opts.Retry}, true, nil
}

type wsView struct{ id, url string }

// jobsErr says which job and workspace a Jobs API error is about, with
// what to do for the refusals a person can fix.
func jobsErr(err error, action string, ref provider.DatabricksJobRef) error {
	if err == nil {
		return nil
	}
	var ce *CredentialError
	if errors.As(err, &ce) {
		return err
	}
	e := fmt.Errorf("azure: %s databricks job %s in workspace %s: %w", action, ref.Name, ref.Workspace.Name, err)
	var je *JobsError
	if errors.As(err, &je) {
		switch {
		case je.Status == http.StatusUnauthorized || je.Status == http.StatusForbidden:
			return fmt.Errorf("%w\n  hint: the service principal needs Contributor (or Owner) on the workspace %s to be let in as its admin; `aura create_sp` grants Contributor on the subscription", e, ref.Workspace.Name)
		case je.Code == "INVALID_PARAMETER_VALUE" && strings.Contains(strings.ToLower(je.Message), "node type"):
			return fmt.Errorf("%w\n  hint: databricks.cluster.node_type_id must be a node type the workspace offers (the workspace's Compute page lists them)", e)
		case je.Code == "INVALID_PARAMETER_VALUE" && strings.Contains(strings.ToLower(je.Message), "cron"):
			return fmt.Errorf("%w\n  hint: check databricks.job.schedule (a Quartz cron: sec min hour day-of-month month day-of-week)", e)
		}
	}
	return e
}

// EnsureDatabricksJob implements provider.Provider: the job is found by
// name; it is created when absent and reset (every setting sent again,
// starting from what Databricks holds) only when a field aura owns differs.
func (p *Provider) EnsureDatabricksJob(ctx context.Context, job provider.DatabricksJob) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindDatabricksJob, Name: job.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	ref := job.Ref()
	jc, found, err := p.jobsClientFor(ctx, job.Workspace)
	if err != nil {
		return c, err
	}
	if !found {
		if p.dry {
			c.Op, c.Detail = provider.OpCreate, settings("once deploy_common has made workspace "+job.Workspace.Name, jobSettingsText(job), tagList(job.Tags))
			return c, nil
		}
		return c, fmt.Errorf("azure: databricks job %s: its workspace %s does not exist in resource group %s: run `aura deploy_common` with databricks_enabled: true first: %w",
			job.Name, job.Workspace.Name, job.Workspace.ResourceGroup, provider.ErrNotFound)
	}
	jobs, err := jc.list(ctx, job.Name)
	if err != nil {
		return c, jobsErr(err, "list", ref)
	}
	switch len(jobs) {
	case 0:
		c.Op, c.Detail = provider.OpCreate, settings(jobSettingsText(job), tagList(job.Tags))
		if p.dry {
			return c, nil
		}
		_, err := jc.create(ctx, jobBody(nil, job))
		return c, jobsErr(err, "create", ref)
	case 1:
	default:
		return c, fmt.Errorf("azure: databricks workspace %s holds %d jobs named %s (IDs %s): aura cannot tell which is its own; delete the others in the workspace's Jobs page",
			job.Workspace.Name, len(jobs), job.Name, jobIDs(jobs))
	}
	have := jobs[0]
	d := jobDrift(have.Settings, job)
	if len(d) == 0 {
		return c, nil
	}
	c.Op, c.Detail = provider.OpUpdate, changed(d)
	if p.dry {
		return c, nil
	}
	return c, jobsErr(jc.reset(ctx, have.JobID, jobBody(have.Settings, job)), "reset", ref)
}

// DeleteDatabricksJob implements provider.Provider: every job of the name
// goes (the name is aura's own).
func (p *Provider) DeleteDatabricksJob(ctx context.Context, ref provider.DatabricksJobRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindDatabricksJob, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	jc, found, err := p.jobsClientFor(ctx, ref.Workspace)
	if err != nil || !found {
		return c, err
	}
	jobs, err := jc.list(ctx, ref.Name)
	if err != nil || len(jobs) == 0 {
		return c, jobsErr(err, "list", ref)
	}
	c.Op, c.Detail = provider.OpDelete, "job ID "+jobIDs(jobs)
	if p.dry {
		return c, nil
	}
	for _, j := range jobs {
		err := jc.delete(ctx, j.JobID)
		var je *JobsError
		if errors.As(err, &je) && je.Code == "RESOURCE_DOES_NOT_EXIST" {
			continue // deleted by someone else since the list
		}
		if err != nil {
			return c, jobsErr(err, "delete", ref)
		}
	}
	return c, nil
}

func jobIDs(jobs []jobEntry) string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = fmt.Sprint(j.JobID)
	}
	return strings.Join(ids, ", ")
}

// jobSettingsText says what a new job is made with, for the plan.
func jobSettingsText(job provider.DatabricksJob) string {
	return fmt.Sprintf("schedule %q in %s, job cluster of %d %s worker(s) on runtime %s, notebook %s",
		job.Schedule, job.Timezone, job.Workers, job.NodeType, job.SparkVersion, job.NotebookPath)
}

// ownedSettings are the fields of a job's settings aura compares.
type ownedSettings struct {
	Schedule *struct {
		Cron     string `json:"quartz_cron_expression"`
		Timezone string `json:"timezone_id"`
	} `json:"schedule"`
	Tags        map[string]string `json:"tags"`
	JobClusters []struct {
		Key        string `json:"job_cluster_key"`
		NewCluster struct {
			NodeType     string `json:"node_type_id"`
			SparkVersion string `json:"spark_version"`
			Workers      int    `json:"num_workers"`
		} `json:"new_cluster"`
	} `json:"job_clusters"`
	Tasks []struct {
		Key      string `json:"task_key"`
		Cluster  string `json:"job_cluster_key"`
		Notebook *struct {
			Path string `json:"notebook_path"`
		} `json:"notebook_task"`
	} `json:"tasks"`
}

// cronFields compares crons by their fields, not their spacing.
func cronFields(s string) string { return strings.Join(strings.Fields(s), " ") }

// jobDrift names what aura owns that the job's settings lack.
func jobDrift(raw map[string]json.RawMessage, job provider.DatabricksJob) []string {
	var have ownedSettings
	data, _ := json.Marshal(raw)
	_ = json.Unmarshal(data, &have)
	var d []string
	if have.Schedule == nil || cronFields(have.Schedule.Cron) != cronFields(job.Schedule) {
		d = append(d, "schedule")
	}
	if have.Schedule == nil || have.Schedule.Timezone != job.Timezone {
		d = append(d, "timezone")
	}
	cluster := false
	for _, jc := range have.JobClusters {
		if jc.Key != jobPart {
			continue
		}
		cluster = true
		nc := jc.NewCluster
		if nc.NodeType != job.NodeType {
			d = append(d, "node type")
		}
		if nc.SparkVersion != job.SparkVersion || nc.Workers != job.Workers {
			d = append(d, "job cluster")
		}
	}
	if !cluster {
		d = append(d, "job cluster")
	}
	task := false
	for _, t := range have.Tasks {
		if t.Key == jobPart {
			task = t.Cluster == jobPart && t.Notebook != nil && t.Notebook.Path == job.NotebookPath
		}
	}
	if !task {
		d = append(d, "task")
	}
	if !covers(have.Tags, job.Tags) {
		d = append(d, "tags")
	}
	return d
}

func covers(have, want map[string]string) bool {
	for k, v := range want {
		if h, ok := have[k]; !ok || h != v {
			return false
		}
	}
	return true
}

// jobBody is the settings to create or reset the job with: what
// Databricks holds (have; nil for a create) with aura's fields set, so a
// reset keeps what others added (other tasks, notifications, a pause).
func jobBody(have map[string]json.RawMessage, job provider.DatabricksJob) map[string]any {
	s := map[string]any{}
	for k, v := range have {
		s[k] = v
	}
	s["name"] = job.Name
	sched := object(have["schedule"])
	if sched["pause_status"] == nil {
		sched["pause_status"] = "UNPAUSED"
	}
	sched["quartz_cron_expression"], sched["timezone_id"] = job.Schedule, job.Timezone
	s["schedule"] = sched
	tags := object(have["tags"])
	for k, v := range job.Tags {
		tags[k] = v
	}
	if len(tags) > 0 {
		s["tags"] = tags
	}
	if have == nil {
		s["max_concurrent_runs"] = 1
	}
	clusters := objects(have["job_clusters"])
	cl := part(&clusters, "job_cluster_key")
	nc, _ := cl["new_cluster"].(map[string]any)
	if nc == nil {
		nc = map[string]any{}
		cl["new_cluster"] = nc
	}
	nc["node_type_id"], nc["spark_version"], nc["num_workers"] = job.NodeType, job.SparkVersion, job.Workers
	s["job_clusters"] = clusters
	tasks := objects(have["tasks"])
	t := part(&tasks, "task_key")
	t["job_cluster_key"] = jobPart
	nb, _ := t["notebook_task"].(map[string]any)
	if nb == nil {
		nb = map[string]any{}
		t["notebook_task"] = nb
	}
	nb["notebook_path"] = job.NotebookPath
	s["tasks"] = tasks
	return s
}

// part finds aura's entry of a list of objects by key, adding it when
// absent.
func part(list *[]map[string]any, key string) map[string]any {
	for _, o := range *list {
		if o[key] == jobPart {
			return o
		}
	}
	o := map[string]any{key: jobPart}
	*list = append(*list, o)
	return o
}

// object and objects decode what Databricks sent, numbers kept exact.
func object(raw json.RawMessage) map[string]any {
	out := map[string]any{}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		_ = dec.Decode(&out)
	}
	return out
}

func objects(raw json.RawMessage) []map[string]any {
	var out []map[string]any
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		_ = dec.Decode(&out)
	}
	return out
}
