package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is the server-side apply field manager of the installer.
const FieldManager = "aura"

// DefaultConcurrency bounds parallel API calls in Plan and Apply.
const DefaultConcurrency = 8

// DefaultQPS and DefaultBurst size client-side throttling for an installer:
// a phase plans and applies hundreds of objects at once, at most
// DefaultConcurrency requests in flight, and the API server's own priority
// and fairness protects it. The limiter should only stop a runaway loop; at
// client-go's 5 QPS (or kubectl's 50) it, not the server, set the pace.
const (
	DefaultQPS   = 400
	DefaultBurst = 800
)

// Client talks to one cluster.
type Client struct {
	Config      *rest.Config
	Dynamic     dynamic.Interface
	mapper      *restmapper.DeferredDiscoveryRESTMapper
	Concurrency int
}

// NewFromKubeconfig builds a client from a kubeconfig file.
func NewFromKubeconfig(path string) (*Client, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return New(cfg)
}

// New builds a client from a rest config.
func New(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = DefaultQPS, DefaultBurst
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{
		Config:      cfg,
		Dynamic:     dyn,
		mapper:      restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
		Concurrency: DefaultConcurrency,
	}, nil
}

// mapping finds the resource of a kind; after a miss it refreshes discovery
// once, since CRDs applied a moment ago are not in the cache yet.
func (c *Client) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil && meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// resource returns the dynamic client for an object's kind and namespace.
func (c *Client) resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, *meta.RESTMapping, error) {
	m, err := c.mapping(obj.GroupVersionKind())
	if err != nil {
		return nil, nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			return nil, nil, fmt.Errorf("%s %s: namespaced kind without metadata.namespace", obj.GetKind(), obj.GetName())
		}
		return c.Dynamic.Resource(m.Resource).Namespace(ns), m, nil
	}
	return c.Dynamic.Resource(m.Resource), m, nil
}
