package createsp

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/auracognitive/aurak8s/internal/provider/azure"
)

// Endpoints are the hosts create_sp talks to: the login host and Resource
// Manager of the cloud (as the azure provider reaches them) and Microsoft
// Graph, which only create_sp uses.
type Endpoints struct {
	Cloud  cloud.Configuration
	Custom bool // a Custom cloud: its authority is trusted as given
	// Graph is Microsoft Graph's endpoint, also its token audience.
	Graph string
}

// graphEndpoints are Microsoft Graph's national deployments.
var graphEndpoints = map[string]string{
	"":                    "https://graph.microsoft.com",
	azure.CloudPublic:     "https://graph.microsoft.com",
	azure.CloudChina:      "https://microsoftgraph.chinacloudapi.cn",
	azure.CloudGovernment: "https://graph.microsoft.us",
}

// EndpointsFor resolves a cloud (the config's azure block). graph
// overrides the cloud's Graph endpoint; a Custom cloud has no known one,
// so it needs graph.
func EndpointsFor(c azure.Cloud, graph string) (Endpoints, error) {
	cc, err := c.Configuration()
	if err != nil {
		return Endpoints{}, err
	}
	if graph == "" {
		graph = graphEndpoints[c.Name]
		if graph == "" {
			return Endpoints{}, fmt.Errorf("create_sp: azure.cloud %s has no known Microsoft Graph endpoint: pass --graph-endpoint https://…", c.Name)
		}
	}
	u, err := url.Parse(graph)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return Endpoints{}, fmt.Errorf("create_sp: --graph-endpoint %q: want an https:// URL with no path, e.g. https://graph.microsoft.com", graph)
	}
	return Endpoints{Cloud: cc, Custom: c.Name == azure.CloudCustom, Graph: strings.TrimRight(graph, "/")}, nil
}

// armAudience is Resource Manager's token audience, for log-in.
func (e Endpoints) armAudience() string {
	return e.Cloud.Services[cloud.ResourceManager].Audience
}
