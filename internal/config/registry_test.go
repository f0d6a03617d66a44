package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestRegistryRules: registry credentials come as a pair; on Azure a
// config without them is valid but warned about, since the release's
// registry is private.
func TestRegistryRules(t *testing.T) {
	base := readFile(t, examplePath)
	for _, tc := range []struct {
		name  string
		edits []edit
		path  string
		msg   string
	}{
		{"user without password", []edit{{"registry", "{username: ob-es}"}}, "registry.password", "is required with registry.username"},
		{"password without user", []edit{{"registry", "{password: s3cret-pull}"}}, "registry.username", "is required with registry.password"},
		{"user with a colon", []edit{{"registry", "{username: 'ob:es', password: pull-pw-123}"}}, "registry.username", "must not contain white space or ':'"},
		{"acr with credentials", []edit{{"registry", "{username: ob-es, password: s3cret-pull, acr: {name: auraregistry, resource_group: aura-reg}}"}}, "registry.acr", "refused together with registry.username"},
		{"acr without group", []edit{{"registry", "{acr: {name: auraregistry}}"}}, "registry.acr.resource_group", "is required with registry.acr.name"},
		{"acr group without name", []edit{{"registry", "{acr: {resource_group: aura-reg}}"}}, "registry.acr.name", "is required with registry.acr.resource_group"},
		{"acr name", []edit{{"registry", "{acr: {name: aura-registry, resource_group: aura-reg}}"}}, "registry.acr.name", "5 to 50 letters and digits"},
		{"acr group", []edit{{"registry", "{acr: {name: auraregistry, resource_group: 'aura reg.'}}"}}, "registry.acr.resource_group", "resource group name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, _ := loadErrors(t, mutate(t, base, tc.edits...))
			if errs == nil {
				t.Fatal("config loaded, want a problem")
			}
			for _, p := range errs.Problems {
				if p.Path == tc.path && strings.Contains(p.Msg, tc.msg) {
					if strings.Contains(fmt.Sprint(errs), "s3cret-pull") {
						t.Errorf("the password shows in %v", errs)
					}
					return
				}
			}
			t.Fatalf("want %s: %s; got %v", tc.path, tc.msg, errs)
		})
	}
	warned := func(edits ...edit) bool {
		cfg, errs, _ := loadErrors(t, mutate(t, base, edits...))
		if errs != nil {
			t.Fatal(errs)
		}
		return strings.Contains(strings.Join(cfg.Warnings, "\n"), "registry.username: is not set")
	}
	if !warned(edit{"provider", "azure"}) {
		t.Error("no warning on azure without registry credentials")
	}
	if warned(edit{"provider", "azure"}, edit{"registry", "{username: ob-es, password: pull-pw-123}"}) || warned() {
		t.Error("warned with credentials, or on local")
	}
	if warned(edit{"provider", "azure"}, edit{"registry", "{acr: {name: auraregistry, resource_group: aura-reg}}"}) {
		t.Error("warned about missing credentials with registry.acr")
	}
}
