package release

import (
	"fmt"
	"sort"
	"strings"

	"github.com/auracognitive/aurak8s/internal/editdist"
)

// UnknownComponentError is returned by Resolve for a name that is neither a
// component nor an alias. It is a usage error (exit code 2).
type UnknownComponentError struct {
	Name       string
	Suggestion string // closest known name, "" if none is close
}

func (e *UnknownComponentError) Error() string {
	msg := fmt.Sprintf("unknown component %q", e.Name)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return msg + "; run `aura deploy_core --help` for the list"
}

// ExitCode makes the CLI exit with 2 (bad usage, nothing changed).
func (e *UnknownComponentError) ExitCode() int { return 2 }

// Resolve maps `-t` arguments (canonical names or aliases; an argument may
// hold several names separated by spaces or commas) to canonical names, in
// manifest order, without duplicates.
func (m *Manifest) Resolve(args []string) ([]string, error) {
	want := map[string]bool{}
	for _, arg := range args {
		for _, name := range strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			c, ok := m.Component(name)
			if !ok {
				return nil, &UnknownComponentError{Name: name, Suggestion: m.closest(name)}
			}
			want[c.Name] = true
		}
	}
	var out []string
	for _, c := range m.Components {
		if want[c.Name] {
			out = append(out, c.Name)
		}
	}
	return out, nil
}

func (m *Manifest) closest(name string) string {
	best, bestDist := "", len(name)/2+2 // farther than this is not a typo
	var all []string
	for _, c := range m.Components {
		all = append(all, c.Name)
		all = append(all, c.Aliases...)
	}
	sort.Strings(all)
	for _, cand := range all {
		d := editdist.Levenshtein(name, cand)
		// Users often drop the product prefix: "groot" for "aura-groot".
		for _, prefix := range []string{"aura-", "atria-"} {
			if short, ok := strings.CutPrefix(cand, prefix); ok {
				d = min(d, editdist.Levenshtein(name, short)+1)
			}
		}
		if strings.HasPrefix(cand, name) || strings.HasSuffix(cand, name) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = cand, d
		}
	}
	return best
}

// Waves groups the given components (canonical names) into ordered waves:
// every component's dependencies that are among the given ones sit in an
// earlier wave. Components of one wave can be applied and awaited together.
func (m *Manifest) Waves(names []string) [][]string {
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	level := map[string]int{}
	var depth func(string) int
	depth = func(n string) int {
		if l, ok := level[n]; ok {
			return l
		}
		c, _ := m.Component(n)
		l := 0
		for _, d := range c.DependsOn {
			if in[d] {
				l = max(l, depth(d)+1)
			}
		}
		level[n] = l
		return l
	}
	var waves [][]string
	for _, c := range m.Components { // manifest order inside a wave
		if !in[c.Name] {
			continue
		}
		l := depth(c.Name)
		for len(waves) <= l {
			waves = append(waves, nil)
		}
		waves[l] = append(waves[l], c.Name)
	}
	return waves
}
