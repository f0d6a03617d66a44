package render

import (
	"bytes"
	"crypto/md5"  //nolint:gosec // Ansible's hash('md5') is a checksum, not security
	"crypto/sha1" //nolint:gosec // idem for hash('sha1')
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"regexp"
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	yaml "go.yaml.in/yaml/v3"
)

// ansibleFilters are the Ansible (not Jinja) filters our templates use.
// Error messages never include the filtered value: it may be a secret.
func ansibleFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"b64encode":     filterB64Encode,
		"b64decode":     filterB64Decode,
		"to_json":       filterToJSON(false),
		"to_nice_json":  filterToJSON(true),
		"from_json":     filterFromJSON,
		"to_yaml":       filterToYAML(false),
		"to_nice_yaml":  filterToYAML(true),
		"from_yaml":     filterFromYAML,
		"regex_replace": filterRegexReplace,
		"regex_search":  filterRegexSearch,
		"bool":          filterBool,
		"quote":         filterQuote,
		"hash":          filterHash,
		"combine":       filterCombine,
		"mandatory":     filterMandatory,
		"ternary":       filterTernary,
		"dict2items":    filterDict2Items,
	}
}

func fail(format string, args ...any) *exec.Value {
	return exec.AsValue(exec.ErrInvalidCall(fmt.Errorf(format, args...)))
}

// plain converts a template value (possibly a gonja dict literal) to plain Go
// maps, slices and scalars.
func plain(v *exec.Value) (any, error) {
	out := v.ToGoSimpleType(false)
	if err, ok := out.(error); ok {
		return nil, err
	}
	return out, nil
}

func filterB64Encode(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return fail("b64encode: %v", err)
	}
	return exec.AsValue(base64.StdEncoding.EncodeToString([]byte(in.String())))
}

func filterB64Decode(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return fail("b64decode: %v", err)
	}
	out, err := base64.StdEncoding.DecodeString(strings.TrimSpace(in.String()))
	if err != nil {
		return fail("b64decode: input is not valid base64")
	}
	return exec.AsValue(string(out))
}

func filterToJSON(nice bool) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		indent := 4
		if nice {
			if err := params.Take(exec.KeywordArgument("indent", exec.AsValue(4), exec.IntArgument(&indent))); err != nil {
				return fail("to_nice_json: %v", err)
			}
		} else if err := params.Take(); err != nil {
			return fail("to_json: %v", err)
		}
		v, err := plain(in)
		if err != nil {
			return fail("to_json: %v", err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if nice {
			enc.SetIndent("", strings.Repeat(" ", indent))
		}
		if err := enc.Encode(v); err != nil {
			return fail("to_json: %v", err)
		}
		return exec.AsValue(strings.TrimSuffix(buf.String(), "\n"))
	}
}

func filterFromJSON(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return fail("from_json: %v", err)
	}
	var out any
	if err := json.Unmarshal([]byte(in.String()), &out); err != nil {
		return fail("from_json: input is not valid JSON")
	}
	return exec.AsValue(out)
}

func filterToYAML(nice bool) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		indent := 2
		if nice {
			indent = 4 // Ansible's to_nice_yaml default
		}
		if err := params.Take(exec.KeywordArgument("indent", exec.AsValue(indent), exec.IntArgument(&indent))); err != nil {
			return fail("to_yaml: %v", err)
		}
		v, err := plain(in)
		if err != nil {
			return fail("to_yaml: %v", err)
		}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(indent)
		if err := enc.Encode(v); err != nil {
			return fail("to_yaml: %v", err)
		}
		_ = enc.Close()
		// Without the document's trailing newline the result composes with
		// the indent filter without leaving a whitespace-only line.
		return exec.AsValue(strings.TrimSuffix(buf.String(), "\n"))
	}
}

func filterFromYAML(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return fail("from_yaml: %v", err)
	}
	var out any
	if err := yaml.Unmarshal([]byte(in.String()), &out); err != nil {
		return fail("from_yaml: input is not valid YAML")
	}
	return exec.AsValue(out)
}

// pyBackref rewrites Python replacement syntax (\1, \g<1>, \g<name>) to Go's.
var pyBackref = regexp.MustCompile(`\\g<(\w+)>|\\(\d+)`)

func compilePattern(pattern string, ignoreCase, multiline bool) (*regexp.Regexp, error) {
	flags := ""
	if ignoreCase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	// Python's named groups (?P<n>...) are valid Go; nothing to translate.
	return regexp.Compile(pattern)
}

func filterRegexReplace(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var pattern, replacement string
	var ignoreCase, multiline bool
	if err := params.Take(
		exec.PositionalArgument("pattern", nil, exec.StringArgument(&pattern)),
		exec.PositionalArgument("replacement", exec.AsValue(""), exec.StringArgument(&replacement)),
		exec.KeywordArgument("ignorecase", exec.AsValue(false), exec.BoolArgument(&ignoreCase)),
		exec.KeywordArgument("multiline", exec.AsValue(false), exec.BoolArgument(&multiline)),
	); err != nil {
		return fail("regex_replace: %v", err)
	}
	re, err := compilePattern(pattern, ignoreCase, multiline)
	if err != nil {
		return fail("regex_replace: bad pattern %q: %v", pattern, err)
	}
	goRepl := pyBackref.ReplaceAllStringFunc(strings.ReplaceAll(replacement, "$", "$$"), func(m string) string {
		sub := pyBackref.FindStringSubmatch(m)
		if sub[1] != "" {
			return "${" + sub[1] + "}"
		}
		return "${" + sub[2] + "}"
	})
	return exec.AsValue(re.ReplaceAllString(in.String(), goRepl))
}

func filterRegexSearch(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var pattern string
	var ignoreCase, multiline bool
	if err := params.Take(
		exec.PositionalArgument("pattern", nil, exec.StringArgument(&pattern)),
		exec.KeywordArgument("ignorecase", exec.AsValue(false), exec.BoolArgument(&ignoreCase)),
		exec.KeywordArgument("multiline", exec.AsValue(false), exec.BoolArgument(&multiline)),
	); err != nil {
		return fail("regex_search: %v", err)
	}
	re, err := compilePattern(pattern, ignoreCase, multiline)
	if err != nil {
		return fail("regex_search: bad pattern %q: %v", pattern, err)
	}
	m := re.FindString(in.String())
	if m == "" && !re.MatchString(in.String()) {
		return exec.AsValue(nil)
	}
	return exec.AsValue(m)
}

// filterBool follows Ansible's bool: yes/on/1/true (any case) are true.
func filterBool(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return fail("bool: %v", err)
	}
	switch {
	case in.IsNil():
		return exec.AsValue(false)
	case in.IsBool():
		return exec.AsValue(in.Bool())
	case in.IsNumber():
		return exec.AsValue(in.Float() == 1)
	}
	switch strings.ToLower(strings.TrimSpace(in.String())) {
	case "yes", "on", "1", "true", "y", "t":
		return exec.AsValue(true)
	}
	return exec.AsValue(false)
}

// filterQuote is Ansible's quote (shlex.quote): safe single-quoting for sh.
func filterQuote(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return fail("quote: %v", err)
	}
	s := in.String()
	if s == "" {
		return exec.AsValue("''")
	}
	if regexp.MustCompile(`^[\w@%+=:,./-]+$`).MatchString(s) {
		return exec.AsValue(s)
	}
	return exec.AsValue("'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'")
}

func filterHash(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	algo := "sha1"
	if err := params.Take(exec.PositionalArgument("hashtype", exec.AsValue("sha1"), exec.StringArgument(&algo))); err != nil {
		return fail("hash: %v", err)
	}
	var h hash.Hash
	switch algo {
	case "md5":
		h = md5.New() //nolint:gosec
	case "sha1":
		h = sha1.New() //nolint:gosec
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return fail("hash: unsupported hash type %q (md5, sha1, sha256, sha512)", algo)
	}
	h.Write([]byte(in.String()))
	return exec.AsValue(hex.EncodeToString(h.Sum(nil)))
}

// filterCombine merges dicts left to right (recursive=True merges nested dicts).
func filterCombine(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	recursive := params.GetKeywordArgument("recursive", false).IsTrue()
	base, err := plain(in)
	if err != nil {
		return fail("combine: %v", err)
	}
	out, ok := base.(map[string]any)
	if !ok {
		return fail("combine: input is not a dict")
	}
	out = deepCopy(out)
	for i, arg := range params.Args {
		v, err := plain(arg)
		if err != nil {
			return fail("combine: %v", err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fail("combine: argument %d is not a dict", i+1)
		}
		merge(out, m, recursive)
	}
	return exec.AsValue(out)
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopy(sub)
		}
		out[k] = v
	}
	return out
}

func merge(dst, src map[string]any, recursive bool) {
	for k, v := range src {
		if recursive {
			if sv, ok := v.(map[string]any); ok {
				if dv, ok := dst[k].(map[string]any); ok {
					merge(dv, sv, true)
					continue
				}
			}
		}
		dst[k] = v
	}
}

func filterMandatory(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if in.IsNil() {
		msg := params.First()
		if !msg.IsNil() {
			return fail("%s", msg.String())
		}
		return fail("mandatory variable not defined")
	}
	return in
}

func filterTernary(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if len(params.Args) < 2 {
		return fail("ternary: needs true and false values")
	}
	if in.IsNil() && len(params.Args) > 2 {
		return params.Args[2]
	}
	if in.IsTrue() {
		return params.Args[0]
	}
	return params.Args[1]
}

func filterDict2Items(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	v, err := plain(in)
	if err != nil {
		return fail("dict2items: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fail("dict2items: input is not a dict")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(m))
	for _, k := range keys {
		out = append(out, map[string]any{"key": k, "value": m[k]})
	}
	return exec.AsValue(out)
}
