package config

import (
	"fmt"
	"slices"
	"strings"
)

// validator applies the guide's rules to a merged configuration.
type validator struct {
	cfg      *Config
	broken   map[string]bool
	problems []Problem
	warnings []string
	// rendered are the paths whose value came from a template; when the
	// environment's identity keys are wrong, problems there are only echoes.
	rendered    map[string]bool
	identityBad bool
}

// errf reports a problem with the value at path, located where it was set.
func (v *validator) errf(path, format string, a ...any) {
	if v.isBroken(path) || (v.identityBad && v.rendered[path]) {
		return
	}
	p := Problem{Path: path, Msg: fmt.Sprintf(format, a...)}
	if o, ok := v.cfg.origins.at(path); ok {
		p.File, p.Line, p.From = o.file, o.line, o.from
	} else {
		p.File = v.cfg.cfgFile
	}
	v.problems = append(v.problems, p)
}

// missing reports a required key that has no value. A key the user never
// wrote is blamed on the --cfg file (where it should go), not on a default.
func (v *validator) missing(path, why string) {
	if v.isBroken(path) {
		return
	}
	p := Problem{Path: path, Msg: "is required" + why, File: v.cfg.cfgFile}
	for a := path; a != ""; a = parentPath(a) {
		if o, ok := v.cfg.origins[a]; ok && !o.builtin() {
			p.File, p.Line = o.file, o.line
			break
		}
	}
	v.problems = append(v.problems, p)
}

func (v *validator) warnf(path, format string, a ...any) {
	v.warnings = append(v.warnings, path+": "+fmt.Sprintf(format, a...))
}

// isBroken: the checker already rejected this value or one above it.
func (v *validator) isBroken(path string) bool {
	for p := path; p != ""; p = parentPath(p) {
		if v.broken[p] {
			return true
		}
	}
	return false
}

// userSet: the value at path (not an ancestor's) was written by the user.
func (v *validator) userSet(path string) bool {
	o, ok := v.cfg.origins[path]
	return ok && !o.builtin()
}

// show quotes a value for a message, unless it is secret.
func (v *validator) show(path, value string) string {
	if v.cfg.isSecretPath(path, nil) {
		return Redaction
	}
	return fmt.Sprintf("%q", value)
}

func (v *validator) validate() {
	for _, rule := range rules {
		rule(v)
	}
}

// splitKeys splits the comma-separated aura_encryption_key list. Items are
// not trimmed: the services split on "," alone, so a space would become part
// of a key; the rules reject it instead.
func splitKeys(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
