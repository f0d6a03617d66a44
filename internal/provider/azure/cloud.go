package azure

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/auracognitive/aurak8s/internal/credentials"
)

// The clouds config key azure.cloud names.
const (
	CloudPublic     = "AzurePublic"
	CloudChina      = "AzureChina"
	CloudGovernment = "AzureUSGovernment"
	CloudCustom     = "Custom"
)

// Cloud is the config's azure block: a national cloud by name, or a Custom
// one (Azure Stack, a test cloud) by its endpoints.
type Cloud struct {
	Name string // one of the Cloud* constants; "" is AzurePublic
	// The endpoints of a Custom cloud (ignored for the others).
	AuthorityHost           string
	ResourceManagerEndpoint string
	ResourceManagerAudience string
	StorageEndpointSuffix   string
}

// Configuration is the one cloud.Configuration the credential and every
// client use.
func (c Cloud) Configuration() (cloud.Configuration, error) {
	switch c.Name {
	case "", CloudPublic:
		return cloud.AzurePublic, nil
	case CloudChina:
		return cloud.AzureChina, nil
	case CloudGovernment:
		return cloud.AzureGovernment, nil
	case CloudCustom:
		for _, f := range []struct{ key, v string }{
			{"azure.authority_host", c.AuthorityHost},
			{"azure.resource_manager_endpoint", c.ResourceManagerEndpoint},
		} {
			u, err := url.Parse(f.v)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return cloud.Configuration{}, fmt.Errorf("azure provider: %s %q: a Custom cloud needs an https:// URL", f.key, f.v)
			}
		}
		aud := c.ResourceManagerAudience
		if aud == "" {
			aud = c.ResourceManagerEndpoint
		}
		return cloud.Configuration{
			ActiveDirectoryAuthorityHost: c.AuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: c.ResourceManagerEndpoint, Audience: aud},
			},
		}, nil
	}
	return cloud.Configuration{}, fmt.Errorf("azure provider: azure.cloud %q is not one of %s, %s, %s, %s", c.Name, CloudPublic, CloudChina, CloudGovernment, CloudCustom)
}

// StorageSuffix is the blob endpoint's domain suffix, used when Azure does
// not report an account's endpoint.
func (c Cloud) StorageSuffix() string {
	switch c.Name {
	case CloudChina:
		return "core.chinacloudapi.cn"
	case CloudGovernment:
		return "core.usgovcloudapi.net"
	case CloudCustom:
		return strings.TrimPrefix(c.StorageEndpointSuffix, ".")
	}
	return "core.windows.net"
}

// Credential is the service principal's client-secret credential for the
// cloud; client carries test transports (nil: the SDK's defaults). A Custom cloud's authority is trusted as given: instance discovery
// would ask the public login host, which a private cloud cannot reach.
func Credential(creds *credentials.Credentials, c Cloud, client *azcore.ClientOptions) (azcore.TokenCredential, error) {
	cc, err := c.Configuration()
	if err != nil {
		return nil, err
	}
	o := &azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: c.Name == CloudCustom}
	if client != nil {
		o.ClientOptions = *client
	}
	o.Cloud = cc
	cred, err := azidentity.NewClientSecretCredential(creds.TenantID, creds.ClientID, creds.ClientSecret.Reveal(), o)
	if err != nil {
		// The SDK's message can quote its input; name the variables instead.
		return nil, fmt.Errorf("azure provider: the service principal credentials from %s are malformed (%s, %s, %s)",
			creds.Source, credentials.KeyTenant, credentials.KeyClientID, credentials.KeySecret)
	}
	return &namedCredential{TokenCredential: cred, creds: creds}, nil
}
