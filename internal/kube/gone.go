package kube

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WaitGone waits until every object is deleted: an object with finalizers
// stays until its controller lets it go, so removing that controller first
// would leave it (and its namespace) terminating forever.
func (c *Client) WaitGone(ctx context.Context, refs []ObjRef, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	left := refs
	for {
		var still []string
		var next []ObjRef
		for _, r := range left {
			m, err := c.mapping(r.GVK())
			if meta.IsNoMatchError(err) {
				continue // its kind is gone, and with it the object
			}
			if err != nil {
				return err
			}
			res := c.Dynamic.Resource(m.Resource)
			var o interface{ GetFinalizers() []string }
			if m.Scope.Name() == meta.RESTScopeNameNamespace {
				o, err = res.Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
			} else {
				o, err = res.Get(ctx, r.Name, metav1.GetOptions{})
			}
			switch {
			case apierrors.IsNotFound(err):
				continue
			case err != nil && ctx.Err() == nil:
				return err
			case err == nil:
				still = append(still, fmt.Sprintf("%s (finalizers %s)", r, strings.Join(o.GetFinalizers(), ",")))
			}
			next = append(next, r)
		}
		if len(next) == 0 {
			return nil
		}
		left = next
		select {
		case <-ctx.Done():
			return fmt.Errorf("still being deleted after %s: %s", timeout, strings.Join(still, "; "))
		case <-time.After(time.Second):
		}
	}
}
