package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/auracognitive/aurak8s/internal/provider"
)

var _ provider.Locker = (*Provider)(nil)

// lockPoll is how often a queued Lock tries again.
const lockPoll = 200 * time.Millisecond

// Lock implements provider.Locker with an exclusive flock on
// STATE/run-NAME.lock, which holds the holder as JSON while it is held. The
// kernel releases a flock when its process dies, so a killed run never
// leaves the environment locked. The file is removed on unlock (and the
// state directory too, when the lock created it and nothing else is in it),
// so a run that changed nothing leaves nothing behind.
func (p *Provider) Lock(ctx context.Context, name string, holder provider.LockHolder, wait bool) (func(), error) {
	created, err := mkdirAllNew(p.dir)
	if err != nil {
		return nil, fmt.Errorf("local provider: local.state_dir: %w", err)
	}
	path := filepath.Join(p.dir, "run-"+name+".lock") // apart from the provider's own lock files
	for {
		f, err := tryLock(path)
		var locked *provider.LockedError
		switch {
		case errors.As(err, &locked):
			locked.Name = name
			if !wait {
				removeNew(created)
				return nil, locked
			}
			select {
			case <-ctx.Done():
				removeNew(created)
				return nil, ctx.Err()
			case <-time.After(lockPoll):
				continue
			}
		case errors.Is(err, os.ErrNotExist):
			// The holder we queued behind removed the directory it made.
			more, err := mkdirAllNew(p.dir)
			if err != nil {
				return nil, fmt.Errorf("local provider: local.state_dir: %w", err)
			}
			created = append(created, more...)
			continue
		case err != nil:
			removeNew(created)
			return nil, fmt.Errorf("local provider: lock %s: %w", path, err)
		}
		data, err := json.Marshal(holder)
		if err == nil {
			_, err = f.WriteAt(data, 0)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("local provider: lock %s: %w", path, err)
		}
		return func() {
			// Removed while still held: a run queued on this file finds it
			// replaced once it gets the lock, and tries again.
			_ = os.Remove(path)
			_ = f.Close()
			removeNew(created)
		}, nil
	}
}

// tryLock opens and locks path, or reports its holder in a *LockedError.
func tryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			locked := &provider.LockedError{}
			if data, err := io.ReadAll(io.LimitReader(f, 4096)); err == nil {
				_ = json.Unmarshal(data, &locked.Holder)
			}
			return nil, locked
		}
		return nil, err
	}
	// The holder before us may have removed the file between our open and
	// our lock: then a new run can lock a new file of that name, and ours
	// would lock nothing.
	opened, err1 := f.Stat()
	now, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(opened, now) {
		f.Close()
		return tryLock(path)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// mkdirAllNew is os.MkdirAll returning the directories it created, outermost
// first.
func mkdirAllNew(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append([]string{d}, missing...)
	}
	return missing, os.MkdirAll(dir, dirPerm)
}

// removeNew removes the directories mkdirAllNew created, innermost first,
// as far as they are empty.
func removeNew(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		if os.Remove(created[i]) != nil {
			return
		}
	}
}
