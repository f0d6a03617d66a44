package kube

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// objectCache follows the objects of a wait by watching them: one list and
// watch per kind and namespace, so a wait learns of a change as it happens
// and costs two requests per kind, not one GET per object and interval.
// CRDs are watched one by one: they are large, and most of a cluster's are
// not ours.
type objectCache struct {
	changed chan struct{} // one pending wake-up; see wake
	feeds   map[feedKey]*feed
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type feedKey struct{ group, kind, namespace, name string }

func keyOf(r ObjRef) feedKey {
	k := feedKey{group: r.Group, kind: r.Kind, namespace: r.Namespace}
	if isCRD(r) {
		k.name = r.Name
	}
	return k
}

// feed is the watch of one kind in one namespace (or of one object).
type feed struct {
	gvk     schema.GroupVersionKind
	key     feedKey
	mu      sync.Mutex
	err     error // why the kind has no resource or the first list failed
	mapping *meta.RESTMapping
	// store holds the watched objects once the first list is in.
	store cache.Store
}

// presence of an object in the cache.
type presence int

const (
	pending presence = iota // not listed yet (see the error, if any)
	present
	absent
)

// watchObjects starts watching refs until stop. A kind the cluster does not
// serve yet is looked up again every retry.
func (c *Client) watchObjects(ctx context.Context, refs []ObjRef, retry time.Duration) *objectCache {
	ctx, cancel := context.WithCancel(ctx)
	// Informers log through the context's logger; a CLI must not print them.
	ctx = klog.NewContext(ctx, logr.Discard())
	oc := &objectCache{changed: make(chan struct{}, 1), feeds: map[feedKey]*feed{}, cancel: cancel}
	for _, r := range refs {
		k := keyOf(r)
		if _, ok := oc.feeds[k]; ok {
			continue
		}
		f := &feed{gvk: r.GVK(), key: k}
		oc.feeds[k] = f
		oc.wg.Add(1)
		go func() {
			defer oc.wg.Done()
			c.runFeed(ctx, f, retry, oc.wake)
		}()
	}
	return oc
}

// wake tells the waiter that something changed; wake-ups coalesce, and the
// waiter reads the state after receiving one, so none is lost.
func (oc *objectCache) wake() {
	select {
	case oc.changed <- struct{}{}:
	default:
	}
}

// stop ends every watch and waits until they are gone.
func (oc *objectCache) stop() {
	oc.cancel()
	oc.wg.Wait()
}

// get returns the cached object of r, whether it exists, and why it is not
// known yet (nil while the first list is under way).
func (oc *objectCache) get(r ObjRef) (*unstructured.Unstructured, presence, error) {
	f := oc.feeds[keyOf(r)]
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store == nil {
		return nil, pending, f.err
	}
	key := r.Name
	if f.mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		key = r.Namespace + "/" + r.Name
	}
	item, ok, _ := f.store.GetByKey(key)
	if !ok {
		return nil, absent, nil
	}
	u := item.(*unstructured.Unstructured)
	if u.GetKind() == "" {
		u.SetGroupVersionKind(f.mapping.GroupVersionKind) // kstatus picks its rules by kind
	}
	return u, present, nil
}

func (f *feed) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (c *Client) runFeed(ctx context.Context, f *feed, retry time.Duration, wake func()) {
	var m *meta.RESTMapping
	for {
		var err error
		if m, err = c.mapping(f.gvk); err == nil {
			break
		}
		f.setErr(err)
		wake()
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
	res := c.Dynamic.Resource(m.Resource)
	var ri interface {
		List(context.Context, metav1.ListOptions) (*unstructured.UnstructuredList, error)
		Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
	} = res
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = res.Namespace(f.key.namespace)
	}
	narrow := func(o *metav1.ListOptions) {
		if f.key.name != "" {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", f.key.name).String()
		}
	}
	lw := cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			narrow(&o)
			return ri.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			narrow(&o)
			return ri.Watch(ctx, o)
		},
	}, c.Dynamic)
	inf := cache.NewSharedIndexInformerWithOptions(lw, &unstructured.Unstructured{},
		cache.SharedIndexInformerOptions{ObjectDescription: m.Resource.String()})
	_ = inf.SetTransform(func(o any) (any, error) {
		if u, ok := o.(*unstructured.Unstructured); ok {
			u.SetManagedFields(nil) // large, and no wait reads them
		}
		return o, nil
	})
	_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		f.setErr(err) // the informer retries; a waiter may give up on it
		wake()
	})
	on := func(any) { wake() }
	reg, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: on, DeleteFunc: on, UpdateFunc: func(_, o any) { wake() },
	})
	if err != nil {
		f.setErr(err)
		wake()
		return
	}
	var run sync.WaitGroup
	run.Go(func() { inf.RunWithContext(ctx) })
	defer run.Wait()
	select {
	case <-reg.HasSyncedChecker().Done():
		f.mu.Lock()
		f.mapping, f.store, f.err = m, inf.GetStore(), nil
		f.mu.Unlock()
		wake()
	case <-ctx.Done():
	}
}

// kindGone reports whether err says the kind no longer exists, so that
// neither can any object of it.
func kindGone(err error) bool {
	return meta.IsNoMatchError(err) || apierrors.IsNotFound(err)
}
