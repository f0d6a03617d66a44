package render

import "github.com/nikolalohinski/gonja/v2/exec"

// AnsibleFilters are the Ansible filters of the templates (to_json,
// regex_replace, bool, ...), for the configuration's own values: one set of
// filters, so a value may use what a template may (internal/config bounds
// their output).
func AnsibleFilters() map[string]exec.FilterFunction { return ansibleFilters() }
