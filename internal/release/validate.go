package release

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate checks the manifest's internal consistency: unique names and
// aliases, known dependencies without cycles, sane images, ports and charts.
func (m *Manifest) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		add("version: %q is not a semantic version", m.Version)
	}
	if m.Registry == "" {
		add("registry: must be set")
	}
	if len(m.Components) == 0 {
		add("components: none defined")
	}
	seen := map[string]string{} // name or alias -> where
	for i, c := range m.Components {
		at := fmt.Sprintf("components[%d] (%s)", i, c.Name)
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if !dns1123.MatchString(n) {
				add("%s: name %q is not a DNS-1123 label", at, n)
			}
			if prev, dup := seen[n]; dup {
				add("%s: name %q already used by %s", at, n, prev)
			}
			seen[n] = at
		}
		if !dns1123.MatchString(c.ObjectName) {
			add("%s.object_name: %q is not a DNS-1123 label", at, c.ObjectName)
		}
		if c.Image == "" || strings.ContainsAny(c.Image, ": ") {
			add("%s.image: %q must be a repository without tag", at, c.Image)
		}
		if c.Tag == "" || strings.ContainsAny(c.Tag, ":/ ") {
			add("%s.tag: %q is not an image tag", at, c.Tag)
		}
		if c.Replicas < 0 {
			add("%s.replicas: %d must be ≥ 0", at, c.Replicas)
		}
		if len(c.Templates) == 0 {
			add("%s.templates: at least one template set is needed", at)
		}
		portNames := map[string]bool{}
		for j, p := range c.Ports {
			if p.Port < 1 || p.Port > 65535 {
				add("%s.ports[%d].port: %d out of range", at, j, p.Port)
			}
			if p.Name == "" || len(p.Name) > 15 || portNames[p.Name] {
				add("%s.ports[%d].name: %q must be unique and at most 15 characters", at, j, p.Name)
			}
			portNames[p.Name] = true
		}
		if c.HealthPort != "" && !portNames[c.HealthPort] {
			add("%s.health_port: %q is not one of its ports", at, c.HealthPort)
		}
		if c.Ingress != nil && (c.Ingress.Host == "" || !strings.HasPrefix(c.Ingress.Path, "/")) {
			add("%s.ingress: host must be set and path start with /", at)
		}
		if c.Ingress != nil && len(c.Ports) == 0 {
			add("%s.ingress: a component without ports cannot be routed", at)
		}
	}
	for i, c := range m.Components {
		for _, d := range c.DependsOn {
			if dep, ok := m.Component(d); !ok {
				add("components[%d] (%s).depends_on: unknown component %q", i, c.Name, d)
			} else if dep.Name != d {
				add("components[%d] (%s).depends_on: use the canonical name %q, not the alias %q", i, c.Name, dep.Name, d)
			}
		}
	}
	if len(errs) == 0 {
		if cycle := m.findCycle(); cycle != nil {
			add("components: dependency cycle %s", strings.Join(cycle, " → "))
		}
	}
	charts := map[string]bool{}
	errs = append(errs, m.validateOpenAI()...)
	for i, ch := range m.Charts {
		at := fmt.Sprintf("charts[%d] (%s)", i, ch.Name)
		if ch.Name == "" || charts[ch.Name] {
			add("%s.name: must be set and unique", at)
		}
		charts[ch.Name] = true
		u, err := url.Parse(ch.Repo)
		if err != nil || (u.Scheme != "https" && u.Scheme != "oci") || u.Host == "" {
			add("%s.repo: %q must be an https:// or oci:// URL", at, ch.Repo)
		}
		if ch.Chart == "" {
			add("%s.chart: must be set", at)
		}
		// Some publishers (Jetstack) version their charts "v1.16.2"; the
		// leading v is part of the version Helm matches, so it stays.
		if _, err := semver.StrictNewVersion(strings.TrimPrefix(ch.Version, "v")); err != nil {
			add("%s.version: %q must be an exact semantic version (charts are pinned)", at, ch.Version)
		}
		if !dns1123.MatchString(ch.Namespace) {
			add("%s.namespace: %q is not a DNS-1123 label", at, ch.Namespace)
		}
	}
	return errors.Join(errs...)
}

// findCycle returns one dependency cycle, or nil.
func (m *Manifest) findCycle() []string {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(n string) []string {
		switch state[n] {
		case visiting:
			for i, s := range stack {
				if s == n {
					return append(append([]string{}, stack[i:]...), n)
				}
			}
		case done:
			return nil
		}
		state[n] = visiting
		stack = append(stack, n)
		c, _ := m.Component(n)
		for _, d := range c.DependsOn {
			if cyc := visit(d); cyc != nil {
				return cyc
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return nil
	}
	for _, c := range m.Components {
		if cyc := visit(c.Name); cyc != nil {
			return cyc
		}
	}
	return nil
}
