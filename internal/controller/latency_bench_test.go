package controller

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/packages"
)

// BenchmarkPatchToConfigMap measures the time from `kubectl patch … spec.version`
// to the edit of aura-nlp's NLP_PACKAGES: "copy-8MiB" installs versions not yet
// published (S3 → Azurite copy of 8 MiB included, at most 30 iterations), and
// "published" switches between two versions already in the blob container.
//
//	go test ./internal/controller/ -run '^$' -bench PatchToConfigMap -benchtime 10x
func BenchmarkPatchToConfigMap(b *testing.B) {
	h := newHarness(b, time.Hour)
	ns, kc := h.coreNamespace(b)
	const pkg, versions = "bench", 32
	for i := range versions {
		h.putPackage(b, packages.Key("nlp-trainings", pkg, fmt.Sprintf("1.0.%d", i)), 8<<20)
	}
	h.mustSh(b, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: bench}
spec: {version: 1.0.0}
EOF`)
	installed := func() string {
		var m map[string]string
		_ = json.Unmarshal([]byte(h.configMap(b, ns, nlpConfigMap)[nlpPackagesKey]), &m)
		return m[pkg]
	}
	// install patches spec.version and waits for the ConfigMap edit.
	install := func(b *testing.B, v string) (total, afterPatch time.Duration) {
		start := time.Now()
		h.mustSh(b, kc, `kubectl patch nlptrainings.auracognitive.com bench -p '{"spec" : {"version" : "`+v+`" }}' --type=merge`)
		patched := time.Now()
		for installed() != v {
			if time.Since(start) > wait {
				b.Fatalf("%s not installed after %s", v, wait)
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Since(start), time.Since(patched)
	}
	report := func(b *testing.B, n int, total, afterPatch time.Duration) {
		b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms-from-kubectl")
		b.ReportMetric(float64(afterPatch.Milliseconds())/float64(n), "ms-after-patch")
	}
	eventually(b, wait, func() string {
		if installed() != "1.0.0" {
			return "not installed"
		}
		return ""
	})
	next := 2 // 1.0.0 and 1.0.1 are the "published" pair
	b.Run("copy-8MiB", func(b *testing.B) {
		var total, after time.Duration
		n := 0
		for b.Loop() {
			if next >= versions {
				b.Skip("out of unpublished versions: use -benchtime 30x or less")
			}
			t, a := install(b, fmt.Sprintf("1.0.%d", next))
			next, n, total, after = next+1, n+1, total+t, after+a
		}
		report(b, n, total, after)
	})
	install(b, "1.0.1")
	b.Run("published", func(b *testing.B) {
		var total, after time.Duration
		n := 0
		for b.Loop() {
			t, a := install(b, fmt.Sprintf("1.0.%d", n%2))
			n, total, after = n+1, total+t, after+a
		}
		report(b, n, total, after)
	})
}
