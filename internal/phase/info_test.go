package phase

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestInfoFileLocatesLocalStorage: aura migrate opens a local
// environment's storage from its info file, from any working directory.
func TestInfoFileLocatesLocalStorage(t *testing.T) {
	e := testEnv(t, "")
	data, err := e.infoJSON(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(e.Cfg.Local.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Provider != "local" || info.LocalStateDir != want {
		t.Errorf("provider %q local_state_dir %q, want local and %q", info.Provider, info.LocalStateDir, want)
	}
}
