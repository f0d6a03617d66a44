package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Cleanup removes the whole state directory once no resource group is left
// in it (after delete_common), so an undeployed environment leaves no file
// behind. It reports whether it removed anything.
func (p *Provider) Cleanup(ctx context.Context) (bool, error) {
	if p.dry {
		return false, nil
	}
	if _, err := os.Stat(p.dir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return false, err
	}
	groups, err := os.ReadDir(filepath.Join(p.dir, groupsDirName))
	unlock()
	if err != nil || len(groups) > 0 {
		return false, err
	}
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case name == groupsDirName, name == tmpDirName, strings.HasSuffix(name, ".lock"):
		default:
			return false, nil // something else (a cluster's files) is still there
		}
	}
	if err := os.RemoveAll(p.dir); err != nil {
		return false, err
	}
	// The default state_dir is .aura/state: drop the parent too when empty.
	_ = os.Remove(filepath.Dir(p.dir))
	return true, nil
}
