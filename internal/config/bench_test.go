package config

import "testing"

// BenchmarkLoad measures a full load of the example config (merge, checks,
// templates, rules).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(LoadOptions{CfgFile: fullPath}); err != nil {
			b.Fatal(err)
		}
	}
}
