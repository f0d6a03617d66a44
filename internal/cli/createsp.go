package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/auracognitive/aurak8s/internal/createsp"
	"github.com/auracognitive/aurak8s/internal/provider/azure"
	"github.com/auracognitive/aurak8s/internal/provider/factory"
	"github.com/auracognitive/aurak8s/internal/ui"
)

// `aura create_sp -n NAME [-p]` makes the service principal the Azure
// phases run as (guide: "Create Service principal").
func init() { register(newCreateSPCommand) }

type createSPFlags struct {
	name, subscription, tenant, graph string
	single, rotate, force             bool
}

func newCreateSPCommand(g *Globals) *cobra.Command {
	var f createSPFlags
	cmd := &cobra.Command{
		Use:   "create_sp -n NAME [-p]",
		Short: "Create the Azure service principal the installer runs as (credentials.json)",
		Long: "create_sp signs you in with a device code (open the URL it prints and enter the code), then makes or\n" +
			"reuses the Microsoft Entra application NAME, its service principal and a client secret, and gives it\n" +
			"Contributor and the custom role AssignRoles (role assignments read/write/delete) on the subscription.\n" +
			"It prints the four `export AZURE_…` lines and writes them as credentials.json (mode 0600; -c names\n" +
			"another file), to pass to every other command with -c.\n\n" +
			"Without -p the application is multi-tenant, as the Bot Channel Registration of deploy_core needs (the\n" +
			"guide has that disabled after that step). With -p it stays single-tenant: enough for deploy_infra.\n\n" +
			"A second run reuses what exists and changes nothing; --rotate-secret adds a new secret. The cloud is\n" +
			"the azure block of --cfg when given (a Custom cloud also needs --graph-endpoint), else Azure public.",
		Example: "  aura create_sp -n aura-sp-pro\n" +
			"  aura create_sp -n aura-sp-infra -p --subscription 00000000-0000-0000-0000-000000000000\n" +
			"  aura create_sp -n aura-sp-pro --rotate-secret --force",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCreateSP(ctx, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.name, "name", "n", "", "name of the application (service principal); a descriptive one, e.g. aura-sp-pro")
	fl.BoolVarP(&f.single, "single-tenant", "p", false, "no cross-tenant sign-in: a service principal without the Bot Channel Registration's extra permissions")
	fl.BoolVar(&f.rotate, "rotate-secret", false, "add a new client secret to an existing application")
	fl.BoolVar(&f.force, "force", false, "overwrite a credentials file that holds other credentials")
	fl.StringVar(&f.subscription, "subscription", "", "subscription to give the roles in (default: the only one you can see)")
	fl.StringVar(&f.tenant, "tenant", "", "tenant to sign in to (default: your home tenant)")
	fl.StringVar(&f.graph, "graph-endpoint", "", "Microsoft Graph endpoint (default: the cloud's; required for a Custom cloud)")
	return cmd
}

func runCreateSP(ctx context.Context, g *Globals, f createSPFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := createsp.ValidateName(f.name); err != nil {
		return usageError{err}
	}
	cloud := azure.Cloud{}
	if g.CfgFile != "" {
		cfg, err := g.LoadConfig()
		if err != nil {
			return err
		}
		cloud = factory.AzureCloud(cfg)
		if f.graph == "" {
			f.graph = cfg.Azure.GraphEndpoint
		}
	}
	endpoints, err := createsp.EndpointsFor(cloud, f.graph)
	if err != nil {
		return usageError{err}
	}
	file := g.CredentialsFile
	if file == "" {
		file = "credentials.json"
	}

	// Everything on stderr goes through the redactor, which learns the
	// secret the moment Graph returns it.
	redactor := ui.NewRedactor(nil)
	errw := redactingWriter{w: g.Stderr, r: redactor}
	var debug io.Writer
	if g.Debug {
		debug = errw
	}
	session, err := createsp.Login(ctx, endpoints, createsp.LoginOptions{TenantID: f.tenant, Prompt: func(m string) { fmt.Fprintln(errw, m) }})
	if err != nil {
		return err
	}
	who := session.User
	if who == "" {
		who = "you"
	}
	fmt.Fprintf(errw, "create_sp: signed in as %s (tenant %s)\n", who, session.TenantID)
	res, err := createsp.Run(ctx, session, createsp.Options{
		Name: f.name, SingleTenant: f.single, RotateSecret: f.rotate, Force: f.force, File: file, SubscriptionID: f.subscription,
		Endpoints:   endpoints,
		Progress:    func(m string) { fmt.Fprintln(errw, "create_sp: "+m) },
		Debug:       debug,
		LearnSecret: func(s string) { redactor.Add(s) },
	})
	if err != nil {
		return err
	}
	if len(res.Changes) == 0 {
		fmt.Fprintf(errw, "create_sp: nothing to change: application %s, its service principal, its roles and %s already exist\n", f.name, file)
	}
	// The guide's output: the credentials, for the shell.
	fmt.Fprint(g.Stdout, createsp.Exports(res.Credentials))
	fmt.Fprintf(errw, "create_sp: pass -c %s to every aura command, or export the lines above\n", file)
	return nil
}

// redactingWriter writes through a Redactor, line by line as given.
type redactingWriter struct {
	w io.Writer
	r *ui.Redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
