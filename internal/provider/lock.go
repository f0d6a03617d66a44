package provider

import (
	"context"
	"fmt"
	"time"
)

// LockHolder says which run holds an environment lock, for the run that
// finds it taken.
type LockHolder struct {
	Command string    `json:"command"`
	PID     int       `json:"pid"`
	User    string    `json:"user"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
}

// Locker serialises the mutating commands of one environment, so that two
// runs never change it at once (local: a flock in the state directory;
// azure: a lease on a blob of the common storage account). A lock of a
// process that died is free again.
type Locker interface {
	// Lock takes the lock called name for holder. Without wait a lock held
	// by another run is a *LockedError at once; with wait it queues until
	// the lock is free or ctx ends. unlock releases it.
	Lock(ctx context.Context, name string, holder LockHolder, wait bool) (unlock func(), err error)
}

// LockedError is returned by Lock when another run holds the lock.
type LockedError struct {
	Name   string
	Holder LockHolder // zero when the holder did not say
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.Command == "" {
		return fmt.Sprintf("%s is locked by another run", e.Name)
	}
	return fmt.Sprintf("%s is locked by `%s` (pid %d, %s@%s) since %s (%s ago)", e.Name, h.Command, h.PID, h.User, h.Host,
		h.Since.UTC().Format(time.RFC3339), time.Since(h.Since).Round(time.Second))
}

// ExitCode makes aura exit 1: the run failed, nothing was changed.
func (e *LockedError) ExitCode() int { return 1 }
