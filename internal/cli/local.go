package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/auracognitive/aurak8s/internal/localmodules"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// localOpts are the flags of build_local and deploy_local.
type localOpts struct {
	modulesDir     string // build_local --modules
	pluginFile     string // deploy_local -p
	localFile      string // deploy_local -l
	updaterTimeout time.Duration
}

// localSpecs join the phase commands (and `aura plan`): package variables
// are initialised before any init(), after the phaseSpecs they extend.
var _ = func() bool {
	phaseSpecs = append(phaseSpecs, buildLocalSpec, deployLocalSpec)
	return true
}()

var buildLocalSpec = phaseSpec{
	use:   "build_local",
	short: "Build the aura-bot image extended with local_modules/*.tgz, push it, and write output_install/plugin-config.json and local_config.yml",
	flags: func(c *cobra.Command, o *phaseOpts) {
		c.Flags().StringVar(&o.local.modulesDir, "modules", "", "directory of the bundles (*.tgz); default: local_modules next to aura, in the working directory or next to the config")
	},
	build: func(e *phase.Env, o *phaseOpts) phase.Phase {
		dir := o.local.modulesDir
		if dir == "" {
			dir = defaultModulesDir(e.Cfg.File())
		}
		lb := phase.LocalBuild{ModulesDir: dir, Progress: pushProgress(e.Notify)}
		t, err := localmodules.TransportWithCA(e.Cfg.LocalModules.CAFile)
		if err != nil {
			return failedPhase("build_local", "read local_modules.ca_file", err)
		}
		lb.Transport = t
		return phase.BuildLocal(e, lb)
	},
}

var deployLocalSpec = phaseSpec{
	use:   "deploy_local",
	short: "Run the configuration updater with the image of build_local, then roll aura-bot to it (-p plugin-config.json -l local_config.yml)",
	flags: func(c *cobra.Command, o *phaseOpts) {
		c.Flags().StringVarP(&o.local.pluginFile, "plugin-config", "p", "", "output_install/plugin-config.json written by build_local")
		c.Flags().StringVarP(&o.local.localFile, "local-config", "l", "", "output_install/local_config.yml written by build_local")
		c.Flags().DurationVar(&o.local.updaterTimeout, "updater-timeout", 10*time.Minute, "how long the configuration updater may run")
		// Checked before the configuration is even read: nothing to do without them.
		c.PreRunE = func(*cobra.Command, []string) error {
			var missing []string
			if o.local.pluginFile == "" {
				missing = append(missing, "-p plugin-config.json")
			}
			if o.local.localFile == "" {
				missing = append(missing, "-l local_config.yml")
			}
			if len(missing) > 0 {
				return UsageErrorf("deploy_local needs %s (the files build_local wrote to output_install/)", strings.Join(missing, " and "))
			}
			return nil
		}
		run := c.RunE
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			var failed *phase.UpdaterFailedError
			if errors.As(err, &failed) {
				json, _ := cmd.Flags().GetString("output")
				printBanner(cmd.OutOrStdout(), json == "json")
			}
			return err
		}
	},
	build: func(e *phase.Env, o *phaseOpts) phase.Phase {
		d, err := localmodules.ReadDeployment(o.local.pluginFile, o.local.localFile, e.Cfg.Derived.EnvironmentName)
		if err != nil {
			return failedPhase("deploy_local", "read -p and -l", err)
		}
		return phase.DeployLocal(e, phase.LocalDeploy{Deployment: d, UpdaterTimeout: o.local.updaterTimeout})
	},
	after: func(_ context.Context, g *Globals, e *phase.Env) error {
		if g.Output == "json" {
			return nil // the phase's own events say it
		}
		msg := "LOCAL CHANGES DEPLOYED: the configuration updater merged the local cases and aura-bot runs the local image"
		if ui.Colors(g.Stdout) {
			msg = "\x1b[32m" + msg + "\x1b[0m"
		}
		fmt.Fprintln(g.Stdout, msg)
		return nil
	},
}

// failedPhase reports input that cannot be used as the phase's only,
// failing action, before anything is changed.
func failedPhase(name, action string, err error) phase.Phase {
	fail := func(context.Context) ([]phase.Change, error) { return nil, err }
	return phase.Phase{Name: name, Steps: phase.Sequence(phase.Action{Name: action, Observe: fail, Converge: fail})}
}

// defaultModulesDir is the guide's local_modules "in the same path as the
// Aura command": the working directory (./aura), the binary's directory,
// then the config's directory; the first that exists.
func defaultModulesDir(cfgFile string) string {
	candidates := []string{"local_modules"}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "local_modules"))
	}
	if cfgFile != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(cfgFile), "local_modules"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
	}
	return candidates[0]
}

// pushProgress reports the push in quarter steps: enough to see it move,
// few enough for a CI log (--output json: info events).
func pushProgress(notify func(string)) func(localmodules.Progress) {
	if notify == nil {
		return nil
	}
	var mu sync.Mutex
	last := -1
	return func(p localmodules.Progress) {
		if p.Total <= 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		step := int(p.Complete * 4 / p.Total)
		if step == last {
			return
		}
		last = step
		notify(fmt.Sprintf("pushing aura-bot image: %d%% (%s of %s, %d layers)", p.Complete*100/p.Total, size(p.Complete), size(p.Total), p.Layers))
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// banner is the guide's message for a failed configuration updater.
var banner = []string{
	"¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡",
	"¡¡¡¡¡¡¡¡FAILED EXECUTE LOCAL CHANGES IN GLOBAL CASES!!!!!!!!",
	"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
	"************************************************************",
	"************************************************************",
	"¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡",
	"¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡DIDNT MAKE IT!!!!!!!!!!!!!!!!!!!!!!!!",
	"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
	"************************************************************",
	"************************************************************",
	"¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡",
	"¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡¡PLEASE,REVIEW FILES!!!!!!!!!!!!!!!!!!!!!",
	"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
}

func printBanner(w io.Writer, json bool) {
	if json {
		p := ui.New(w, ui.Options{JSON: true})
		p.Event(ui.Event{Phase: "deploy_local", State: ui.StateFailed, Message: strings.Join(banner, "\n")})
		p.Close()
		return
	}
	red := ui.Colors(w)
	for _, l := range banner {
		if red {
			l = "\x1b[31m" + l + "\x1b[0m"
		}
		fmt.Fprintln(w, l)
	}
}
