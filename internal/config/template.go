package config

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/builtins"
	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	gonjacfg "github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/auracognitive/aurak8s/internal/render"
)

// Configuration values are data. A template in one may refer to other keys
// and transform their values ("aura-{{ environment_name }}",
// "{{ v | replace('.', ”) }}", {% if %}), nothing more: no loops, blocks,
// macros, sets or includes, no functions (range, lipsum, …) or methods, no
// repetition (*), only filters whose output is bounded, and at most
// maxRenderedLen characters from any filter and in the result. Before these
// limits, one value with a loop over range(100000000) made validate use 7 GB.
const maxRenderedLen = 64 << 10

// allowedTags are the only {% %} tags a value may use.
var allowedTags = map[string]bool{"if": true, "elif": true, "else": true, "endif": true}

// valueFilters are the filters a value may use: none can repeat its input
// (center, indent, wordwrap, format do) or is random.
var valueFilters = []string{
	"abs", "capitalize", "count", "d", "default", "dictsort", "first", "float", "int", "items", "join", "last",
	"length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
	"select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
	"urlencode", "wordcount",
}

var valueEnv = newValueEnv()

func newValueEnv() *exec.Environment {
	filters := map[string]exec.FilterFunction{}
	for _, name := range valueFilters {
		f, ok := builtins.Filters.Get(name)
		if !ok {
			panic("gonja has no filter " + name)
		}
		filters[name] = boundedFilter(name, f)
	}
	// The templates' Ansible filters (to_json, regex_replace, bool, ...),
	// the very functions: a value may use what a template may.
	for name, f := range render.AnsibleFilters() {
		filters[name] = boundedFilter(name, f)
	}
	ifParser, ok := controlStructures.All.Get("if")
	if !ok {
		panic("gonja has no if")
	}
	return &exec.Environment{
		Context:           exec.EmptyContext(), // no global functions
		Filters:           exec.NewFilterSet(filters),
		Tests:             builtins.Tests,
		ControlStructures: exec.NewControlStructureSet(map[string]parser.ControlStructureParser{"if": ifParser}),
		Methods: exec.Methods{
			Bool:  exec.NewMethodSet(map[string]exec.Method[bool]{}),
			Int:   exec.NewMethodSet(map[string]exec.Method[int]{}),
			Float: exec.NewMethodSet(map[string]exec.Method[float64]{}),
			Str:   exec.NewMethodSet(map[string]exec.Method[string]{}),
			Dict:  exec.NewMethodSet(map[string]exec.Method[map[string]any]{}),
			List:  exec.NewMethodSet(map[string]exec.Method[[]any]{}),
		},
	}
}

// boundedFilter fails a filter whose result is longer than maxRenderedLen,
// so that chained filters (replace after replace) cannot grow a value
// without bound.
func boundedFilter(name string, f exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		out := f(e, in, params)
		var n int
		switch {
		case out.IsError():
			return out
		case out.IsString():
			n = len(out.String())
		case out.IsList() || out.IsDict():
			n = out.Len()
		}
		if n > maxRenderedLen {
			return exec.AsValue(fmt.Errorf("the %s filter makes a result longer than %d characters", name, maxRenderedLen))
		}
		return out
	}
}

// Concatenation (~, +) is the one way left to grow a value: each operand is
// at most a whole other value, so their number is bounded, as is the length
// of a templated value.
const (
	maxTemplateLen = 4 << 10
	maxConcats     = 32
)

// checkValueTemplate refuses what a value may not do before gonja parses or
// runs it: tags other than if, the * operator (it repeats strings) and too
// many concatenations.
func checkValueTemplate(src string, c *gonjacfg.Config) error {
	if len(src) > maxTemplateLen {
		return fmt.Errorf("a value with {{ }} or {%% %%} may be at most %d characters, this one has %d", maxTemplateLen, len(src))
	}
	concats := 0
	s := tokens.LexAll(src, c)
	for !s.End() {
		tok := s.Next()
		switch tok.Type {
		case tokens.BlockBegin:
			if name := s.Current(); name.Type == tokens.Name && !allowedTags[name.Val] {
				return fmt.Errorf("{%% %s %%} is not allowed: a configuration value may use {{ }} and {%% if %%} only (loops, blocks, macros, set and include are not)", name.Val)
			}
		case tokens.Multiply:
			return fmt.Errorf("the * operator is not allowed in a configuration value (it repeats strings)")
		case tokens.Tilde, tokens.Addition:
			if concats++; concats > maxConcats {
				return fmt.Errorf("more than %d ~ or + operators in one value", maxConcats)
			}
		}
	}
	return nil
}
