// Package testtool decides what a test does when an external program it
// needs (ansible-vault, promtool, curl, kube-apiserver, ...) is missing: skip
// on a developer machine, fail in CI, where a skipped test would hide a
// broken setup.
package testtool

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// InCI treats CI as most CI systems set it: any value but "", "0", "false".
func InCI() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "", "0", "false":
		return false
	}
	return true
}

// Need returns the path of program name, or skips (CI unset) or fails (CI
// set) the test, saying how to get it (hint).
func Need(tb testing.TB, name, hint string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	Missing(tb, name+" not found ("+hint+")")
	return ""
}

// Missing skips or fails the test for a missing tool or resource.
func Missing(tb testing.TB, what string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("%s, and CI is set", what)
	}
	tb.Skipf("%s; set CI=true to make this a failure", what)
}
