package kube

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// WaitGone waits until every object is deleted: an object with finalizers
// stays until its controller lets it go, so removing that controller first
// would leave it (and its namespace) terminating forever. The objects are
// watched, so the wait ends as soon as the last one is gone.
func (c *Client) WaitGone(ctx context.Context, refs []ObjRef, timeout time.Duration) error {
	if len(refs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	objs := c.watchObjects(ctx, refs, time.Second)
	defer objs.stop()
	for {
		var still []string
		for _, r := range refs {
			o, p, err := objs.get(r)
			switch {
			case p == absent:
			case p == pending && kindGone(err):
				// its kind is gone, and with it the object
			case p == pending && err != nil && ctx.Err() == nil:
				return fmt.Errorf("%s: %w", r, err)
			case p == pending:
				still = append(still, r.String()+" (not listed yet)")
			default:
				still = append(still, fmt.Sprintf("%s (finalizers %s)", r, strings.Join(o.GetFinalizers(), ",")))
			}
		}
		if len(still) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still being deleted after %s: %s", timeout, strings.Join(still, "; "))
		case <-objs.changed:
		}
	}
}
