package createsp

import (
	"fmt"
	"io"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// debugPolicy writes one line per request for --debug: the method, the
// URL and the answer's status. Bodies (a new secret is in one) and
// headers (the bearer token) are never written.
type debugPolicy struct{ w io.Writer }

func (p debugPolicy) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	resp, err := req.Next()
	status := "error"
	if err == nil {
		status = resp.Status
	}
	fmt.Fprintf(p.w, "debug: %s %s → %s\n", raw.Method, raw.URL.Redacted(), status)
	return resp, err
}
