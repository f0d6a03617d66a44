package phase

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/jobs"
	"github.com/auracognitive/aurak8s/internal/kube"
	"github.com/auracognitive/aurak8s/internal/localmodules"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// botComponent is the component build_local extends and deploy_local rolls.
const botComponent = "aura-bot"

// configAPIComponent receives the updater's merge.
const configAPIComponent = "aura-configuration-api"

// LocalBuild are build_local's inputs beyond the configuration.
type LocalBuild struct {
	ModulesDir string            // local_modules
	Transport  http.RoundTripper // trusts local_modules.ca_file; nil: the system's roots
	Progress   func(localmodules.Progress)
}

// BuildLocal is build_local: read and check the bundles, build the extended
// aura-bot image and push it unless the registry has it, then write
// plugin-config.json and local_config.yml (unchanged files are not
// rewritten). A bad bundle, a missing base image or refused credentials
// stop it before anything is pushed.
func BuildLocal(e *Env, o LocalBuild) Phase {
	bundles := memo(func(context.Context) ([]localmodules.Bundle, error) { return localmodules.ReadDir(o.ModulesDir) })
	build := memo(func(ctx context.Context) (*localmodules.Build, error) {
		bs, err := bundles(ctx)
		if err != nil {
			return nil, err
		}
		opts, err := e.localImageOptions(o)
		if err != nil {
			return nil, err
		}
		return localmodules.Prepare(ctx, bs, opts)
	})
	outputs := memo(func(ctx context.Context) ([2][]byte, error) {
		b, err := build(ctx)
		if err != nil {
			return [2][]byte{}, err
		}
		bs, _ := bundles(ctx)
		pj, ly, err := localmodules.Outputs(e.Cfg.Derived.EnvironmentName, e.Release.Version, b, bs)
		return [2][]byte{pj, ly}, err
	})
	read := Action{Name: "read local modules in " + o.ModulesDir,
		Observe: func(ctx context.Context) ([]Change, error) { return bundleChanges(bundles(ctx)) },
		Converge: func(ctx context.Context) ([]Change, error) {
			return bundleChanges(bundles(ctx))
		}}
	push := func(dry bool) func(context.Context) ([]Change, error) {
		return func(ctx context.Context) ([]Change, error) {
			b, err := build(ctx)
			if err != nil {
				return nil, err
			}
			ch := Change{Op: provider.OpNone, Kind: "image", Name: b.Tag, Detail: b.Digest}
			if !b.Exists {
				ch.Op = provider.OpCreate
				ch.Detail = fmt.Sprintf("%s, %d layers on %s", b.Digest, b.Layers, b.Base)
				if len(b.Platforms) > 0 {
					ch.Detail += ", platforms " + strings.Join(b.Platforms, " ")
				}
			}
			if !dry {
				if _, err := b.Push(ctx); err != nil {
					return nil, err
				}
			}
			return []Change{ch}, nil
		}
	}
	out := func(i int) func(ctx context.Context) ([]byte, error) {
		return func(ctx context.Context) ([]byte, error) {
			o, err := outputs(ctx)
			return o[i], err
		}
	}
	return Phase{Name: "build_local", Steps: Sequence(
		read,
		Action{Name: "build and push the aura-bot image", Observe: push(true), Converge: push(false)},
		fileAction("write "+e.PluginConfigPath(), e.PluginConfigPath(), out(0)),
		fileAction("write "+e.LocalConfigPath(), e.LocalConfigPath(), out(1)),
	)}
}

// PluginConfigPath and LocalConfigPath are build_local's output files.
func (e *Env) PluginConfigPath() string { return filepath.Join(e.OutputDir, "plugin-config.json") }
func (e *Env) LocalConfigPath() string  { return filepath.Join(e.OutputDir, "local_config.yml") }

func bundleChanges(bs []localmodules.Bundle, err error) ([]Change, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Change, len(bs))
	for i, b := range bs {
		out[i] = Change{Op: provider.OpNone, Kind: "bundle", Name: b.File, Detail: fmt.Sprintf("%s@%s, %d files", b.Name, b.Version, len(b.Files))}
	}
	return out, nil
}

// localImageOptions: the release's aura-bot is the base; the built image
// goes to the same registry as <image>-local. local_modules.registry
// replaces the release's registry for both; without it and without
// local_modules credentials, the registry block's credentials are used.
func (e *Env) localImageOptions(o LocalBuild) (localmodules.Options, error) {
	c, ok := e.Release.Component(botComponent)
	if !ok {
		return localmodules.Options{}, fmt.Errorf("release %s has no %s component", e.Release.Version, botComponent)
	}
	reg := e.Cfg.LocalModules.Registry
	if reg == "" {
		reg = c.Registry
	}
	if reg == "" {
		reg = e.Release.Registry
	}
	reg = strings.TrimSuffix(reg, "/")
	user, pass := e.Cfg.LocalModules.Username, e.Cfg.LocalModules.Password
	if user == "" && e.Cfg.LocalModules.Registry == "" {
		// The release's registry: the credentials its pull secret is made of.
		user, pass = e.Cfg.Registry.Username, e.Cfg.Registry.Password
	}
	return localmodules.Options{
		Base: reg + "/" + c.Image + ":" + c.Tag, Repository: reg + "/" + c.Image + "-local",
		Username: user, Password: pass,
		Transport: o.Transport, Progress: o.Progress,
	}, nil
}

// LocalDeploy are deploy_local's inputs: the two files of one build_local
// run, already read and checked against the configuration.
type LocalDeploy struct {
	Deployment *localmodules.Deployment
	// UpdaterTimeout bounds the configuration updater (the Job's
	// activeDeadlineSeconds); <= 0 means 10 minutes.
	UpdaterTimeout time.Duration
}

// UpdaterFailedError is the configuration updater's failure: nothing else
// was changed, aura-bot keeps its image (guide: "Configuration Updater").
type UpdaterFailedError struct {
	Job, Namespace, Reason string
}

func (e *UpdaterFailedError) Error() string {
	return fmt.Sprintf("the configuration updater (Job %s/%s) failed: %s; aura-bot and the configuration are unchanged; see `kubectl logs -n %s job/%s`",
		e.Namespace, e.Job, e.Reason, e.Namespace, e.Job)
}

// DeployLocal is deploy_local: check that core runs, run the configuration
// updater Job with the built image, and only when it succeeded roll
// aura-bot to that image and wait until it is ready. `aura deploy_core -t
// aura-bot` undoes it: the same field manager applies the global image and
// drops the local-modules annotation.
func DeployLocal(e *Env, o LocalDeploy) Phase {
	d := o.Deployment
	timeout := o.UpdaterTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	bot := e.localBotObjects(d)
	return Phase{Name: "deploy_local", Steps: Sequence(
		Action{Name: "check core in " + e.CoreNamespace(), Observe: e.checkCoreForLocal, Converge: e.checkCoreForLocal},
		e.updaterAction(d, timeout),
		e.applyAction("roll aura-bot to "+d.Plugin.Tag, e.coreInventory(), bot, kube.PlanOptions{NoPrune: true}),
		e.waitAction("health: aura-bot ready", bot, coreReadyTimeout),
	)}
}

// checkCoreForLocal: deploy_local changes a running core, it does not make one.
func (e *Env) checkCoreForLocal(ctx context.Context) ([]Change, error) {
	for _, comp := range []string{botComponent, configAPIComponent} {
		if !e.Cfg.Derived.Components[comp] {
			return nil, fmt.Errorf("%s is not enabled in this configuration: deploy_local needs it", comp)
		}
	}
	cs, err := e.clientset(ctx)
	if err != nil {
		return nil, err
	}
	for _, comp := range []string{botComponent, configAPIComponent} {
		c, _ := e.Release.Component(comp)
		if _, err := cs.AppsV1().Deployments(e.CoreNamespace()).Get(ctx, c.ObjectName, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("deployment %s/%s does not exist: run `aura deploy_core` before deploy_local", e.CoreNamespace(), c.ObjectName)
		} else if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (e *Env) clientset(ctx context.Context) (*kubernetes.Clientset, error) {
	c, err := e.Kube(ctx)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(c.Config)
}

// localBotObjects is aura-bot's Deployment as deploy_core renders it, on
// the built image and annotated with the modules it carries.
func (e *Env) localBotObjects(d *localmodules.Deployment) objectsFunc {
	return memo(func(ctx context.Context) ([]*unstructured.Unstructured, error) {
		bundles, err := e.RenderCore(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range bundles {
			if b.Component != botComponent {
				continue
			}
			for _, o := range b.Objects {
				if o.GetKind() != "Deployment" {
					continue
				}
				dep := o.DeepCopy()
				containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
				if len(containers) == 0 {
					return nil, fmt.Errorf("the rendered %s Deployment has no container", botComponent)
				}
				first := containers[0].(map[string]any)
				first["image"] = d.Plugin.Image
				if err := unstructured.SetNestedSlice(dep.Object, containers, "spec", "template", "spec", "containers"); err != nil {
					return nil, err
				}
				ann, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "annotations")
				if ann == nil {
					ann = map[string]string{}
				}
				ann[annotationLocalModules] = strings.Join(d.Local.ConfigurationUpdater.Modules, ",")
				if err := unstructured.SetNestedStringMap(dep.Object, ann, "spec", "template", "metadata", "annotations"); err != nil {
					return nil, err
				}
				return []*unstructured.Unstructured{dep}, nil
			}
		}
		return nil, fmt.Errorf("release %s renders no %s Deployment", e.Release.Version, botComponent)
	})
}

// annotationLocalModules on aura-bot's pods says which local modules run.
const annotationLocalModules = "auracognitive.com/local-modules"

// updaterJobName is one Job per image: a re-run of the same deploy_local
// finds it succeeded and runs nothing again.
func updaterJobName(d *localmodules.Deployment) string {
	hex := strings.TrimPrefix(d.Digest(), "sha256:")
	return "aura-configuration-updater-" + hex[:min(12, len(hex))]
}

func (e *Env) updaterJob(d *localmodules.Deployment, timeout time.Duration) (*batchv1.Job, error) {
	api, _ := e.Release.Component(configAPIComponent)
	port := 8080
	if len(api.Ports) > 0 {
		port = api.Ports[0].Port
	}
	vars := e.templateContext()
	vars["release"] = e.Release.AsMap()
	vars["local"] = map[string]any{
		"job_name": updaterJobName(d), "image": d.Plugin.Image, "digest": d.Digest(),
		"modules": d.Local.ConfigurationUpdater.Modules, "plugin_dir": d.Plugin.PluginDir,
		"configuration_api_url": fmt.Sprintf("http://%s.%s.svc:%d", api.ObjectName, e.CoreNamespace(), port),
		"deadline_seconds":      int(timeout.Seconds()),
	}
	objs, err := e.renderer().Objects("local/configuration-updater.yaml", vars)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 || objs[0].GetKind() != "Job" {
		return nil, errors.New("local/configuration-updater.yaml must render exactly one Job")
	}
	var job batchv1.Job
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, &job); err != nil {
		return nil, fmt.Errorf("local/configuration-updater.yaml: %w", err)
	}
	return &job, nil
}

// updaterAction runs the configuration updater and waits for its end. A
// Job that already succeeded for this image is not run again; one that
// failed is replaced, since a re-run means the user fixed the files.
func (e *Env) updaterAction(d *localmodules.Deployment, timeout time.Duration) Action {
	name := updaterJobName(d)
	observe := func(ctx context.Context) (*batchv1.Job, Change, error) {
		ch := Change{Op: provider.OpCreate, Kind: "Job", Name: e.CoreNamespace() + "/" + name,
			Detail: "configuration updater: merges " + strings.Join(d.Local.ConfigurationUpdater.Modules, ", ") + " into " + configAPIComponent}
		cs, err := e.clientset(ctx)
		if err != nil {
			return nil, ch, err
		}
		j, err := cs.BatchV1().Jobs(e.CoreNamespace()).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, ch, nil
		}
		if err != nil {
			return nil, ch, err
		}
		switch done, failure := jobs.State(j); {
		case done && failure == "":
			ch.Op, ch.Detail = provider.OpNone, "succeeded"
		case done:
			ch.Op, ch.Detail = provider.OpUpdate, "failed before ("+failure+"): run it again"
		default:
			ch.Op, ch.Detail = provider.OpNone, "running: wait for it"
		}
		return j, ch, nil
	}
	return Action{
		Name: "configuration updater",
		Observe: func(ctx context.Context) ([]Change, error) {
			_, ch, err := observe(ctx)
			return []Change{ch}, err
		},
		Converge: func(ctx context.Context) ([]Change, error) {
			live, ch, err := observe(ctx)
			if err != nil {
				return nil, err
			}
			cs, err := e.clientset(ctx)
			if err != nil {
				return nil, err
			}
			if live != nil && ch.Op == provider.OpUpdate {
				if err := jobs.Delete(ctx, cs, e.CoreNamespace(), name, 500*time.Millisecond); err != nil {
					return nil, err
				}
				live = nil
			}
			if live == nil {
				job, err := e.updaterJob(d, timeout)
				if err != nil {
					return nil, err
				}
				if _, err := cs.BatchV1().Jobs(e.CoreNamespace()).Create(ctx, job, metav1.CreateOptions{FieldManager: "aura"}); err != nil {
					return nil, fmt.Errorf("create Job %s: %w", name, err)
				}
			}
			// The Job's own deadline fails it; the extra minute covers the
			// Job controller noticing.
			var failed *jobs.FailedError
			if err := jobs.Wait(ctx, cs, e.CoreNamespace(), name, 500*time.Millisecond, timeout+time.Minute); errors.As(err, &failed) {
				return []Change{ch}, &UpdaterFailedError{Job: name, Namespace: e.CoreNamespace(), Reason: failed.Reason}
			} else if err != nil {
				return []Change{ch}, err
			}
			return []Change{ch}, nil
		},
	}
}
