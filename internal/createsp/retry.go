package createsp

import (
	"context"
	"fmt"
	"time"
)

// replication bounds the wait for Entra's replication: an object Graph
// just made is not at once known to every Graph replica and to ARM.
type replication struct {
	first   time.Duration // the first wait; each next one doubles, up to max
	max     time.Duration
	timeout time.Duration // the whole wait
	notify  func(string)
}

var defaultReplication = replication{first: 2 * time.Second, max: 20 * time.Second, timeout: 3 * time.Minute}

// do runs f until it succeeds, fails otherwise than lagging says, or the
// wait is over.
func (r replication) do(ctx context.Context, what string, lagging func(error) bool, f func() error) error {
	deadline := time.Now().Add(r.timeout)
	wait := r.first
	for {
		err := f()
		if err == nil || !lagging(err) {
			return err
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("create_sp: %s: Microsoft Entra has not replicated the new service principal after %s; run create_sp again (it reuses what exists): %w", what, r.timeout, err)
		}
		if r.notify != nil {
			r.notify(fmt.Sprintf("%s: waiting %s for Microsoft Entra to replicate the new service principal", what, wait))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, r.max)
	}
}
