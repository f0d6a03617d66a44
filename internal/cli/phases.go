package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	templates "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider/factory"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/render"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// phaseOpts are the flags of the phase commands.
type phaseOpts struct {
	dryRun    bool
	only      []string
	releaseNS bool
	full      bool
	rollback  bool
	keyFile   string
	waitLock  bool
	yes       bool
	local     localOpts // build_local, deploy_local (local.go)
}

// phaseSpec describes one phase command; flags adds its own flags.
type phaseSpec struct {
	use, short string
	flags      func(*cobra.Command, *phaseOpts)
	build      func(*phase.Env, *phaseOpts) phase.Phase
	// check rejects a configuration the phase cannot use, before anything changes.
	check func(*config.Config) error
	// after runs once the phase succeeded (not in a dry run).
	after func(context.Context, *Globals, *phase.Env) error
	// confirm, when set, is what the user must agree to before the phase
	// changes anything (unless --yes).
	confirm func(*phase.Env) string
}

var phaseSpecs = []phaseSpec{
	{use: "deploy_common", short: "Create the common resources shared by every cluster and release (storage, key vault, DNS zone)",
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.Common(e) }},
	{use: "deploy_infra", short: "Create the Kubernetes cluster and write output_install/kubeconfig.json",
		flags: func(c *cobra.Command, o *phaseOpts) {
			c.Flags().StringVarP(&o.keyFile, "private-key", "f", "aura.pem", "SSH private key of the nodes; created when missing")
		},
		build: func(e *phase.Env, o *phaseOpts) phase.Phase {
			e.SSHKeyFile = o.keyFile
			return phase.Infra(e)
		}},
	{use: "deploy_system", short: "Deploy the system services into aura-system",
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.System(e) }},
	{use: "deploy_core [COMPONENT...]", short: "Deploy Aura core (all enabled components, or those given with -t)",
		flags: func(c *cobra.Command, o *phaseOpts) {
			c.Flags().StringSliceVarP(&o.only, "components", "t", nil, "deploy only these components (e.g. -t nlp user-helper)")
			c.Flags().BoolVar(&o.releaseNS, "ns", false, "deploy into a new namespace named after the release")
		},
		check: func(c *config.Config) error {
			if c.AuraBotServicesAPIKey == "" {
				return UsageErrorf("aura_bot_services_api_key: deploy_core needs it: create it with `aura api_key -a aura-bot -s aura-services` and add it to the configuration (vaulted)")
			}
			return nil
		},
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.Core(e) }},
	{use: "delete_core", short: "Delete the core namespace of this release (with --full: bot channel, DNS records, CRDs too)",
		flags: func(c *cobra.Command, o *phaseOpts) {
			c.Flags().BoolVar(&o.full, "full", false, "also delete the bot channels, DNS records, AI services and operator CRDs, and a tenant's resource group with its storage account")
			c.Flags().BoolVar(&o.releaseNS, "ns", false, "delete the release namespace made by deploy_core --ns")
		},
		build: func(e *phase.Env, o *phaseOpts) phase.Phase { return phase.DeleteCore(e, o.full) }, after: cleanupState},
	{use: "delete_system", short: "Delete the system namespace",
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.DeleteSystem(e) }, after: cleanupState},
	{use: "delete_infra", short: "Delete the Kubernetes cluster and its storage",
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.DeleteInfra(e) }, after: cleanupState},
	{use: "delete_common", short: "Delete the common resource group, with every backup in it (asks first; --yes)",
		flags: func(c *cobra.Command, o *phaseOpts) {
			c.Flags().BoolVar(&o.yes, "yes", false, "do not ask: delete the common resources and every backup in them")
		},
		confirm: func(e *phase.Env) string {
			return fmt.Sprintf("delete_common deletes %s with the storage account %s and every backup in it (MongoDB, Redis, Grafana, logs snapshots, DNS backups) of %s",
				e.Cfg.Derived.CommonResourceGroup, e.Cfg.Derived.CommonStorageAccount, e.Cfg.Derived.EnvironmentName)
		},
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.DeleteCommon(e) }, after: cleanupState},
	{use: "dns", short: "Point the environment's DNS names at this deployment (backup first); --rollback restores them",
		flags: func(c *cobra.Command, o *phaseOpts) {
			c.Flags().BoolVar(&o.rollback, "rollback", false, "restore the DNS records saved by the last switch")
			c.Flags().BoolVar(&o.releaseNS, "ns", false, "point at the release namespace made by deploy_core --ns")
		},
		build: func(e *phase.Env, o *phaseOpts) phase.Phase {
			if o.rollback {
				return phase.DNSRollback(e)
			}
			return phase.DNS(e)
		}},
	{use: "stop", short: "Stop the environment's cluster (data kept)",
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.Stop(e) }},
	{use: "start", short: "Start the environment's cluster",
		build: func(e *phase.Env, _ *phaseOpts) phase.Phase { return phase.Start(e) }},
}

// name is the command's name, e.g. deploy_core.
func (s phaseSpec) name() string { return strings.Fields(s.use)[0] }

// cleanupState removes the provider's state once nothing is left in it, so
// an undeployed environment leaves no file behind.
func cleanupState(ctx context.Context, _ *Globals, e *phase.Env) error {
	if c, ok := e.Provider.(interface {
		Cleanup(context.Context) (bool, error)
	}); ok {
		_, err := c.Cleanup(ctx)
		return err
	}
	return nil
}

func init() {
	for _, s := range phaseSpecs {
		register(func(g *Globals) *cobra.Command { return phaseCommand(g, s, false) })
	}
	register(func(g *Globals) *cobra.Command {
		plan := &cobra.Command{
			Use:   "plan PHASE",
			Short: "Print what a phase would create, change and delete, changing nothing",
			Args:  cobra.ArbitraryArgs,
			// Only reached without a known phase (those are subcommands):
			// cobra would print the help and exit 0.
			RunE: func(cmd *cobra.Command, args []string) error {
				var phases []string
				for _, c := range cmd.Commands() {
					if c.IsAvailableCommand() {
						phases = append(phases, c.Name())
					}
				}
				list := strings.Join(phases, ", ")
				if len(args) == 0 {
					return UsageErrorf("plan needs a phase: one of %s", list)
				}
				return UsageErrorf("plan: unknown phase %q; phases: %s", args[0], list)
			},
		}
		for _, s := range phaseSpecs {
			plan.AddCommand(phaseCommand(g, s, true))
		}
		return plan
	})
}

func phaseCommand(g *Globals, s phaseSpec, planOnly bool) *cobra.Command {
	o := &phaseOpts{dryRun: planOnly}
	cmd := &cobra.Command{
		Use:   s.use,
		Short: s.short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The guide writes `-t nlp user-helper`: the words after -t are components too.
			if len(args) > 0 {
				if !cmd.Flags().Changed("components") {
					return UsageErrorf("unexpected argument %q (components go after -t)", args[0])
				}
				o.only = append(o.only, args...)
			}
			return runPhase(cmd.Context(), g, s, o)
		},
	}
	if s.flags != nil {
		s.flags(cmd, o)
	}
	if cmd.Flags().Lookup("components") != nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.Long = s.short + ".\n\n" + componentsHelp()
	}
	if !planOnly {
		cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print what would be created, changed and deleted; change nothing")
		cmd.Flags().BoolVar(&o.waitLock, "wait-lock", false, "when another run holds the environment's lock, wait for it instead of failing")
	}
	return cmd
}

// runPhase validates everything (config, vault, provider, components) before
// the phase's first change, then runs it with progress output.
func runPhase(ctx context.Context, g *Globals, s phaseSpec, o *phaseOpts) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// Every phase needs the release's vaulted values (guide: -v "$VAULT_PASSWORD").
	if pass, err := g.VaultPassword(); err != nil {
		return err
	} else if pass == "" {
		return UsageErrorf("a vault password is required: -v PASSWORD, --vault-password-file FILE or AURA_VAULT_PASSWORD")
	}
	cfg, err := g.LoadConfig()
	if err != nil {
		return err
	}
	if s.check != nil {
		if err := s.check(cfg); err != nil {
			return err
		}
	}
	// The local provider needs no cloud credentials, but given ones are
	// checked all the same, before anything changes.
	var creds *credentials.Credentials
	if g.CredentialsFile != "" || cfg.Provider == "azure" {
		c, warnings, err := credentials.Load(g.CredentialsFile, os.Getenv)
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(g.Stderr, "warning:", w)
		}
		creds = c
	}
	env, err := newEnv(g, cfg, o, creds)
	if err != nil {
		return err
	}
	redactor := ui.NewRedactor(cfg.SecretValues())
	env.LearnSecrets = redactor.Add
	printer := ui.New(g.Stdout, ui.Options{JSON: g.Output == "json", Debug: g.Debug, Redactor: redactor})
	defer printer.Close()
	env.Notify = func(msg string) { printer.Info(s.name(), msg) }
	env.Warn = func(msg string) { printer.Warn(s.name(), msg) }
	if !o.dryRun {
		unlock, err := lockEnvironment(ctx, env, s.name(), o.waitLock, env.Notify)
		if err != nil {
			return err
		}
		defer unlock()
		if s.confirm != nil && !o.yes {
			if err := confirm(ctx, g, env, s); err != nil {
				return err
			}
		}
	}
	runner := &phase.Runner{DryRun: o.dryRun, Reporter: printer, Redact: redactor.Redact}
	ctx, stop := phase.WithInterrupt(ctx, func() {
		printer.Warn("", "interrupted: finishing the running actions; press Ctrl-C again to abort at once")
	})
	defer stop()
	if _, err := runner.Run(ctx, s.build(env, o)); err != nil {
		return err
	}
	if s.after != nil && !o.dryRun {
		return s.after(ctx, g, env)
	}
	return nil
}

func newEnv(g *Globals, cfg *config.Config, o *phaseOpts, creds *credentials.Credentials) (*phase.Env, error) {
	switch g.Output {
	case "text", "json":
	default:
		return nil, UsageErrorf("--output: %q is not text or json", g.Output)
	}
	rel, err := release.Default()
	if err != nil {
		return nil, err
	}
	only, err := rel.Resolve(o.only)
	var unknown *release.UnknownComponentError
	if errors.As(err, &unknown) {
		msg := fmt.Sprintf("-t: unknown component %q", unknown.Name)
		if unknown.Suggestion != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", unknown.Suggestion)
		}
		return nil, UsageErrorf("%s; the components are: %s", msg, componentList(rel))
	}
	if err != nil {
		return nil, err
	}
	for _, c := range only {
		if !cfg.Derived.Components[c] {
			return nil, UsageErrorf("-t %s: the component is not enabled in this configuration", c)
		}
	}
	var toolLog io.Writer // the local cluster tool's own output, only with --debug
	if g.Debug {
		toolLog = g.Stderr
	}
	var opts []factory.Option
	if creds != nil {
		opts = append(opts, factory.WithCredentials(creds))
	}
	p, err := factory.New(cfg, toolLog, opts...)
	if err != nil {
		return nil, err
	}
	app, err := servicePrincipalApp(cfg, creds)
	if err != nil {
		return nil, err
	}
	return &phase.Env{
		Cfg: cfg, Provider: p, Release: rel, Templates: userTemplates(g.CfgFile),
		OutputDir: "output_install", ReleaseNamespace: o.releaseNS, Only: only, App: app, Credentials: creds,
	}, nil
}

// userTemplates overlays the embedded templates with deploy/templates/k8s of
// the working directory, where the guide has users drop extra templates
// (e.g. core/nginx-plus/*.yaml), or else of the config file's directory.
func userTemplates(cfgFile string) fs.FS {
	for _, dir := range []string{".", filepath.Dir(cfgFile)} {
		d := filepath.Join(dir, "deploy", "templates", "k8s")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return render.OverlayDir(templates.FS(), d)
		}
	}
	return templates.FS()
}
