package azure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// pending is what the TokenStore holds for an operation aura started and
// has not yet seen end.
type pending struct {
	Op    provider.Op `json:"op"`
	Token string      `json:"token"`
}

var unsafeKeyRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// tokenKey names an operation on a resource, e.g. "aks.put.rg.cluster".
// Azure names may hold characters a key may not: those are replaced and a
// hash of the original keeps keys distinct.
func tokenKey(parts ...string) string {
	raw := strings.Join(parts, ".")
	k := unsafeKeyRE.ReplaceAllString(raw, "_")
	if k != raw || len(k) > 160 {
		sum := sha256.Sum256([]byte(raw))
		if len(k) > 140 {
			k = k[:140]
		}
		k += "-" + hex.EncodeToString(sum[:6])
	}
	return k
}

// operation is a started long-running operation; aura reads the resource
// again when it ended, so its result is not needed.
type operation interface {
	Done() bool
	ResumeToken() (string, error)
	wait(ctx context.Context, freq time.Duration) error
}

type poller[T any] struct{ *runtime.Poller[T] }

func (p poller[T]) wait(ctx context.Context, freq time.Duration) error {
	_, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: freq})
	return err
}

// begun adapts a Begin* call of any client.
func begun[T any](pl *runtime.Poller[T], err error) (operation, error) {
	if err != nil {
		return nil, err
	}
	return poller[T]{pl}, nil
}

// beginFunc starts an operation, or rehydrates it from a resume token
// (then it sends nothing).
type beginFunc func(ctx context.Context, resumeToken string) (operation, error)

// resume waits for an operation an earlier run started and did not see end.
// found is false when none is pending under key.
func resume(ctx context.Context, p *Provider, key string, begin beginFunc) (op provider.Op, found bool, err error) {
	raw, found, err := p.tokens().Get(ctx, key)
	if err != nil || !found {
		return "", false, err
	}
	var pd pending
	if err := json.Unmarshal([]byte(raw), &pd); err != nil || pd.Token == "" {
		// A token we cannot read cannot be resumed: forget it, observe afresh.
		return "", false, p.tokens().Delete(ctx, key)
	}
	if p.dry {
		return pd.Op, true, nil
	}
	o, err := begin(ctx, pd.Token)
	if err != nil {
		_ = p.tokens().Delete(ctx, key)
		return "", false, nil
	}
	return pd.Op, true, wait(ctx, p, key, o)
}

// run starts an operation and waits for it; its resume token is saved
// before the wait and deleted once the operation ended.
func run(ctx context.Context, p *Provider, key string, op provider.Op, begin beginFunc) error {
	o, err := begin(ctx, "")
	if err != nil {
		return err
	}
	if !o.Done() {
		tok, err := o.ResumeToken()
		if err != nil {
			return err
		}
		data, err := json.Marshal(pending{Op: op, Token: tok})
		if err != nil {
			return err
		}
		if err := p.tokens().Put(ctx, key, string(data)); err != nil {
			return fmt.Errorf("the operation started but its resume token could not be saved (the next run waits for it): %w", err)
		}
	}
	return wait(ctx, p, key, o)
}

func wait(ctx context.Context, p *Provider, key string, o operation) error {
	err := o.wait(ctx, p.opts.PollFrequency)
	if err == nil || (ctx.Err() == nil && o.Done()) {
		// Ended, well or not: nothing left to resume. The token is deleted
		// even if ctx ends now, or the next run would wait for a finished
		// operation again.
		if derr := p.tokens().Delete(context.WithoutCancel(ctx), key); derr != nil && err == nil {
			err = derr
		}
	}
	return err
}

// terminal reports whether a provisioning state allows a write: the last
// operation ended. An empty state is a resource type that has none.
func terminal(state string) bool {
	switch strings.ToLower(state) {
	case "", "succeeded", "failed", "canceled", "cancelled":
		return true
	}
	return false
}

// busyError says a resource is in the middle of an operation aura did not
// start (or cannot resume), so aura left it alone.
type busyError struct {
	what, state string
	waited      time.Duration
}

func (e *busyError) Error() string {
	return fmt.Sprintf("azure: %s is %s (an operation is running on it; waited %s): aura did not change it; run again once the operation ended (see the Activity log in the Azure portal)",
		e.what, e.state, e.waited.Truncate(time.Millisecond))
}

// settle waits until observe reports a terminal provisioning state, for at
// most BusyTimeout. It returns the last observation. A dry run does not
// wait: it reports what it saw.
func settle[T any](ctx context.Context, p *Provider, what string, observe func(context.Context) (T, string, error)) (T, error) {
	t0 := time.Now()
	for {
		v, state, err := observe(ctx)
		if err != nil || terminal(state) || p.dry {
			return v, err
		}
		waited := time.Since(t0)
		if waited >= p.opts.BusyTimeout {
			return v, &busyError{what: what, state: state, waited: waited}
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(min(p.opts.PollFrequency, p.opts.BusyTimeout-waited)):
		}
	}
}

// isBusy reports whether err is a busyError.
func isBusy(err error) bool {
	var b *busyError
	return errors.As(err, &b)
}
