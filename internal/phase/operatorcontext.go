package phase

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/operatorconfig"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/render"
)

const operatorComponent = "aura-operator"

// azureBlobSuffix is the Blob endpoint suffix of Azure's public cloud.
const azureBlobSuffix = "blob.core.windows.net"

// blobEndpointer is a provider that knows the Blob endpoint of its storage
// accounts (another cloud's suffix, an emulator).
type blobEndpointer interface {
	BlobAccountURL(account string) string
}

// PackagesContainer is where aura-operator publishes packages: the
// aura-packages container of the cluster's storage account (deploy_infra).
func (e *Env) PackagesContainer() provider.ContainerRef {
	return provider.ContainerRef{ResourceGroup: e.clusterRG(), Account: e.clusterStorageAccount(), Container: containerPackages}
}

// RenderCore renders deploy_core's objects from the config's template
// context and, when the operator is deployed, its settings and credentials
// ("aura_operator", see operatorconfig.TemplateValues). Secret values never
// reach its errors.
func (e *Env) RenderCore(ctx context.Context) ([]release.Bundle, error) {
	vars := e.templateContext()
	secrets := e.Cfg.SecretValues()
	if e.Cfg.Derived.Components[operatorComponent] {
		op, key, err := e.operatorValues(ctx)
		if err != nil {
			return nil, err
		}
		vars["aura_operator"] = op
		secrets = append(secrets, key)
		if e.LearnSecrets != nil {
			e.LearnSecrets(key)
		}
	}
	cog, keys, err := e.cognitiveValues(ctx)
	if err != nil {
		return nil, err
	}
	if cog != nil {
		vars["cognitive"] = cog
		secrets = append(secrets, keys...)
		if e.LearnSecrets != nil {
			e.LearnSecrets(keys...)
		}
	}
	rs, rsKeys, err := e.releaseStorageValues(ctx)
	if err != nil {
		return nil, err
	}
	vars["release_storage"] = rs
	if len(rsKeys) > 0 {
		secrets = append(secrets, rsKeys...)
		if e.LearnSecrets != nil {
			e.LearnSecrets(rsKeys...)
		}
	}
	bundles, err := e.Release.RenderCore(render.New(e.Templates, secrets...), vars)
	if err != nil {
		return nil, err
	}
	for _, s := range []*unstructured.Unstructured{e.registrySecret(e.CoreNamespace()), e.tlsObject(e.CoreNamespace())} {
		if s != nil {
			bundles[0].Objects = append(bundles[0].Objects, s) // the shared bundle
		}
	}
	for _, b := range bundles {
		if err := e.checkCertCovers(b.Objects); err != nil {
			return nil, err
		}
	}
	return bundles, nil
}

// operatorValues are the operator's template values and the storage
// account key among them.
func (e *Env) operatorValues(ctx context.Context) (map[string]any, string, error) {
	comp, ok := e.Release.Component(operatorComponent)
	if !ok {
		return nil, "", fmt.Errorf("release %s has no %s component", e.Release.Version, operatorComponent)
	}
	s, err := operatorconfig.FromEnv(comp.Env)
	if err != nil {
		return nil, "", fmt.Errorf("release %s: component %s: env: %w", e.Release.Version, operatorComponent, err)
	}
	c := e.Cfg
	s.Environment = c.Derived.EnvironmentName
	s.AgentsNamespace = c.Derived.AgentsNamespace
	s.LeaderElectionNamespace = e.CoreNamespace()
	// A release namespace (--ns) runs its own operator beside the usual
	// one: each reconciles only the objects of its own namespace.
	s.WatchNamespace = e.CoreNamespace()
	if e.Cfg.Registry.Username != "" {
		s.ImagePullSecret = e.Release.ImagePullSecret
	}
	s3 := c.AuraOperatorS3
	s.S3Region, s.S3Endpoint, s.S3PathStyle = s3.Region, s3.Endpoint, s3.PathStyle
	s.S3AccessKeyID, s.S3SecretAccessKey = s3.AccessKeyID, s3.SecretAccessKey

	pc := e.PackagesContainer()
	acct := provider.ResourceRef{ResourceGroup: pc.ResourceGroup, Name: pc.Account}
	key, err := e.Provider.StorageAccountKey(ctx, acct)
	if provider.IsNotFound(err) {
		return nil, "", fmt.Errorf("storage account %s (resource group %s), where aura-operator publishes packages, does not exist: run `aura deploy_infra` first", acct.Name, acct.ResourceGroup)
	}
	if err != nil {
		return nil, "", err
	}
	if s.BlobAccountURL, err = e.blobAccountURL(pc.Account); err != nil {
		return nil, "", err
	}
	s.BlobContainer = pc.Container
	s.BlobAccountName, s.BlobAccountKey = pc.Account, key
	vals, err := operatorconfig.TemplateValues(s, comp.Env)
	if err != nil {
		return nil, "", err
	}
	return vals, key, nil
}

// blobAccountURL is the account's Blob endpoint as workloads in the cluster
// reach it: on local, local.blob_endpoint (Azurite's path-style URLs).
func (e *Env) blobAccountURL(account string) (string, error) {
	if b, ok := e.Provider.(blobEndpointer); ok {
		return b.BlobAccountURL(account), nil
	}
	if e.Provider.Name() != "local" {
		return "https://" + account + "." + azureBlobSuffix, nil
	}
	ep := strings.TrimRight(e.Cfg.Local.BlobEndpoint, "/")
	if ep == "" {
		return "", fmt.Errorf("local.blob_endpoint is empty: aura-operator needs the Blob endpoint (Azurite) of storage account %s", account)
	}
	return ep + "/" + account, nil
}
