package config

import (
	"testing"
)

// The filters the guide's templates use work in configuration values too,
// with the same results as in templates.
func TestValuesUseTheTemplateFilters(t *testing.T) {
	base := readFile(t, "testdata/minimal.yml")
	for _, tc := range []struct{ value, want string }{
		{`"p-{{ environment_name | regex_replace('-', '') }}"`, "p-apdev"},
		{`"p-{% if 'yes' | bool %}on{% else %}off{% endif %}"`, "p-on"},
		{`"p-{{ ('{{' ~ environment_type ~ '}}') | to_json | length }}"`, "p-9"},
		{`"p-{{ {'a': environment_type} | to_json | regex_replace('[^a-z]', '') }}"`, "p-adev"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			cfg := loadOK(t, mutate(t, base, edit{"atlas_project_name", tc.value}))
			if cfg.AtlasProjectName != tc.want {
				t.Errorf("atlas_project_name = %q, want %q", cfg.AtlasProjectName, tc.want)
			}
		})
	}
	// Still bounded: a filter cannot build a value past the limit.
	_, errs, _ := loadErrors(t, mutate(t, base, edit{"atlas_project_name", `"{{ environment_name | regex_replace('', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') | regex_replace('x', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy') | regex_replace('y', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz') }}"`}))
	if errs == nil {
		t.Fatal("an exploding chain of regex_replace was accepted")
	}
}
