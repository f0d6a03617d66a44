package azure

import (
	"testing"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// TestBlobAccountURLFollowsTheCloud: the Blob endpoint the cluster's
// workloads are given is the configured cloud's, not Azure public's.
func TestBlobAccountURLFollowsTheCloud(t *testing.T) {
	for _, tc := range []struct {
		cloud Cloud
		want  string
	}{
		{Cloud{}, "https://auraclusteresdevsa.blob.core.windows.net"},
		{Cloud{Name: CloudChina}, "https://auraclusteresdevsa.blob.core.chinacloudapi.cn"},
		{Cloud{Name: CloudGovernment}, "https://auraclusteresdevsa.blob.core.usgovcloudapi.net"},
		{Cloud{Name: CloudCustom, AuthorityHost: "https://login.stack.example/", ResourceManagerEndpoint: "https://management.stack.example/",
			StorageEndpointSuffix: "stack.example"}, "https://auraclusteresdevsa.blob.stack.example"},
	} {
		p, err := New(Options{SubscriptionID: "sub", Credential: &azfake.TokenCredential{}, Tokens: &provider.MemoryTokenStore{}, Cloud: tc.cloud})
		if err != nil {
			t.Fatal(err)
		}
		b, ok := any(p).(interface{ BlobAccountURL(string) string })
		if !ok {
			t.Fatal("the Azure provider does not say its Blob endpoints: the phases fall back to Azure public's")
		}
		if got := b.BlobAccountURL("auraclusteresdevsa"); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.cloud.Name, got, tc.want)
		}
	}
}
