package phase

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/render"
)

// Env is what every phase of one command works on: the validated
// configuration, the provider, the release and the command's options. It is
// built once, after validation, before the first change.
type Env struct {
	Cfg       *config.Config
	Provider  provider.Provider
	Release   *release.Manifest
	Templates fs.FS  // deploy/templates/k8s: embedded, overlaid by the user's directory
	OutputDir string // output_install

	// ReleaseNamespace deploys core into the release namespace (--ns).
	ReleaseNamespace bool
	// Only limits deploy_core to these canonical component names (-t).
	Only []string
	// SSHKeyFile is deploy_infra's private key of the nodes (-f, aura.pem):
	// created when missing, its public key goes to the cluster.
	SSHKeyFile string
	// LearnSecrets, when set, receives secret values the phase learns while
	// it runs (generated passwords, storage keys), so output redacts them.
	LearnSecrets func(values ...string)
	// App, on Azure, is the service principal's application: deploy_core
	// returns it to single-tenant after its bot step. Nil elsewhere.
	App provider.ServicePrincipalApp
	// Notify, when set, shows a progress note while an action waits on
	// something the user may wonder about (e.g. a terminating namespace).
	Notify func(msg string)
	// Warn, when set, shows a warning (e.g. a certificate about to expire).
	Warn func(msg string)
	// Credentials are the service principal's, on azure: cert-manager's
	// Azure DNS solver writes the ACME challenge records with them.
	Credentials *credentials.Credentials

	kubeMu sync.Mutex
	kube   *kube.Client
	helm   *helm.Client

	sysMu sync.Mutex
	sys   *systemInputs // once computed

	ipsMu sync.Mutex
	ips   []string // the cluster's outbound IPs, once read (outboundIPs)
}

func (e *Env) notify(msg string) {
	if e.Notify != nil {
		e.Notify(msg)
	}
}

// CoreNamespace is where core goes: the usual namespace, or with --ns the
// release namespace.
func (e *Env) CoreNamespace() string {
	if e.ReleaseNamespace {
		return e.Cfg.ReleaseNamespace(e.Release.Version)
	}
	return e.Cfg.Derived.CoreNamespace
}

// Names the phases share (DESIGN §6). Azure-facing names come from config;
// these are the containers and blobs aura itself lays out.
const (
	containerBackups    = "aura-backups"
	containerSnapshots  = "elasticsearch-snapshots"
	containerDNSBackups = "aura-dns-backups"
	containerPackages   = "aura-packages"
)

func (e *Env) commonRG() string { return e.Cfg.Derived.CommonResourceGroup }
func (e *Env) clusterRG() string {
	return e.Cfg.Derived.ClusterResourceGroup
}

func (e *Env) clusterRef() provider.ClusterRef {
	return provider.ClusterRef{ResourceGroup: e.clusterRG(), Name: e.Cfg.ClusterName}
}

// clusterStorageAccount is the per-cluster account, deleted with the
// cluster by delete_infra.
func (e *Env) clusterStorageAccount() string { return e.Cfg.ClusterStorageAccount() }

// backupExpiry deletes backups after backup_retention_time days.
func (e *Env) backupExpiry() []provider.BlobExpiry {
	return []provider.BlobExpiry{{Prefix: containerBackups + "/", Days: e.Cfg.BackupRetentionTime}}
}

// zone is the environment's DNS zone, shared by its tenants (config
// Derived.DNSZoneResourceGroup).
func (e *Env) zone() provider.Zone {
	return provider.Zone{ResourceGroup: e.Cfg.Derived.DNSZoneResourceGroup, Name: config.DNSZone}
}

// keyVaultName is only used when a customer-managed key is configured
// (guide: "Confidential Computing").
func (e *Env) keyVaultName() string { return e.Cfg.KeyVaultName() }

func (e *Env) vaultRef() provider.VaultRef {
	return provider.VaultRef{ResourceGroup: e.commonRG(), Name: e.keyVaultName()}
}

// customerKey is the key that encrypts the environment's data at rest
// (enable_customer_key_encryption and the Atlas and Databricks variants).
func (e *Env) customerKey() *provider.KeyRef {
	return &provider.KeyRef{Vault: e.vaultRef(), Key: "aura-" + e.Cfg.Derived.EnvironmentName}
}

func (e *Env) needsKeyVault() bool {
	c := e.Cfg
	return c.EnableCustomerKeyEncryption || c.EnableCustomerKeyAtlasEncrypt || c.EnableCustomerKeyDatabricksEncryption
}

func (e *Env) dnsBackupBlob() provider.BlobRef {
	return provider.BlobRef{ResourceGroup: e.commonRG(), Account: e.Cfg.Derived.CommonStorageAccount,
		Container: containerDNSBackups, Name: e.Cfg.Derived.EnvironmentName + ".json"}
}

func (e *Env) kubeconfigPath() string { return filepath.Join(e.OutputDir, "kubeconfig.json") }

// infoPath is output_install/{environment_name}_info.json; a release
// namespace (--ns) has its own, so deploying or deleting it never touches
// the info file of the environment's usual namespace.
func (e *Env) infoPath() string {
	name := e.Cfg.Derived.EnvironmentName
	if e.ReleaseNamespace {
		name = strings.TrimPrefix(e.CoreNamespace(), "aura-")
	}
	return filepath.Join(e.OutputDir, name+"_info.json")
}

// Kube returns a client of the environment's cluster, from the provider's
// kubeconfig; it fails with a hint when the cluster is not running.
func (e *Env) Kube(ctx context.Context) (*kube.Client, error) {
	e.kubeMu.Lock()
	defer e.kubeMu.Unlock()
	if e.kube != nil {
		return e.kube, nil
	}
	st, err := e.Provider.ClusterState(ctx, e.clusterRef())
	if err != nil {
		return nil, err
	}
	if st != provider.ClusterRunning {
		return nil, fmt.Errorf("cluster %s is %s: run `aura deploy_infra` (or `aura start`) first", e.Cfg.ClusterName, st)
	}
	raw, err := e.Provider.Kubeconfig(ctx, e.clusterRef())
	if err != nil {
		return nil, err
	}
	rc, err := clientcmd.RESTConfigFromKubeConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: kubeconfig: %w", e.Cfg.ClusterName, err)
	}
	c, err := kube.New(rc)
	if err != nil {
		return nil, err
	}
	e.kube = c
	return c, nil
}

// renderer renders the templates; secret values never appear in its errors.
func (e *Env) renderer() *render.Renderer {
	return render.New(e.Templates, e.Cfg.SecretValues()...)
}

// templateContext is the config's context with the namespace the phase
// deploys core into.
func (e *Env) templateContext() map[string]any {
	ctx := e.Cfg.TemplateContext()
	ctx["kubernetes_core_namespace"] = e.CoreNamespace()
	ctx["tls_secret"] = e.tlsContext()
	ctx["cert_manager_enabled"] = e.Cfg.TLS.Issued()
	return ctx
}

// serviceHosts are the DNS host keys (services, gateway, …) of the enabled
// components, sorted.
func (e *Env) serviceHosts() []string {
	seen := map[string]bool{}
	for _, c := range e.Release.Components {
		if c.Ingress != nil && e.Cfg.Derived.Components[c.Name] {
			seen[c.Ingress.Host] = true
		}
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
