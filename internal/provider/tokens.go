package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/google/renameio/v2"
)

// TokenStore keeps the resume tokens of a cloud's long-running operations
// with the environment's state: a provider saves one before it waits for an
// operation and deletes it when the operation ended, so a run interrupted
// while Azure creates a cluster resumes waiting for that operation instead
// of starting another. Keys are short, made of letters, digits, '.', '_'
// and '-'. Implementations are safe for concurrent use.
type TokenStore interface {
	// Get returns the token saved under key; found is false when none is.
	Get(ctx context.Context, key string) (token string, found bool, err error)
	Put(ctx context.Context, key, token string) error
	// Delete removes the token; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

var tokenKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// CheckTokenKey rejects keys a TokenStore need not support.
func CheckTokenKey(key string) error {
	if !tokenKeyRE.MatchString(key) {
		return fmt.Errorf("resume token key %q: must be 1-201 letters, digits, '.', '_' or '-', starting with a letter or digit", key)
	}
	return nil
}

// MemoryTokenStore keeps tokens in memory: for tests, and for commands
// that cannot resume anyway.
type MemoryTokenStore struct {
	mu sync.Mutex
	m  map[string]string
}

// Get implements TokenStore.
func (s *MemoryTokenStore) Get(_ context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[key]
	return t, ok, nil
}

// Put implements TokenStore.
func (s *MemoryTokenStore) Put(_ context.Context, key, token string) error {
	if err := CheckTokenKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = token
	return nil
}

// Delete implements TokenStore.
func (s *MemoryTokenStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Keys lists the saved keys (tests check that none is left behind).
func (s *MemoryTokenStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.m {
		keys = append(keys, k)
	}
	return keys
}

// DirTokenStore keeps each token in a file DIR/KEY (0600, written
// atomically), so they survive the process. The directory is created by the
// first Put and removed when its last token is deleted.
type DirTokenStore struct{ Dir string }

// dirTokenMu orders the Puts and Deletes of this process (the environment
// lock keeps other processes out).
var dirTokenMu sync.Mutex

func (s DirTokenStore) path(key string) (string, error) {
	if err := CheckTokenKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.Dir, key), nil
}

// Get implements TokenStore.
func (s DirTokenStore) Get(ctx context.Context, key string) (string, bool, error) {
	p, err := s.path(key)
	if err != nil {
		return "", false, err
	}
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("resume token: %w", err)
	}
	return string(data), true, nil
}

// Put implements TokenStore.
func (s DirTokenStore) Put(ctx context.Context, key, token string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Operations of one step run concurrently: a Delete removing the
	// directory it emptied must not fall between this MkdirAll and the
	// rename into it.
	dirTokenMu.Lock()
	defer dirTokenMu.Unlock()
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("resume token: %w", err)
	}
	if err := renameio.WriteFile(p, []byte(token), 0o600); err != nil {
		return fmt.Errorf("resume token: %w", err)
	}
	return nil
}

// Delete implements TokenStore.
func (s DirTokenStore) Delete(_ context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	dirTokenMu.Lock()
	defer dirTokenMu.Unlock()
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("resume token: %w", err)
	}
	_ = os.Remove(s.Dir) // only succeeds once empty
	return nil
}
