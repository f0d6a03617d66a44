package phase

import (
	"strings"
	"testing"
	"time"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/localmodules"
)

func TestUpdaterJobRunsTheBuiltImageOnce(t *testing.T) {
	e := testEnv(t, "")
	e.Templates = k8s.FS()
	d := &localmodules.Deployment{Plugin: localmodules.PluginConfig{
		Image: "reg.example/aura/aura-bot-local@sha256:" + strings.Repeat("ab", 32), PluginDir: localmodules.PluginDir}}
	d.Local.ConfigurationUpdater.Modules = []string{"dialog-a@1.0.0", "dialog-b@2.1.0"}
	job, err := e.updaterJob(d, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ns := e.Cfg.Derived.CoreNamespace
	if job.Name != "aura-configuration-updater-abababababab" || job.Namespace != ns {
		t.Fatalf("Job %s/%s", job.Namespace, job.Name)
	}
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 0 || job.Spec.ActiveDeadlineSeconds == nil || *job.Spec.ActiveDeadlineSeconds != 90 {
		t.Fatalf("backoffLimit %v, activeDeadlineSeconds %v: want one try bounded by the timeout", job.Spec.BackoffLimit, job.Spec.ActiveDeadlineSeconds)
	}
	c := job.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, v := range c.Env {
		env[v.Name] = v.Value
	}
	if c.Image != d.Plugin.Image || job.Spec.Template.Spec.RestartPolicy != "Never" ||
		env["AURA_CONFIGURATION_API_URL"] != "http://aura-configuration-api."+ns+".svc:8080" ||
		env["LOCAL_MODULES"] != "dialog-a@1.0.0,dialog-b@2.1.0" || env["LOCAL_MODULES_DIR"] != localmodules.PluginDir {
		t.Fatalf("container %+v", c)
	}
	if job.Spec.Template.Spec.ImagePullSecrets[0].Name != e.Release.ImagePullSecret {
		t.Fatalf("pull secret %v", job.Spec.Template.Spec.ImagePullSecrets)
	}
}

// TestLocalImageCredentials: build_local pulls and pushes with
// local_modules' credentials, or, on the release's own registry without
// them, with the registry block's (the pull secret's).
func TestLocalImageCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, extra, user, repo string
	}{
		{"anonymous", "", "", "auraregistry.azurecr.io/"},
		{"registry block", registryCreds, "ob-es", "auraregistry.azurecr.io/"},
		{"local_modules wins", registryCreds + "local_modules: {username: builder, password: build-pw-1}\n", "builder", "auraregistry.azurecr.io/"},
		{"another registry", registryCreds + "local_modules: {registry: reg.example:5000}\n", "", "reg.example:5000/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := testEnv(t, tc.extra).localImageOptions(LocalBuild{})
			if err != nil {
				t.Fatal(err)
			}
			if o.Username != tc.user || !strings.HasPrefix(o.Repository, tc.repo) || !strings.HasPrefix(o.Base, tc.repo) {
				t.Errorf("user %q, base %s, repository %s; want %q on %s", o.Username, o.Base, o.Repository, tc.user, tc.repo)
			}
		})
	}
}
