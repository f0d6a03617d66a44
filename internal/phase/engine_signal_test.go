package phase

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// The first Ctrl-C cancels the context (so the runner stops after the
// current writes) and tells the user; it does not kill the process.
func TestFirstInterruptCancels(t *testing.T) {
	told := make(chan struct{})
	ctx, stop := WithInterrupt(context.Background(), func() { close(told) })
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the context")
	}
	select {
	case <-told:
	case <-time.After(10 * time.Second):
		t.Fatal("the user was not told")
	}
	stop() // twice is fine
}
