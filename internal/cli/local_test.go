package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/auracognitive/aurak8s/internal/localmodules"
	"github.com/auracognitive/aurak8s/internal/localmodules/registrytest"
)

const (
	regUser = "ob-builder"
	regPass = "registry-password-never-printed"
)

// localWorld is a working directory with the example config pointing at an
// in-process registry (TLS, basic auth) that holds the release's aura-bot,
// and a local_modules directory with two bundles.
func localWorld(t *testing.T, password string) (*registrytest.Registry, []string) {
	t.Helper()
	reg := registrytest.New(t, regUser, regPass)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: img})
	tag, _ := name.NewTag(reg.Host + "/aura/aura-bot:7.2.0")
	if err := remote.WriteIndex(tag, idx, reg.Options(regUser, regPass)...); err != nil {
		t.Fatal(err)
	}
	args := phaseConfig(t, "local_modules:\n  registry: "+reg.Host+"\n  username: "+regUser+"\n  password: "+password+"\n  ca_file: "+reg.CAFile+"\n")
	if err := os.Mkdir("local_modules", 0o700); err != nil {
		t.Fatal(err)
	}
	for f, data := range map[string][]byte{
		"dialog-billing-1.2.0.tgz": registrytest.Bundle(t, "dialog-billing", "1.2.0", map[string]string{"index.js": "exports.x = 1"}),
		"dialog-roaming-0.3.1.tgz": registrytest.Bundle(t, "dialog-roaming", "0.3.1", nil),
	} {
		if err := os.WriteFile(filepath.Join("local_modules", f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return reg, append(args, "-v", "p")
}

func TestBuildLocalPushesOnceAndWritesTheFiles(t *testing.T) {
	reg, args := localWorld(t, regPass)
	baseWrites := reg.Writes()
	code, out, errs := run(t, append([]string{"plan", "build_local"}, args...)...)
	if code != ExitOK || !strings.Contains(out, "create image "+reg.Host+"/aura/aura-bot-local:7.2.0-local-") {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat("output_install"); !os.IsNotExist(err) || reg.Writes() != baseWrites {
		t.Fatalf("plan wrote files or pushed (%d registry writes)", reg.Writes()-baseWrites)
	}

	code, out, errs = run(t, append([]string{"build_local", "--debug"}, args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "pushing aura-bot image: 100%") || strings.Contains(out+errs, regPass) {
		t.Fatalf("no push progress, or the password shows:\n%s\n%s", out, errs)
	}
	var pc localmodules.PluginConfig
	data, err := os.ReadFile(filepath.Join("output_install", "plugin-config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pc.Image, reg.Host+"/aura/aura-bot-local@sha256:") || len(pc.Modules) != 2 || pc.Modules[0].Name != "dialog-billing" || pc.EnvironmentName == "" {
		t.Fatalf("plugin-config.json: %s", data)
	}
	d, err := localmodules.ReadDeployment(filepath.Join("output_install", "plugin-config.json"), filepath.Join("output_install", "local_config.yml"), pc.EnvironmentName)
	if err != nil {
		t.Fatalf("deploy_local would refuse build_local's files: %v", err)
	}
	if _, err := remote.Head(mustRef(t, d.Plugin.Image), reg.Options(regUser, regPass)...); err != nil {
		t.Fatalf("the image of plugin-config.json is not in the registry: %v", err)
	}

	// Same bundles: nothing pushed, files untouched.
	writes := reg.Writes()
	before := stat(t, filepath.Join("output_install", "plugin-config.json"))
	code, out, errs = run(t, append([]string{"build_local", "--output", "json"}, args...)...)
	if code != ExitOK {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, out, errs)
	}
	if reg.Writes() != writes || !stat(t, filepath.Join("output_install", "plugin-config.json")).ModTime().Equal(before.ModTime()) {
		t.Fatalf("re-run pushed %d times or rewrote plugin-config.json", reg.Writes()-writes)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	var sawPush bool
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not a JSON event: %q", sc.Text())
		}
		if ev["action"] == "build and push the aura-bot image" && ev["state"] == "ok" {
			sawPush = true
		}
	}
	if !sawPush {
		t.Fatalf("no ok event for the push on a re-run:\n%s", out)
	}
}

func TestBuildLocalRefusesBeforeAnyPush(t *testing.T) {
	t.Run("corrupt bundle", func(t *testing.T) {
		reg, args := localWorld(t, regPass)
		os.WriteFile(filepath.Join("local_modules", "broken.tgz"), []byte("not a tarball"), 0o600)
		writes := reg.Writes()
		code, out, errs := run(t, append([]string{"build_local"}, args...)...)
		if code != ExitFailed || !strings.Contains(errs, "broken.tgz") || reg.Writes() != writes {
			t.Fatalf("exit %d, %d writes\n%s\n%s", code, reg.Writes()-writes, out, errs)
		}
		if _, err := os.Stat("output_install"); !os.IsNotExist(err) {
			t.Fatal("output_install written after a failed build")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		reg, args := localWorld(t, "not-the-password")
		writes := reg.Writes()
		code, out, errs := run(t, append([]string{"build_local", "--debug"}, args...)...)
		if code != ExitFailed || !strings.Contains(errs, "local_modules.password") || reg.Writes() != writes || strings.Contains(out+errs, "not-the-password") {
			t.Fatalf("exit %d, %d writes\n%s\n%s", code, reg.Writes()-writes, out, errs)
		}
	})
	t.Run("deploy_local without its files", func(t *testing.T) {
		_, args := localWorld(t, regPass)
		code, _, errs := run(t, append([]string{"deploy_local", "-p", "output_install/plugin-config.json"}, args...)...)
		if code != ExitUsage || !strings.Contains(errs, "-l local_config.yml") {
			t.Fatalf("exit %d\n%s", code, errs)
		}
	})
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func stat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestBannerIsTheGuidesAndJSONIsOneEvent(t *testing.T) {
	var text, js strings.Builder
	printBanner(&text, false)
	if strings.Contains(text.String(), "\x1b[") || !strings.Contains(text.String(), "¡¡¡¡¡¡¡¡FAILED EXECUTE LOCAL CHANGES IN GLOBAL CASES!!!!!!!!\n") ||
		strings.Count(text.String(), "\n") != 13 {
		t.Fatalf("banner off a terminal:\n%s", text.String())
	}
	printBanner(&js, true)
	var ev map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(js.String())), &ev); err != nil {
		t.Fatalf("not one JSON event: %q", js.String())
	}
	if ev["state"] != "failed" || ev["phase"] != "deploy_local" || !strings.Contains(ev["message"].(string), "PLEASE,REVIEW FILES") {
		t.Fatalf("event %v", ev)
	}
}
