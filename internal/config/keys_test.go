package config

import (
	"reflect"
	"strings"
	"testing"
)

// Every key of config.yml is in the inventory exactly once (a whole key, or
// all of its sub-keys), names a key that exists, and says what uses it or why
// it is refused.
func TestKeyInventory(t *testing.T) {
	listed := map[string]bool{}
	for _, k := range Keys {
		if listed[k.Path] {
			t.Errorf("%s: listed twice", k.Path)
		}
		listed[k.Path] = true
		if _, ok := fieldAt(k.Path); !ok {
			t.Errorf("%s: no such key in the config types", k.Path)
		}
		switch {
		case (k.Refused == "") == (len(k.Uses) == 0):
			t.Errorf("%s: must either name its uses or say why it is refused", k.Path)
		case k.Refused != "" && !strings.Contains(k.Refused, "not supported"):
			t.Errorf("%s: the refusal must say the key is not supported: %q", k.Path, k.Refused)
		}
		for _, u := range k.Uses {
			if u == UseInstaller && k.Test == "" {
				t.Errorf("%s: a key used by the installer itself names the test that proves it", k.Path)
			}
		}
	}
	var walk func(t reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for _, name := range fieldNames(typ) {
			p := joinPath(prefix, name)
			if listed[p] {
				continue
			}
			ft := yamlFields(typ)[name].Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && hasListedChild(listed, p) {
				walk(ft, p) // listed key by key: every sub-key must be
				continue
			}
			t.Errorf("%s: not in the key inventory (internal/config/keys.go)", p)
		}
	}
	walk(reflect.TypeFor[Config](), "")
}

func hasListedChild(listed map[string]bool, p string) bool {
	for k := range listed {
		if strings.HasPrefix(k, p+".") {
			return true
		}
	}
	return false
}

// fieldAt finds the struct field of a dotted key path.
func fieldAt(path string) (reflect.StructField, bool) {
	typ := reflect.TypeFor[Config]()
	var f reflect.StructField
	for _, seg := range strings.Split(path, ".") {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return f, false
		}
		var ok bool
		if f, ok = yamlFields(typ)[seg]; !ok {
			return f, false
		}
		typ = f.Type
	}
	return f, true
}

// A refused key is an error naming the file, line and key; spelling out its
// default is not.
func TestRefusedKeys(t *testing.T) {
	base := readFile(t, "testdata/minimal.yml")
	for _, k := range Keys {
		if k.Refused == "" {
			continue
		}
		t.Run(k.Path, func(t *testing.T) {
			value := map[string]string{
				"databricks.cluster": "{node_type_id: Standard_D16as_v4}",
				"databricks.job":     `{schedule: "0 0 2 * * ?"}`,
			}[k.Path]
			if value == "" {
				t.Fatalf("no test value for refused key %s", k.Path)
			}
			data := mutate(t, base, edit{k.Path, value})
			_, errs, file := loadErrors(t, data)
			if errs == nil {
				t.Fatalf("%s: %s was accepted", k.Path, value)
			}
			want := Problem{File: file, Line: lineOf(t, data, k.Path), Path: k.Path, Msg: k.Refused}.String()
			if got := errs.Error(); !strings.Contains(got, want) {
				t.Errorf("error\n%s\nwant it to hold\n%s", got, want)
			}
		})
	}
	t.Run("defaults spelt out", func(t *testing.T) {
		data := mutate(t, base, edit{"databricks.job.schedule", `"59 59 23 * * ?"`})
		if _, errs, _ := loadErrors(t, data); errs != nil {
			t.Fatalf("defaults refused: %v", errs)
		}
	})
}
