package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// lockEnvironment takes the locks of the environment and of its cluster
// (tenants share a cluster, and so its system phase), in that order, before
// a mutating command changes anything. A taken lock fails the command at
// once, naming its holder, unless wait queues it.
func lockEnvironment(ctx context.Context, env *phase.Env, command string, wait bool, notify func(string)) (func(), error) {
	l, ok := env.Provider.(provider.Locker)
	if !ok {
		return nil, fmt.Errorf("provider %s cannot lock environments; refusing to run %s unguarded", env.Provider.Name(), command)
	}
	holder := provider.LockHolder{Command: "aura " + command, PID: os.Getpid(), Since: time.Now().UTC()}
	holder.Host, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		holder.User = u.Username
	}
	var unlocks []func()
	unlock := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	for _, name := range []string{"environment-" + env.Cfg.Derived.EnvironmentName, "cluster-" + env.Cfg.ClusterName} {
		u, err := l.Lock(ctx, name, holder, false)
		var locked *provider.LockedError
		if errors.As(err, &locked) && wait {
			notify(locked.Error() + "; waiting for it (--wait-lock)")
			u, err = l.Lock(ctx, name, holder, true)
		}
		if err != nil {
			unlock()
			if errors.As(err, &locked) {
				return nil, &lockError{locked}
			}
			return nil, err
		}
		unlocks = append(unlocks, u)
	}
	return unlock, nil
}

// lockError tells the user what to do about a taken lock; exit code 1.
type lockError struct{ *provider.LockedError }

func (e *lockError) Error() string {
	return e.LockedError.Error() + ". Nothing was changed: wait for that run to finish, or re-run with --wait-lock to queue behind it"
}

func (e *lockError) Unwrap() error { return e.LockedError }
