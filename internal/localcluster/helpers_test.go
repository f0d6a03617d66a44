package localcluster

import (
	"os"
	"strings"
	"testing"
)

// needBinaries skips without the control-plane binaries unless CI is set,
// where their absence is a failure.
func needBinaries(tb testing.TB) Binaries {
	tb.Helper()
	b, err := FindBinaries("")
	if err != nil {
		switch strings.ToLower(os.Getenv("CI")) {
		case "", "0", "false":
			tb.Skipf("%v (CI unset, so skipping)", err)
		}
		tb.Fatal(err)
	}
	return b
}
