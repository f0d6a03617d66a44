package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schema/config.schema.json from the Go types")

var schemaFile = filepath.Join("..", "..", "schema", "config.schema.json")

// The committed schema must match the Go types; run `go generate
// ./internal/config` (or this test with -update) after changing them.
func TestSchemaUpToDate(t *testing.T) {
	want, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (generate it with: go generate ./internal/config)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./internal/config", schemaFile)
	}
}
