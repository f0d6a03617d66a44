package provider

import "fmt"

// Op says what an Ensure/Delete did (or, on a DryRun view, would do).
type Op string

// The operations a change can report. OpNone means the resource already was as
// desired: a second run of any Ensure must report it.
const (
	OpNone   Op = "unchanged"
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Change describes one resource's difference between observed and desired
// state. Detail never holds a secret value: it is printed as is.
type Change struct {
	Op     Op     `json:"op"`
	Kind   string `json:"kind"`             // e.g. "resource group", "blob", "dns record set"
	Name   string `json:"name"`             // the resource's name as a person knows it
	Detail string `json:"detail,omitempty"` // why, or what field changed
}

// Changed reports whether the change did (or would) modify anything.
func (c Change) Changed() bool { return c.Op != "" && c.Op != OpNone }

// String renders the change for progress output, e.g.
// "create storage account auradev (containers: aura-backups)".
func (c Change) String() string {
	s := fmt.Sprintf("%s %s %s", c.Op, c.Kind, c.Name)
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	return s
}
