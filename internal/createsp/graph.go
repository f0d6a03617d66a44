package createsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/auracognitive/aurak8s/internal/provider/azure"
)

const (
	module  = "aura-create_sp"
	version = "v1"
)

// graphClient is Microsoft Graph over azcore's pipeline (retries, bearer
// tokens); the Graph SDK would cost ~40 MB of binary for five routes.
type graphClient struct {
	base string
	pl   runtime.Pipeline
}

func newGraphClient(cred azcore.TokenCredential, e Endpoints, o clientOptions) *graphClient {
	bearer := runtime.NewBearerTokenPolicy(cred, []string{e.Graph + "/.default"}, nil)
	pl := runtime.NewPipeline(module, version, runtime.PipelineOptions{PerRetry: []policy.Policy{bearer}},
		&policy.ClientOptions{Transport: o.transport, Retry: o.retry, PerRetryPolicies: o.perRetry})
	return &graphClient{base: e.Graph + "/v1.0", pl: pl}
}

// GraphError is an error answer of Microsoft Graph.
type GraphError struct {
	Status  int
	Code    string
	Message string
	Method  string
	Path    string
}

func (e *GraphError) Error() string {
	return fmt.Sprintf("Microsoft Graph %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// do sends one Graph request; in (if not nil) is the JSON body, out (if
// not nil) receives the JSON answer.
func (g *graphClient) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	status, body, err := azure.JSONCall(ctx, g.pl, method, g.base, path, query, nil, in)
	if err != nil {
		return err
	}
	if status >= 300 {
		ge := &GraphError{Status: status, Method: method, Path: path}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil {
			ge.Code, ge.Message = e.Error.Code, e.Error.Message
		}
		return ge
	}
	if out != nil && len(body) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("create_sp: Microsoft Graph %s %s: unreadable answer: %w", method, path, err)
		}
	}
	return nil
}

// graphCode is the Graph error code of err and its status ("", 0: not a
// Graph error).
func graphCode(err error) (string, int) {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.Code, ge.Status
	}
	return "", 0
}

// odataString quotes a value for an OData $filter.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// filter is a $filter query.
func filter(field, value string) url.Values {
	return url.Values{"$filter": {field + " eq " + odataString(value)}}
}
