package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

func testJob() provider.DatabricksJob {
	ws := testWorkspace()
	return provider.DatabricksJob{Workspace: provider.ResourceRef{ResourceGroup: ws.ResourceGroup, Name: ws.Name}, Name: "aura-job-es-dev",
		Schedule: "59 59 23 * * ?", Timezone: "Europe/Madrid", NodeType: "Standard_D8as_v4", SparkVersion: "15.4.x-scala2.12", Workers: 1,
		NotebookPath: "/Shared/aura/aura-job", Tags: map[string]string{"env": "es-dev"}}
}

// withWorkspace is an env whose workspace deploy_common made.
func withWorkspace(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.group(t, testRG)
	must(t)(e.p.EnsureDatabricksWorkspace(context.Background(), testWorkspace()))
	e.rec.reset()
	return e
}

// onlyJob returns the one job of the test workspace.
func onlyJob(t *testing.T, e *env) (int64, map[string]any) {
	t.Helper()
	jobs := e.cloud.Jobs(testRG, testWorkspace().Name)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs in the workspace, want 1: %v", len(jobs), jobs)
	}
	for id, s := range jobs {
		return id, s
	}
	return 0, nil
}

// jobFields are what a person reads on the job's page.
func jobFields(s map[string]any) string {
	sch, _ := s["schedule"].(map[string]any)
	var nodes, nb []string
	for _, c := range s["job_clusters"].([]any) {
		nc := c.(map[string]any)["new_cluster"].(map[string]any)
		nodes = append(nodes, fmt.Sprint(nc["node_type_id"], " x", nc["num_workers"], " ", nc["spark_version"]))
	}
	for _, t := range s["tasks"].([]any) {
		tm := t.(map[string]any)
		if n, ok := tm["notebook_task"].(map[string]any); ok {
			nb = append(nb, fmt.Sprint(tm["task_key"], "@", tm["job_cluster_key"], ":", n["notebook_path"]))
		}
	}
	return fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v", s["name"], sch["quartz_cron_expression"], sch["timezone_id"], sch["pause_status"], nodes, nb, s["tags"])
}

// TestDatabricksJobCreateThenNothing: the dry run plans the create and
// writes nothing; the create makes the job with the config's schedule,
// timezone and node type in one request; the next run writes nothing.
func TestDatabricksJobCreateThenNothing(t *testing.T) {
	ctx := context.Background()
	e := withWorkspace(t)
	job := testJob()
	snap := e.cloud.Snapshot()
	planned := must(t)(e.p.DryRun().EnsureDatabricksJob(ctx, job))
	if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
		t.Errorf("dry run wrote %q", w)
	}
	c := must(t)(e.p.EnsureDatabricksJob(ctx, job))
	if c != planned || c.Op != provider.OpCreate {
		t.Errorf("create %q, planned %q", c, planned)
	}
	for _, want := range []string{`schedule "59 59 23 * * ?" in Europe/Madrid`, "Standard_D8as_v4", "notebook /Shared/aura/aura-job", "tags env=es-dev"} {
		if !strings.Contains(c.Detail, want) {
			t.Errorf("create detail %q does not say %q", c.Detail, want)
		}
	}
	if w := e.rec.writes(); len(w) != 1 || !strings.HasSuffix(w[0], "/api/2.1/jobs/create") {
		t.Errorf("writes %q, want one create", w)
	}
	_, s := onlyJob(t, e)
	want := "aura-job-es-dev|59 59 23 * * ?|Europe/Madrid|UNPAUSED|[Standard_D8as_v4 x1 15.4.x-scala2.12]|[aura@aura:/Shared/aura/aura-job]|map[env:es-dev]"
	if got := jobFields(s); got != want {
		t.Errorf("job as created:\n%s\nwant\n%s", got, want)
	}
	e.rec.reset()
	snap = e.cloud.Snapshot()
	for _, p := range []provider.Provider{e.p.DryRun(), e.p} {
		if c := must(t)(p.EnsureDatabricksJob(ctx, job)); c.Op != provider.OpNone {
			t.Errorf("second run: %q, want unchanged", c)
		}
	}
	if w := e.rec.writes(); len(w) != 0 || e.cloud.Snapshot() != snap {
		t.Errorf("second run wrote %q", w)
	}
}

// TestDatabricksJobUpdateExact: a changed field aura owns is one reset of
// the job, naming the field; what others set on the job survives.
func TestDatabricksJobUpdateExact(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*provider.DatabricksJob)
		detail string
		field  func(map[string]any) any
		want   any
	}{
		{"schedule", func(j *provider.DatabricksJob) { j.Schedule = "0 30 2 * * ?" }, "changed: schedule",
			func(s map[string]any) any { return s["schedule"].(map[string]any)["quartz_cron_expression"] }, "0 30 2 * * ?"},
		{"timezone", func(j *provider.DatabricksJob) { j.Timezone = "America/Sao_Paulo" }, "changed: timezone",
			func(s map[string]any) any { return s["schedule"].(map[string]any)["timezone_id"] }, "America/Sao_Paulo"},
		{"node type", func(j *provider.DatabricksJob) { j.NodeType = "Standard_D16as_v4" }, "changed: node type",
			func(s map[string]any) any {
				return s["job_clusters"].([]any)[0].(map[string]any)["new_cluster"].(map[string]any)["node_type_id"]
			}, "Standard_D16as_v4"},
		{"tags", func(j *provider.DatabricksJob) { j.Tags = map[string]string{"env": "es-dev", "cost": "42"} }, "changed: tags",
			func(s map[string]any) any { return fmt.Sprint(s["tags"]) }, "map[cost:42 env:es-dev owner:data-team]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := withWorkspace(t)
			job := testJob()
			must(t)(e.p.EnsureDatabricksJob(ctx, job))
			id, s := onlyJob(t, e)
			// Someone adds a notification and a tag in the workspace's UI.
			s["email_notifications"] = map[string]any{"on_failure": []any{"ops@example.com"}}
			s["tags"].(map[string]any)["owner"] = "data-team"
			replaceJob(t, e, id, s)
			e.rec.reset()
			tc.change(&job)
			c := must(t)(e.p.EnsureDatabricksJob(ctx, job))
			if c.Op != provider.OpUpdate || c.Detail != tc.detail {
				t.Errorf("got %q, want an update with detail %q", c, tc.detail)
			}
			if w := e.rec.writes(); len(w) != 1 || !strings.HasSuffix(w[0], "/api/2.1/jobs/reset") {
				t.Errorf("writes %q, want exactly one reset", w)
			}
			gotID, s := onlyJob(t, e)
			if gotID != id {
				t.Errorf("job ID %d after the update, was %d: the job was recreated", gotID, id)
			}
			if got := tc.field(s); got != tc.want {
				t.Errorf("after the update: %v, want %v", got, tc.want)
			}
			if fmt.Sprint(s["email_notifications"]) != "map[on_failure:[ops@example.com]]" {
				t.Errorf("the reset dropped what someone else set: %v", s)
			}
			e.rec.reset()
			if c := must(t)(e.p.EnsureDatabricksJob(ctx, job)); c.Changed() || len(e.rec.writes()) != 0 {
				t.Errorf("run after the update: %q, writes %q", c, e.rec.writes())
			}
		})
	}
}

// replaceJob sets a job's settings as the workspace's UI would.
func replaceJob(t *testing.T, e *env, id int64, s map[string]any) {
	t.Helper()
	jc, _, err := e.p.jobsClientFor(context.Background(), testJob().Workspace)
	if err != nil {
		t.Fatal(err)
	}
	if err := jc.reset(context.Background(), id, s); err != nil {
		t.Fatal(err)
	}
}

// TestDatabricksJobDelete: the delete removes the job; again, and once the
// workspace is gone, it is a no-op that writes nothing.
func TestDatabricksJobDelete(t *testing.T) {
	ctx := context.Background()
	e := withWorkspace(t)
	job := testJob()
	must(t)(e.p.EnsureDatabricksJob(ctx, job))
	other := e.cloud.AddJob(testRG, testWorkspace().Name, map[string]any{"name": "someone-elses", "tasks": []any{map[string]any{"task_key": "x"}}})
	e.rec.reset()
	snap := e.cloud.Snapshot()
	if c := must(t)(e.p.DryRun().DeleteDatabricksJob(ctx, job.Ref())); c.Op != provider.OpDelete || len(e.rec.writes()) != 0 || e.cloud.Snapshot() != snap {
		t.Errorf("dry run: %q, writes %q", c, e.rec.writes())
	}
	if c := must(t)(e.p.DeleteDatabricksJob(ctx, job.Ref())); c.Op != provider.OpDelete {
		t.Errorf("delete: %q", c)
	}
	if w := e.rec.writes(); len(w) != 1 || !strings.HasSuffix(w[0], "/api/2.1/jobs/delete") {
		t.Errorf("writes %q, want one delete", w)
	}
	if jobs := e.cloud.Jobs(testRG, testWorkspace().Name); len(jobs) != 1 || jobs[other] == nil {
		t.Errorf("after the delete: %v, want only the other job", jobs)
	}
	e.rec.reset()
	if c := must(t)(e.p.DeleteDatabricksJob(ctx, job.Ref())); c.Changed() || len(e.rec.writes()) != 0 {
		t.Errorf("second delete: %q, writes %q", c, e.rec.writes())
	}
	must(t)(e.p.DeleteDatabricksWorkspace(ctx, job.Workspace))
	e.rec.reset()
	if c := must(t)(e.p.DeleteDatabricksJob(ctx, job.Ref())); c.Changed() || len(e.rec.writes()) != 0 {
		t.Errorf("delete without the workspace: %q, writes %q", c, e.rec.writes())
	}
}

// scopedCredential hands out one token per scope and remembers the scopes
// asked for.
type scopedCredential struct {
	mu     sync.Mutex
	scopes map[string]int
}

func (s *scopedCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := strings.Join(o.Scopes, " ")
	s.scopes[sc]++
	tok := "arm-token"
	if sc == DatabricksScope {
		tok = "databricks-token"
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestDatabricksJobTokens: the Jobs API gets a token for the Databricks
// scope from the provider's credential, with the ARM token as the
// management token and the workspace's ARM ID; ARM keeps its own token.
func TestDatabricksJobTokens(t *testing.T) {
	cloud := fakecloud.New()
	rec := &recorder{arm: cloud.Transport()}
	cred := &scopedCredential{scopes: map[string]int{}}
	p, err := New(Options{SubscriptionID: fakecloud.Subscription, TenantID: "00000000-0000-0000-0000-0000000000bb", Credential: cred,
		Tokens: &provider.MemoryTokenStore{}, Transport: rec, PollFrequency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{p: p, cloud: cloud, rec: rec}
	e.group(t, testRG)
	ctx := context.Background()
	must(t)(p.EnsureDatabricksWorkspace(ctx, testWorkspace()))
	var mu sync.Mutex
	var seen []string
	rec.onRequest = func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%s %s auth=%s mgmt=%s ws=%s", r.URL.Host, r.URL.Path, r.Header.Get("Authorization"),
			r.Header.Get("X-Databricks-Azure-SP-Management-Token"), r.Header.Get("X-Databricks-Azure-Workspace-Resource-Id")))
	}
	must(t)(p.EnsureDatabricksJob(ctx, testJob()))
	if cred.scopes[DatabricksScope] == 0 || cred.scopes["https://management.core.windows.net/.default"] == 0 {
		t.Errorf("scopes asked for: %v, want the Databricks and the ARM scope", cred.scopes)
	}
	wsID := fakecloud.Subscription
	jobs := 0
	for _, s := range seen {
		switch {
		case strings.Contains(s, fakecloud.JobsPathPrefix):
			jobs++
			if !strings.Contains(s, ".azuredatabricks.net ") || !strings.Contains(s, "auth=Bearer databricks-token mgmt=arm-token ws=/subscriptions/"+wsID+"/resourceGroups/"+testRG+"/providers/Microsoft.Databricks/workspaces/"+testWorkspace().Name) {
				t.Errorf("Jobs API request %s: want the workspace host, the Databricks token, the ARM management token and the workspace's ID", s)
			}
		case !strings.Contains(s, "auth=Bearer arm-token "):
			t.Errorf("ARM request %s: want the ARM token", s)
		}
	}
	if jobs != 2 {
		t.Errorf("%d Jobs API requests, want a list and a create: %q", jobs, seen)
	}
}

// TestDatabricksJobErrors: refusals name the job and the workspace and
// say what to fix; nothing is written.
func TestDatabricksJobErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("node type refused", func(t *testing.T) {
		e := withWorkspace(t)
		e.cloud.DatabricksNodeTypes = []string{"Standard_D8as_v4"}
		job := testJob()
		job.NodeType = "Standard_NV6"
		_, err := e.p.EnsureDatabricksJob(ctx, job)
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{"databricks job aura-job-es-dev in workspace aura-databricks-es-dev", "400 INVALID_PARAMETER_VALUE",
			"Node type Standard_NV6 is not supported", "databricks.cluster.node_type_id"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "fake_token") {
			t.Errorf("error %q shows the token", err)
		}
		if len(e.cloud.Jobs(testRG, testWorkspace().Name)) != 0 {
			t.Error("a job was made")
		}
	})
	t.Run("no workspace", func(t *testing.T) {
		e := newEnv(t)
		e.group(t, testRG)
		e.rec.reset()
		_, err := e.p.EnsureDatabricksJob(ctx, testJob())
		if !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "aura deploy_common") || !strings.Contains(err.Error(), "aura-databricks-es-dev") {
			t.Errorf("error %v: want ErrNotFound naming the workspace and deploy_common", err)
		}
		if c, err := e.p.DryRun().EnsureDatabricksJob(ctx, testJob()); err != nil || c.Op != provider.OpCreate {
			t.Errorf("dry run without the workspace: %q, %v; want a planned create", c, err)
		}
		if w := e.rec.writes(); len(w) != 0 {
			t.Errorf("wrote %q", w)
		}
	})
	t.Run("two jobs of the name", func(t *testing.T) {
		e := withWorkspace(t)
		must(t)(e.p.EnsureDatabricksJob(ctx, testJob()))
		e.cloud.AddJob(testRG, testWorkspace().Name, map[string]any{"name": "AURA-JOB-ES-DEV"})
		e.rec.reset()
		_, err := e.p.EnsureDatabricksJob(ctx, testJob())
		if err == nil || !strings.Contains(err.Error(), "holds 2 jobs named aura-job-es-dev") {
			t.Errorf("error %v: want one saying there are two jobs of the name", err)
		}
		if w := e.rec.writes(); len(w) != 0 {
			t.Errorf("wrote %q", w)
		}
	})
}

// TestDatabricksJobRetries: a throttled or failed list is retried; a
// create that failed with a 5xx is not (it may have made the job), one
// refused with 429 is.
func TestDatabricksJobRetries(t *testing.T) {
	ctx := context.Background()
	on := func(path string) func(*http.Request) bool {
		return func(r *http.Request) bool { return r.URL.Path == fakecloud.JobsPathPrefix+path }
	}
	const unavailable = `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}`
	e := withWorkspace(t)
	e.rec.addFault(&fault{match: on("list"), status: http.StatusServiceUnavailable, body: unavailable, times: 2})
	e.rec.addFault(&fault{match: on("create"), status: http.StatusInternalServerError, body: `{"error_code":"INTERNAL_ERROR","message":"oops"}`, times: 1})
	_, err := e.p.EnsureDatabricksJob(ctx, testJob())
	if err == nil || !strings.Contains(err.Error(), "500 INTERNAL_ERROR: oops") {
		t.Errorf("error %v, want the create's 500", err)
	}
	if n := e.rec.count(http.MethodGet, fakecloud.JobsPathPrefix+"list"); n != 3 {
		t.Errorf("%d lists, want 3 (two 503s retried)", n)
	}
	if n := e.rec.count(http.MethodPost, fakecloud.JobsPathPrefix+"create"); n != 1 {
		t.Errorf("%d creates after a 500, want 1 (no retry)", n)
	}
	e.rec.reset()
	e.rec.addFault(&fault{match: on("create"), status: http.StatusTooManyRequests, header: http.Header{"Retry-After": {"0"}}, body: `{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}`, times: 1})
	if c := must(t)(e.p.EnsureDatabricksJob(ctx, testJob())); c.Op != provider.OpCreate {
		t.Errorf("%q, want a create", c)
	}
	if n := e.rec.count(http.MethodPost, fakecloud.JobsPathPrefix+"create"); n != 2 {
		t.Errorf("%d creates, want 2 (a 429 retried)", n)
	}
	onlyJob(t, e)
}

// TestDatabricksJobCreateLostAnswer: the workspace made the job but the
// answer was lost; the create is not sent again (a second job of the name
// would stop every later deploy_core), and the re-run finds the job.
func TestDatabricksJobCreateLostAnswer(t *testing.T) {
	ctx := context.Background()
	e := withWorkspace(t)
	e.rec.addFault(&fault{match: func(r *http.Request) bool { return r.URL.Path == fakecloud.JobsPathPrefix+"create" }, dropAnswer: true, times: 1})
	if _, err := e.p.EnsureDatabricksJob(ctx, testJob()); err == nil {
		t.Fatal("a lost answer is not an error")
	}
	if n := e.rec.count(http.MethodPost, fakecloud.JobsPathPrefix+"create"); n != 1 {
		t.Errorf("%d creates after a lost answer, want 1 (no retry)", n)
	}
	if c := must(t)(e.p.EnsureDatabricksJob(ctx, testJob())); c.Op != provider.OpNone {
		t.Errorf("re-run: %q, want the job found unchanged", c)
	}
	onlyJob(t, e)
}
