package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one finding, tied to where the offending value was written.
type Problem struct {
	File string // "" when the value came from a built-in default
	Line int    // 0 when unknown (e.g. a missing key)
	Path string // key path, e.g. infrastructure.compute.agentpools.common.min_size
	Msg  string
	// From says which built-in layer set the value ("default" or
	// "default of profile de") when File is "".
	From string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	if p.File == "" && p.From != "" {
		b.WriteString(" (" + p.From + ")")
	}
	return b.String()
}

// Errors is every problem of one load. It makes aura exit 2.
type Errors struct {
	Problems []Problem
}

func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if len(lines) == 1 {
		return "invalid configuration: " + lines[0]
	}
	return fmt.Sprintf("invalid configuration (%d problems):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// ExitCode is 2: bad input, nothing was changed.
func (e *Errors) ExitCode() int { return 2 }

// sortProblems orders by file then line; problems of built-in defaults last.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if (a.File == "") != (b.File == "") {
			return a.File != ""
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Path < b.Path
	})
}
