package cli

import (
	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/createsp"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/factory"
)

// servicePrincipalApp is, on Azure, the application of the service
// principal aura runs as, reached through Microsoft Graph (create_sp's
// client: the provider reaches Resource Manager only).
func servicePrincipalApp(cfg *config.Config, creds *credentials.Credentials) (provider.ServicePrincipalApp, error) {
	if cfg.Provider != "azure" || creds == nil {
		return nil, nil
	}
	cloud := factory.AzureCloud(cfg)
	endpoints, err := createsp.EndpointsFor(cloud, cfg.Azure.GraphEndpoint)
	if err != nil {
		return nil, err
	}
	cred, err := azure.Credential(creds, cloud, nil)
	if err != nil {
		return nil, err
	}
	return createsp.NewApp(cred, endpoints, creds.ClientID, nil), nil
}
