package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// The Databricks Jobs API 2.1, over azcore's pipeline (the SDK's retries
// and bearer tokens): databricks-sdk-go is not served by the module proxy
// here, and aura needs four routes of it.

// DatabricksScope is the Entra scope of Azure Databricks' first-party
// application, the same in every Azure cloud.
const DatabricksScope = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"

const (
	jobsModule  = "aura-databricks-jobs"
	jobsVersion = "v1"
	// jobsPage is the largest page the list route serves.
	jobsPage = 100
)

// newJobsPipeline signs every request with a Databricks token and, so
// that a service principal with Contributor on the workspace but not yet
// one of its users is let in as its admin, with an ARM token of the same
// credential (Azure Databricks' X-Databricks-Azure-SP-Management-Token).
func newJobsPipeline(cred azcore.TokenCredential, armScope string, transport policy.Transporter, retry *policy.RetryOptions) runtime.Pipeline {
	o := &policy.ClientOptions{Transport: transport}
	if retry != nil {
		o.Retry = *retry
	}
	bearer := runtime.NewBearerTokenPolicy(cred, []string{DatabricksScope}, nil)
	return runtime.NewPipeline(jobsModule, jobsVersion, runtime.PipelineOptions{
		PerRetry: []policy.Policy{bearer, &managementToken{cred: cred, scope: armScope}},
	}, o)
}

// managementToken adds the ARM token header (azidentity caches the token).
type managementToken struct {
	cred  azcore.TokenCredential
	scope string
}

func (m *managementToken) Do(req *policy.Request) (*http.Response, error) {
	tok, err := m.cred.GetToken(req.Raw().Context(), policy.TokenRequestOptions{Scopes: []string{m.scope}})
	if err != nil {
		return nil, err
	}
	req.Raw().Header.Set("X-Databricks-Azure-SP-Management-Token", tok.Token)
	return req.Next()
}

// jobsClient is the Jobs API of one workspace.
type jobsClient struct {
	pl runtime.Pipeline
	// base is https:// and the workspaceUrl ARM reports.
	base string
	// resourceID is the workspace's ARM ID, which the management token
	// header goes with.
	resourceID string
	retry      *policy.RetryOptions
}

// JobsError is an error answer of the Jobs API.
type JobsError struct {
	Status  int
	Code    string // Databricks' error_code, e.g. INVALID_PARAMETER_VALUE
	Message string
	Route   string // e.g. "POST /api/2.1/jobs/create"
}

func (e *JobsError) Error() string {
	s := fmt.Sprintf("Jobs API %s: %d", e.Route, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// jobEntry is one job of a list answer. Settings are kept as Databricks
// sent them, so a reset keeps the fields aura does not own.
type jobEntry struct {
	JobID    int64                      `json:"job_id"`
	Settings map[string]json.RawMessage `json:"settings"`
}

func (j jobEntry) name() string {
	var n string
	_ = json.Unmarshal(j.Settings["name"], &n)
	return n
}

// list returns the jobs named name (Databricks matches names exactly,
// without case), with their tasks and clusters.
func (c *jobsClient) list(ctx context.Context, name string) ([]jobEntry, error) {
	var out []jobEntry
	q := url.Values{"name": {name}, "expand_tasks": {"true"}, "limit": {fmt.Sprint(jobsPage)}}
	for {
		var page struct {
			Jobs          []jobEntry `json:"jobs"`
			HasMore       bool       `json:"has_more"`
			NextPageToken string     `json:"next_page_token"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/2.1/jobs/list", q, nil, &page); err != nil {
			return nil, err
		}
		for _, j := range page.Jobs {
			// Older workspaces ignore the filter: match here too.
			if strings.EqualFold(j.name(), name) {
				out = append(out, j)
			}
		}
		if !page.HasMore || page.NextPageToken == "" {
			return out, nil
		}
		q.Set("page_token", page.NextPageToken)
	}
}

// create makes a job. A create that failed on the way back may have made
// the job: it is retried only when Databricks refused it (429), never after
// a 5xx or a broken connection, so that a retry cannot make a second job of
// the name (the next run lists the jobs first and finds it).
func (c *jobsClient) create(ctx context.Context, settings any) (int64, error) {
	ro := policy.RetryOptions{}
	if c.retry != nil {
		ro = *c.retry
	}
	ro.StatusCodes = []int{http.StatusTooManyRequests}
	ro.ShouldRetry = func(resp *http.Response, err error) bool {
		return err == nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests
	}
	var res struct {
		JobID int64 `json:"job_id"`
	}
	err := c.do(policy.WithRetryOptions(ctx, ro), http.MethodPost, "/api/2.1/jobs/create", nil, settings, &res)
	return res.JobID, err
}

// reset replaces every setting of the job.
func (c *jobsClient) reset(ctx context.Context, id int64, settings any) error {
	return c.do(ctx, http.MethodPost, "/api/2.1/jobs/reset", nil, map[string]any{"job_id": id, "new_settings": settings}, nil)
}

func (c *jobsClient) delete(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodPost, "/api/2.1/jobs/delete", nil, map[string]any{"job_id": id}, nil)
}

// do sends one request; in (if not nil) is the JSON body, out (if not nil)
// receives the JSON answer. Errors carry Databricks' code and message,
// never a header (the tokens).
func (c *jobsClient) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	status, body, err := JSONCall(ctx, c.pl, method, c.base, path, query, map[string]string{"X-Databricks-Azure-Workspace-Resource-Id": c.resourceID}, in)
	if err != nil {
		return err
	}
	if status >= 300 {
		je := &JobsError{Status: status, Route: method + " " + path}
		var e struct {
			Code    string `json:"error_code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) == nil {
			je.Code, je.Message = e.Code, e.Message
		}
		if je.Message == "" {
			je.Message = http.StatusText(status)
		}
		return je
	}
	if out != nil && len(body) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("the Jobs API answered %s %s with unreadable JSON: %w", method, path, err)
		}
	}
	return nil
}
