package localmodules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/localmodules"
)

func TestReadDeploymentChecksBothFiles(t *testing.T) {
	build := &localmodules.Build{Image: "reg.example/aura/aura-bot-local@sha256:" + strings.Repeat("a", 64),
		Tag: "reg.example/aura/aura-bot-local:7.2.0-local-0123456789ab", Base: "reg.example/aura/aura-bot@sha256:" + strings.Repeat("b", 64)}
	bundles := []localmodules.Bundle{{File: "a.tgz", Name: "dialog-a", Version: "1.0.0", SHA256: strings.Repeat("c", 64)}}
	pj, ly, err := localmodules.Outputs("ap-dev", "7.2.0", build, bundles)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(s, from, to string) string {
		if !strings.Contains(s, from) {
			t.Fatalf("%q not in %s", from, s)
		}
		return strings.Replace(s, from, to, 1)
	}
	cases := []struct {
		name          string
		plugin, local string
		env           string
		wantErr       string // "" for success
	}{
		{name: "same build", plugin: string(pj), local: string(ly), env: "ap-dev"},
		{name: "other environment", plugin: string(pj), local: string(ly), env: "es-pro", wantErr: `plugin-config.json: environment_name "ap-dev"`},
		{name: "image by tag", plugin: edit(string(pj), build.Image, build.Tag), local: edit(string(ly), build.Image, build.Tag), env: "ap-dev", wantErr: "by digest"},
		{name: "files of two builds", plugin: string(pj), local: edit(string(ly), "sha256:aaaa", "sha256:dddd"), env: "ap-dev", wantErr: "aura_bot.image"},
		{name: "modules differ", plugin: string(pj), local: edit(string(ly), "dialog-a@1.0.0", "dialog-a@1.0.1"), env: "ap-dev", wantErr: "configuration_updater.modules"},
		{name: "unknown key", plugin: string(pj), local: string(ly) + "extra: 1\n", env: "ap-dev", wantErr: "local_config.yml: not a local_config.yml"},
		{name: "not json", plugin: "{", local: string(ly), env: "ap-dev", wantErr: "-p "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pf, lf := filepath.Join(dir, "plugin-config.json"), filepath.Join(dir, "local_config.yml")
			os.WriteFile(pf, []byte(tc.plugin), 0o600)
			os.WriteFile(lf, []byte(tc.local), 0o600)
			d, err := localmodules.ReadDeployment(pf, lf, tc.env)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d.Plugin.Image != build.Image || d.Digest() != "sha256:"+strings.Repeat("a", 64) || d.Plugin.Modules[0].SHA256 != bundles[0].SHA256 {
					t.Fatalf("read %+v", d)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
	if _, err := localmodules.ReadDeployment(filepath.Join(t.TempDir(), "nope.json"), "x", "ap-dev"); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("missing file: %v", err)
	}
}
