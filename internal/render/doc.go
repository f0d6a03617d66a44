// Package render turns the installer's Jinja templates (deploy/templates/k8s)
// into Kubernetes objects. Templates are Jinja as Ansible runs it: strict
// undefined variables, trim_blocks, and the Ansible filters the templates use
// (b64encode, to_json, to_nice_yaml, regex_replace, hash, ...). The template
// tree is the embedded defaults overlaid by an optional user directory, so a
// user can add or override a template without rebuilding the installer.
//
// The package knows nothing about the config or the release manifest: it
// renders a plain map[string]any context.
package render
