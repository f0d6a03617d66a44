package packages

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCopyPeakMemory streams generated packages of 64 MiB and 1 GiB into
// Azurite and reports the peak Go heap and the process's peak RSS during the
// copy: both should stay flat while the size grows 16×.
//
//	go test ./internal/packages/ -run '^$' -bench CopyPeakMemory -benchtime 1x
func BenchmarkCopyPeakMemory(b *testing.B) {
	_, sink := azurite(b, "bench")
	p := &Publisher{Sink: sink}
	for _, size := range []int64{64 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			b.SetBytes(size)
			var heapPeak, rssPeak float64
			for b.Loop() {
				runtime.GC()
				resetPeakRSS()
				stop := sampleHeap()
				n, _, err := p.Copy(context.Background(), "bench.tgz", io.LimitReader(newPattern(), size))
				heap := stop()
				if err != nil || n != size {
					b.Fatalf("copied %d of %d bytes: %v", n, size, err)
				}
				heapPeak = max(heapPeak, float64(heap)/(1<<20))
				rssPeak = max(rssPeak, float64(peakRSS())/(1<<20))
			}
			b.ReportMetric(heapPeak, "peak-heap-MiB")
			b.ReportMetric(rssPeak, "peak-RSS-MiB")
		})
	}
}

// pattern repeats one random MiB: package bytes made on the fly, never held whole.
type pattern struct {
	block []byte
	off   int
}

func newPattern() *pattern {
	b := make([]byte, 1<<20)
	_, _ = rand.Read(b)
	return &pattern{block: b}
}

func (p *pattern) Read(buf []byte) (int, error) {
	n := copy(buf, p.block[p.off:])
	p.off = (p.off + n) % len(p.block)
	return n, nil
}

// sampleHeap records the highest HeapInuse until the returned func is called.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-stopped; return peak.Load() }
}

// resetPeakRSS resets VmHWM (Linux: writing 5 to clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM in bytes, 0 where /proc is not available.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
