package helm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// BenchmarkApply measures one install-or-upgrade of the test chart with wait
// (each iteration changes a value, so every Apply is a real upgrade), and the
// cost of an unchanged Apply.
func BenchmarkApply(b *testing.B) {
	env := testenv.Get(b)
	dir := b.TempDir()
	if err := saveChart(dir); err != nil {
		b.Fatal(err)
	}
	ns := fmt.Sprintf("helm-bench-%d", nsSeq.Add(1))
	c, err := helm.New(env.Config, ns, &helm.Source{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	c.Timeout = time.Minute
	ctx := context.Background()
	b.Run("upgrade", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := c.Apply(ctx, webRelease(ns, "0.1.0", map[string]any{"message": fmt.Sprint(i)})); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		rel := webRelease(ns, "0.1.0", map[string]any{"message": "same"})
		if _, err := c.Apply(ctx, rel); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if ch, err := c.Apply(ctx, rel); err != nil || ch.Action != helm.ActionUnchanged {
				b.Fatal(ch, err)
			}
		}
	})
	if _, err := c.Uninstall(ctx, "web", ns); err != nil {
		b.Fatal(err)
	}
}
