package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	gonjacfg "github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// render resolves Jinja in string values ("aura-{{ environment_name }}"),
// the way Ansible resolves its variables: strictly (an undefined variable is
// an error naming the key) and until values that refer to other templated
// values settle. Secrets are never rendered: they are taken literally.
func (v *validator) render() {
	for pass := 0; pass < 4; pass++ {
		ctx := v.cfg.TemplateContext()
		changed, errs := false, map[string]string{}
		v.walkStrings(reflect.ValueOf(v.cfg).Elem(), "", false, func(path string, s reflect.Value) {
			if !isTemplate(s.String()) {
				return
			}
			if v.rendered == nil {
				v.rendered = map[string]bool{}
			}
			v.rendered[path] = true
			out, err := renderString(s.String(), ctx)
			if err != nil {
				errs[path] = err.Error()
				return
			}
			if out != s.String() {
				s.SetString(out)
				changed = true
			}
		})
		if !changed || len(errs) > 0 {
			for path, msg := range errs {
				v.errf(path, "cannot render template: %s", msg)
				v.broken[path] = true // its raw value would only fail other rules
			}
			break
		}
		v.derive() // names may depend on rendered values
	}
}

func isTemplate(s string) bool { return strings.Contains(s, "{{") || strings.Contains(s, "{%") }

// walkStrings calls fn for every settable, non-secret string value.
func (v *validator) walkStrings(rv reflect.Value, path string, secret bool, fn func(string, reflect.Value)) {
	switch rv.Kind() {
	case reflect.Pointer:
		if !rv.IsNil() {
			v.walkStrings(rv.Elem(), path, secret, fn)
		}
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if name := yamlName(f); name != "" {
				v.walkStrings(rv.Field(i), joinPath(path, name), secret || f.Tag.Get("secret") == "true", fn)
			}
		}
	case reflect.Map:
		for _, k := range rv.MapKeys() {
			p := joinPath(path, k.String())
			e := rv.MapIndex(k)
			if e.Kind() == reflect.String {
				// Map values are not addressable: render a copy and store it.
				cp := reflect.New(e.Type()).Elem()
				cp.Set(e)
				v.walkStrings(cp, p, secret, fn)
				rv.SetMapIndex(k, cp)
				continue
			}
			v.walkStrings(e, p, secret, fn)
		}
	case reflect.Slice:
		for i := 0; i < rv.Len(); i++ {
			v.walkStrings(rv.Index(i), fmt.Sprintf("%s[%d]", path, i), secret, fn)
		}
	case reflect.String:
		// secret already says whether a field on the way is tagged secret,
		// which is the slow part of isSecretPath.
		if o, ok := v.cfg.origins.at(path); secret || (ok && o.vaulted) || !rv.CanSet() {
			return
		}
		fn(path, rv)
	}
}

// renderString renders one value under the limits of template.go. A
// template must not crash the loader: gonja panics on some input (1 % 0).
func renderString(src string, ctx map[string]any) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("cannot evaluate: %v", r)
		}
	}()
	tpl, err := compileValue(src)
	if err != nil {
		return "", err
	}
	var b limitedBuilder
	err = tpl.Execute(&b, exec.NewContext(ctx))
	switch {
	case b.over: // whether or not gonja passed the write error on
		return "", fmt.Errorf("the result is longer than %d characters", maxRenderedLen)
	case err != nil:
		return "", cleanGonjaError(err)
	}
	return b.String(), nil
}

// compiled holds the templates of values by source: the same few (those of
// the defaults) come back on every load. Past maxCompiled entries nothing
// more is kept.
var (
	compiled      sync.Map // string → *exec.Template
	compiledCount atomic.Int32
)

const maxCompiled = 1024

func compileValue(src string) (*exec.Template, error) {
	if t, ok := compiled.Load(src); ok {
		return t.(*exec.Template), nil
	}
	c := gonjacfg.New()
	c.StrictUndefined = true
	if err := checkValueTemplate(src, c); err != nil {
		return nil, err
	}
	tpl, err := exec.NewTemplate("/value", c, loaders.MustNewMemoryLoader(map[string]string{"/value": src}), valueEnv)
	if err != nil {
		return nil, cleanGonjaError(err)
	}
	if compiledCount.Add(1) <= maxCompiled {
		compiled.Store(src, tpl)
	}
	return tpl, nil
}

// limitedBuilder refuses to grow beyond maxRenderedLen.
type limitedBuilder struct {
	strings.Builder
	over bool
}

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxRenderedLen {
		b.over = true
		return 0, fmt.Errorf("longer than %d characters", maxRenderedLen)
	}
	return b.Builder.Write(p)
}

func (b *limitedBuilder) WriteString(s string) (int, error) { return b.Write([]byte(s)) }

var (
	undefinedRE   = regexp.MustCompile(`Unable to evaluate name "([^"]*)"`)
	noFilterRE    = regexp.MustCompile(`filter '[^']*' not found`)
	parseErrorRE  = regexp.MustCompile(`failed to parse template '.*?': (.*?) \(Line:`)
	gonjaDetailRE = regexp.MustCompile(`[^:]*$`)
)

// cleanGonjaError keeps the reason of a gonja error, dropping the internal
// structures it likes to print.
func cleanGonjaError(err error) error {
	msg := err.Error()
	switch {
	case undefinedRE.MatchString(msg):
		return fmt.Errorf("undefined variable %q", undefinedRE.FindStringSubmatch(msg)[1])
	case noFilterRE.MatchString(msg):
		return fmt.Errorf("%s", noFilterRE.FindString(msg))
	case parseErrorRE.MatchString(msg):
		return fmt.Errorf("syntax error: %s", parseErrorRE.FindStringSubmatch(msg)[1])
	}
	return fmt.Errorf("%s", strings.TrimSpace(gonjaDetailRE.FindString(msg)))
}
