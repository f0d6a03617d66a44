package integration

import (
	"bytes"
	"context"
	"io/fs"
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
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/cli"
	"github.com/auracognitive/aurak8s/internal/localmodules"
	"github.com/auracognitive/aurak8s/internal/localmodules/registrytest"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

const globalBot = "auraregistry.azurecr.io/aura/aura-bot:7.2.0"

// TestLocalModules is the guide's local use case workflow through the aura
// command on the local provider: build_local against a registry, a
// deploy_local whose configuration updater fails (bot untouched, exit 1,
// the red banner), one that succeeds (bot on the new digest), and
// deploy_core -t aura-bot back to the global image.
func TestLocalModules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(testenv.Get(t).Config)

	reg := registrytest.New(t, "ob", "registry-pass")
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
	tag, _ := name.NewTag(reg.Host + "/aura/aura-bot:7.2.0")
	if err := remote.WriteIndex(tag, mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: img}),
		reg.Options("ob", "registry-pass")...); err != nil {
		t.Fatal(err)
	}
	extra := "local_modules:\n  registry: " + reg.Host + "\n  username: ob\n  password: registry-pass\n  ca_file: " + reg.CAFile
	env := func() *phase.Env { return w.env(extra) }
	run(t, phase.Common(env()), false)
	run(t, phase.Infra(env()), false)
	run(t, phase.System(env()), false)
	run(t, phase.Core(env()), false)
	t.Cleanup(func() {
		run(t, phase.DeleteCore(env(), true), false)
		run(t, phase.DeleteSystem(env()), false)
	})

	t.Chdir(w.dir)
	aura := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli.Execute(append(args, "--cfg", w.cfgFile, "--ecfg", w.ecfg, "-v", "aura-demo"), &out, &errb)
		return code, out.String(), errb.String()
	}
	if err := os.Mkdir("local_modules", 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join("local_modules", "dialog-billing.tgz"), registrytest.Bundle(t, "dialog-billing", "1.2.0", map[string]string{"index.js": "x"}), 0o600)
	if code, out, errs := aura("build_local"); code != 0 {
		t.Fatalf("build_local: exit %d\n%s\n%s", code, out, errs)
	}
	d, err := localmodules.ReadDeployment("output_install/plugin-config.json", "output_install/local_config.yml", "ap-dev")
	if err != nil {
		t.Fatal(err)
	}
	botImage := func() (string, string) {
		dep, err := cs.AppsV1().Deployments(liveNS).Get(ctx, "aura-bot", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return dep.Spec.Template.Spec.Containers[0].Image, dep.Spec.Template.Annotations["auracognitive.com/local-modules"]
	}
	if img, _ := botImage(); img != globalBot {
		t.Fatalf("aura-bot runs %s before deploy_local", img)
	}
	deployLocal := []string{"deploy_local", "-p", "output_install/plugin-config.json", "-l", "output_install/local_config.yml"}

	// The plan shows the Job and the image change, and changes nothing.
	code, out, errs := aura(append([]string{"plan"}, deployLocal...)...)
	if code != 0 || !strings.Contains(out, "create Job "+liveNS+"/aura-configuration-updater-") || !strings.Contains(out, "update Deployment "+liveNS+"/aura-bot") {
		t.Fatalf("plan deploy_local: exit %d\n%s\n%s", code, out, errs)
	}
	if jobs, _ := cs.BatchV1().Jobs(liveNS).List(ctx, metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Fatal("plan deploy_local created a Job")
	}

	// A failing updater: its pod can never run (a template the user
	// overlays next to the config), so the Job hits its deadline.
	raw, err := fs.ReadFile(k8s.FS(), "local/configuration-updater.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := string(raw)
	overlay := filepath.Join(w.dir, "deploy", "templates", "k8s", "local")
	os.MkdirAll(overlay, 0o700)
	stuck := strings.Replace(tmpl, "      restartPolicy: Never\n", "      restartPolicy: Never\n      nodeSelector:\n        aura-test/no-such-node: \"true\"\n", 1)
	if stuck == tmpl {
		t.Fatal("the updater template changed: adapt the test's overlay")
	}
	os.WriteFile(filepath.Join(overlay, "configuration-updater.yaml"), []byte(stuck), 0o600)
	code, out, errs = aura(append(deployLocal, "--updater-timeout", "3s")...)
	if code != 1 || !strings.Contains(out, "FAILED EXECUTE LOCAL CHANGES IN GLOBAL CASES") || !strings.Contains(out, "DIDNT MAKE IT") ||
		!strings.Contains(out, "PLEASE,REVIEW FILES") || !strings.Contains(errs, "configuration updater") {
		t.Fatalf("failed updater: exit %d\n%s\n%s", code, out, errs)
	}
	if img, ann := botImage(); img != globalBot || ann != "" {
		t.Fatalf("aura-bot runs %s (%q) after a failed updater, want %s untouched", img, ann, globalBot)
	}
	os.RemoveAll(filepath.Join(w.dir, "deploy"))

	// Success: the failed Job is replaced, it completes, the bot rolls.
	code, out, errs = aura(deployLocal...)
	if code != 0 || !strings.Contains(out, "LOCAL CHANGES DEPLOYED") {
		t.Fatalf("deploy_local: exit %d\n%s\n%s", code, out, errs)
	}
	if img, ann := botImage(); img != d.Plugin.Image || ann != "dialog-billing@1.2.0" {
		t.Fatalf("aura-bot runs %s (%q), want %s", img, ann, d.Plugin.Image)
	}
	jobs, err := cs.BatchV1().Jobs(liveNS).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=aura-configuration-updater"})
	if err != nil || len(jobs.Items) != 1 || !succeeded(&jobs.Items[0]) || jobs.Items[0].Spec.Template.Spec.Containers[0].Image != d.Plugin.Image {
		t.Fatalf("updater Jobs %+v (%v), want one succeeded on the built image", jobs, err)
	}
	uid := jobs.Items[0].UID

	// Again: nothing to do, the updater does not run twice.
	code, out, errs = aura(append(deployLocal, "--output", "json")...)
	if code != 0 || strings.Contains(out, `"state":"changed"`) {
		t.Fatalf("second deploy_local: exit %d\n%s\n%s", code, out, errs)
	}
	if j, _ := cs.BatchV1().Jobs(liveNS).Get(ctx, jobs.Items[0].Name, metav1.GetOptions{}); j.UID != uid {
		t.Fatal("a second deploy_local ran the updater again")
	}

	// Undeployment (guide): deploy_core -t aura-bot restores the global bot.
	if code, out, errs := aura("deploy_core", "-t", "aura-bot"); code != 0 {
		t.Fatalf("deploy_core -t aura-bot: exit %d\n%s\n%s", code, out, errs)
	}
	if img, ann := botImage(); img != globalBot || ann != "" {
		t.Fatalf("after deploy_core -t aura-bot the bot runs %s (%q), want %s without local modules", img, ann, globalBot)
	}
}

func succeeded(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == "True" {
			return true
		}
	}
	return false
}
