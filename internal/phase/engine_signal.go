package phase

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// WithInterrupt returns a context cancelled by the first SIGINT or SIGTERM,
// so running actions finish their current write and the phase stops with
// *InterruptedError (exit 130). onFirst (may be nil) tells the user; a
// second signal exits at once with 130. Call stop when the command ends.
func WithInterrupt(parent context.Context, onFirst func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		if onFirst != nil {
			onFirst()
		}
		select {
		case <-sigs:
			os.Exit(130)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel()
		})
	}
}
