package azure

import (
	"context"
	"io"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// JSONCall sends one request of a JSON API that has no SDK here (the
// Databricks Jobs API; Microsoft Graph for create_sp) through an azcore
// pipeline, which brings retries and bearer tokens. in, when not nil, is
// the body; header are extra request headers. It returns the status and
// the answer's body: error answers are the caller's to read, since every
// API words them its own way. Errors never carry request headers (tokens).
func JSONCall(ctx context.Context, pl runtime.Pipeline, method, base, path string, query url.Values, header map[string]string, in any) (int, []byte, error) {
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Raw().Header.Set(k, v)
	}
	if in != nil {
		if err := runtime.MarshalAsJSON(req, in); err != nil {
			return 0, nil, err
		}
	}
	resp, err := pl.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
