package kube

import (
	"strings"
	"testing"
)

func TestInventoryValidate(t *testing.T) {
	ok := Inventory{Environment: "es-dev", Phase: "core", Release: "7.2.0", Name: "aura-es-dev-720", Namespace: "aura-system"}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
	if got := ok.RecordName(); got != "aura-inventory-es-dev-aura-es-dev-720" {
		t.Errorf("record name %s", got)
	}
	if ok.Labels()[LabelInventory] != "aura-es-dev-720" || (Inventory{Phase: "core"}).Labels()[LabelInventory] != "core" {
		t.Error("inventory label must be Name, defaulting to Phase")
	}
	tests := []struct {
		mutate func(*Inventory)
		want   string
	}{
		{func(i *Inventory) { i.Environment = "" }, "Environment must be set"},
		{func(i *Inventory) { i.Namespace = "" }, "Namespace must be set"},
		{func(i *Inventory) { i.Name = strings.Repeat("x", 64) }, "inventory: Name"},
		{func(i *Inventory) { i.Release = "7.2.0+build/1" }, `inventory: Release "7.2.0+build/1"`},
	}
	for _, tt := range tests {
		inv := ok
		tt.mutate(&inv)
		if err := inv.validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}
