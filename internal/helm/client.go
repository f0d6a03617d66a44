package helm

import (
	"fmt"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// DefaultTimeout bounds the wait for a release's objects when neither the
// Release nor the Client says otherwise.
const DefaultTimeout = 5 * time.Minute

// Client installs and inspects Helm releases in one cluster.
type Client struct {
	namespace string
	source    *Source
	getter    *restGetter
	// Timeout is the default wait for Apply (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxHistory is how many revisions Helm keeps per release (default 10).
	MaxHistory int
	// Log receives Helm's debug lines, already redacted; nil discards them.
	Log func(format string, args ...any)
}

// New returns a Client for the cluster of cfg whose releases default to
// namespace. src finds charts; nil means the real repositories only.
func New(cfg *rest.Config, namespace string, src *Source) (*Client, error) {
	if cfg == nil {
		return nil, fmt.Errorf("helm: no Kubernetes REST config")
	}
	if namespace == "" {
		return nil, fmt.Errorf("helm: no default namespace")
	}
	if src == nil {
		src = &Source{}
	}
	return &Client{
		namespace:  namespace,
		source:     src,
		getter:     &restGetter{cfg: rest.CopyConfig(cfg)},
		MaxHistory: 10,
	}, nil
}

// NewFromKubeconfig is New with the current context of a kubeconfig file.
func NewFromKubeconfig(path, namespace string, src *Source) (*Client, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("helm: kubeconfig %s: %w", path, err)
	}
	return New(cfg, namespace, src)
}

// config returns a Helm action configuration for a namespace: Helm keeps a
// release's history as Secrets in the release's own namespace. Each call gets
// its own, so concurrent Applies share nothing but the discovery cache.
func (c *Client) config(namespace string, secrets []string) (*action.Configuration, error) {
	cfg := new(action.Configuration)
	if err := cfg.Init(c.getter, namespace, "secret", c.logger(secrets)); err != nil {
		return nil, fmt.Errorf("helm: init for namespace %s: %w", namespace, err)
	}
	cfg.KubeClient.(*kube.Client).Namespace = namespace
	return cfg, nil
}

func (c *Client) logger(secrets []string) action.DebugLog {
	if c.Log == nil {
		return func(string, ...any) {}
	}
	return func(format string, args ...any) {
		c.Log("%s", redactString(fmt.Sprintf(format, args...), secrets))
	}
}

func (c *Client) ns(rel *Release) string {
	if rel.Namespace != "" {
		return rel.Namespace
	}
	return c.namespace
}

func (c *Client) timeout(rel *Release) time.Duration {
	switch {
	case rel.Timeout > 0:
		return rel.Timeout
	case c.Timeout > 0:
		return c.Timeout
	}
	return DefaultTimeout
}

// restGetter hands Helm (and the kubectl factory under it) a REST config we
// already hold, instead of a kubeconfig file it would load itself.
type restGetter struct {
	cfg *rest.Config

	once      sync.Once
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	err       error
}

func (g *restGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

func (g *restGetter) init() {
	g.once.Do(func() {
		dc, err := discovery.NewDiscoveryClientForConfig(rest.CopyConfig(g.cfg))
		if err != nil {
			g.err = err
			return
		}
		g.discovery = memory.NewMemCacheClient(dc)
		m := restmapper.NewDeferredDiscoveryRESTMapper(g.discovery)
		g.mapper = restmapper.NewShortcutExpander(m, g.discovery, nil)
	})
}

func (g *restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.init()
	return g.discovery, g.err
}

func (g *restGetter) ToRESTMapper() (meta.RESTMapper, error) {
	g.init()
	return g.mapper, g.err
}

// ToRawKubeConfigLoader is only consulted for a default namespace, which
// config sets explicitly on Helm's kube client.
func (g *restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{})
}
