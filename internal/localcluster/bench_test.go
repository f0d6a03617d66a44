package localcluster

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLifecycle reports what a user waits for and what the cluster costs:
// cold create (new state directory), stop→start with data kept, and the summed
// RSS of the control-plane processes right after create.
//
//	go test -run '^$' -bench Lifecycle -benchtime 1x ./internal/localcluster/
func BenchmarkLifecycle(b *testing.B) {
	needBinaries(b)
	for _, bc := range []struct {
		name    string
		apiOnly bool
	}{{"pods", false}, {"api-only", true}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			var create, restart time.Duration
			var rss int64
			n := 0
			for b.Loop() {
				cl, err := New(Options{Dir: filepath.Join(b.TempDir(), "c"), ControlPlaneOnly: bc.apiOnly})
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, err := cl.Create(ctx); err != nil {
					b.Fatal(err)
				}
				create += time.Since(t0)
				procs, err := cl.Processes()
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range procs {
					r, err := RSS(p.PID)
					if err != nil {
						b.Fatal(err)
					}
					rss += r
				}
				t1 := time.Now()
				if _, err := cl.Stop(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := cl.Start(ctx); err != nil {
					b.Fatal(err)
				}
				restart += time.Since(t1)
				if _, err := cl.Delete(ctx); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(create.Seconds()/float64(n), "create-s")
			b.ReportMetric(restart.Seconds()/float64(n), "stop-start-s")
			b.ReportMetric(float64(rss)/float64(n)/(1<<20), "rss-MiB")
		})
	}
}
