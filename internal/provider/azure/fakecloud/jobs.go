package fakecloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // timezone_id is checked as Databricks does, wherever the test runs
)

// The Databricks Jobs API 2.1 of the fake's workspaces: list, create,
// reset and delete, with the checks Databricks makes on what aura sends.
// In process, a workspace is reached at its workspaceUrl
// (adb-ID.azuredatabricks.net, through Transport); over HTTPS, the Server
// gives workspaces a workspaceUrl under its own address.

// dbxJob is a job as the Jobs API keeps it.
type dbxJob struct {
	JobID       int64          `json:"job_id"`
	Workspace   string         `json:"workspace_id"`
	CreatedTime int64          `json:"created_time"`
	Settings    map[string]any `json:"settings"`
}

// JobsPathPrefix starts the Jobs API routes.
const JobsPathPrefix = "/api/2.1/jobs/"

var inProcessWorkspace = regexp.MustCompile(`^adb-(\d+)\.azuredatabricks\.net$`)

// workspaceURL is a new workspace's workspaceUrl.
func (c *Cloud) workspaceURL(id string) string {
	if c.WorkspaceURL != nil {
		return c.WorkspaceURL(id)
	}
	return "adb-" + id + ".azuredatabricks.net"
}

// Jobs returns the settings of a workspace's jobs, by job ID.
func (c *Cloud) Jobs(rg, workspace string) map[int64]map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int64]map[string]any{}
	w := c.workspaces[key(rg, workspace)]
	if w == nil {
		return out
	}
	for _, j := range c.jobs {
		if j.Workspace == str(w.Properties.WorkspaceID) {
			out[j.JobID] = *clone(&j.Settings)
		}
	}
	return out
}

// AddJob makes a job in a workspace as someone else would (in the
// workspace's UI), returning its ID.
func (c *Cloud) AddJob(rg, workspace string, settings map[string]any) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.workspaces[key(rg, workspace)]
	return c.addJob(str(w.Properties.WorkspaceID), *clone(&settings))
}

func (c *Cloud) addJob(ws string, settings map[string]any) int64 {
	id := int64(c.next())*1000 + 7
	c.jobs[strconv.FormatInt(id, 10)] = &dbxJob{JobID: id, Workspace: ws, CreatedTime: time.Now().UnixMilli(), Settings: settings}
	return id
}

func (c *Cloud) deleteJobsOf(ws string) {
	for k, j := range c.jobs {
		if j.Workspace == ws {
			delete(c.jobs, k)
		}
	}
}

// serveJobsInProcess answers a Jobs API request sent through Transport.
func (c *Cloud) serveJobsInProcess(req *http.Request) (*http.Response, bool) {
	m := inProcessWorkspace.FindStringSubmatch(req.URL.Host)
	if m == nil || !strings.HasPrefix(req.URL.Path, JobsPathPrefix) {
		return nil, false
	}
	rec := httptest.NewRecorder()
	if tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); !ok || tok == "" {
		jobsError(rec, http.StatusUnauthorized, "UNAUTHENTICATED", "no bearer token")
	} else {
		c.ServeJobs(rec, req, m[1], strings.TrimPrefix(req.URL.Path, JobsPathPrefix))
	}
	resp := rec.Result()
	resp.Request = req
	return resp, true
}

// ServeJobs answers one Jobs API request (op: list, create, reset,
// delete) of the workspace whose workspaceId is ws. The caller checked the
// token.
func (c *Cloud) ServeJobs(w http.ResponseWriter, r *http.Request, ws, op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var wsp *string
	for _, x := range c.workspaces {
		if str(x.Properties.WorkspaceID) == ws {
			wsp = x.ID
		}
	}
	if wsp == nil {
		jobsError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "no workspace "+ws)
		return
	}
	if rid := r.Header.Get("X-Databricks-Azure-Workspace-Resource-Id"); rid != "" && !strings.EqualFold(rid, *wsp) {
		jobsError(w, http.StatusForbidden, "PERMISSION_DENIED", "the workspace resource ID header names another workspace")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost {
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			jobsError(w, http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request")
			return
		}
	}
	switch r.Method + " " + op {
	case "GET list":
		c.listJobs(w, r, ws)
	case "POST create":
		if msg := c.checkSettings(body); msg != "" {
			jobsError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", msg)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"job_id": c.addJob(ws, body)})
	case "POST reset":
		j, ok := c.jobOf(w, ws, body)
		if !ok {
			return
		}
		s, _ := body["new_settings"].(map[string]any)
		if msg := c.checkSettings(s); msg != "" {
			jobsError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", msg)
			return
		}
		j.Settings = s
		writeJSON(w, http.StatusOK, map[string]any{})
	case "POST delete":
		j, ok := c.jobOf(w, ws, body)
		if !ok {
			return
		}
		delete(c.jobs, strconv.FormatInt(j.JobID, 10))
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		jobsError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+r.Method+" "+r.URL.Path+"'")
	}
}

func (c *Cloud) jobOf(w http.ResponseWriter, ws string, body map[string]any) (*dbxJob, bool) {
	n, _ := body["job_id"].(json.Number)
	j, ok := c.jobs[n.String()]
	if n == "" || !ok || j.Workspace != ws {
		jobsError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("Job %s does not exist.", n))
		return nil, false
	}
	return j, true
}

func (c *Cloud) listJobs(w http.ResponseWriter, r *http.Request, ws string) {
	q := r.URL.Query()
	limit := 20
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			jobsError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "limit must be between 1 and 100")
			return
		}
		limit = n
	}
	offset, _ := strconv.Atoi(q.Get("page_token"))
	var all []*dbxJob
	for _, j := range c.jobs {
		name, _ := j.Settings["name"].(string)
		if j.Workspace == ws && (q.Get("name") == "" || strings.EqualFold(name, q.Get("name"))) {
			all = append(all, j)
		}
	}
	slices.SortFunc(all, func(a, b *dbxJob) int { return int(a.JobID - b.JobID) })
	out := map[string]any{"has_more": false}
	var page []map[string]any
	for i, j := range all {
		if i < offset {
			continue
		}
		if len(page) == limit {
			out["has_more"], out["next_page_token"] = true, strconv.Itoa(i)
			break
		}
		s := maps.Clone(*clone(&j.Settings))
		if q.Get("expand_tasks") != "true" {
			delete(s, "tasks")
			delete(s, "job_clusters")
		}
		page = append(page, map[string]any{"job_id": j.JobID, "created_time": j.CreatedTime, "creator_user_name": "aura-sp", "settings": s})
	}
	if len(page) > 0 {
		out["jobs"] = page
	}
	writeJSON(w, http.StatusOK, out)
}

// checkSettings refuses what Databricks refuses of a job's settings (""
// when they are fine).
func (c *Cloud) checkSettings(s map[string]any) string {
	if s == nil {
		return "Missing required field: settings"
	}
	if name, _ := s["name"].(string); name == "" {
		return "Job name must not be empty"
	}
	clusters := map[string]bool{}
	for _, jc := range list(s["job_clusters"]) {
		k, _ := jc["job_cluster_key"].(string)
		nc, _ := jc["new_cluster"].(map[string]any)
		nt, _ := nc["node_type_id"].(string)
		sv, _ := nc["spark_version"].(string)
		switch {
		case sv == "":
			return "Missing required field: spark_version"
		case nt == "" || (c.DatabricksNodeTypes == nil && !strings.HasPrefix(nt, "Standard_")) ||
			(c.DatabricksNodeTypes != nil && !slices.Contains(c.DatabricksNodeTypes, nt)):
			return fmt.Sprintf("Node type %s is not supported. Supported node types: %s", nt, strings.Join(c.DatabricksNodeTypes, ", "))
		}
		clusters[k] = true
	}
	tasks := list(s["tasks"])
	if len(tasks) == 0 {
		return "Job must have at least one task"
	}
	for _, t := range tasks {
		if k, _ := t["job_cluster_key"].(string); k != "" && !clusters[k] {
			return fmt.Sprintf("The job cluster key %s is not defined in job_clusters", k)
		}
	}
	if sch, ok := s["schedule"].(map[string]any); ok {
		cron, _ := sch["quartz_cron_expression"].(string)
		tz, _ := sch["timezone_id"].(string)
		if n := len(strings.Fields(cron)); n < 6 || n > 7 {
			return fmt.Sprintf("Invalid Quartz Cron Expression: %q", cron)
		}
		if _, err := time.LoadLocation(tz); tz == "" || err != nil {
			return fmt.Sprintf("Invalid timezone_id: %q", tz)
		}
	}
	return ""
}

func list(v any) []map[string]any {
	var out []map[string]any
	items, _ := v.([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func jobsError(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(map[string]any{"error_code": code, "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
