package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/migrate"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider/factory"
)

func init() { register(newMigrateCmd) }

// migrateFiles are the two info files every migration reads.
type migrateFiles struct{ source, dest string }

func (f *migrateFiles) flags(c *cobra.Command) {
	c.Flags().StringVar(&f.source, "source-file", "", "the source environment's output_install/*_info.json")
	c.Flags().StringVar(&f.dest, "dest-file", "", "the destination environment's output_install/*_info.json")
}

func (f *migrateFiles) load() (src, dst *migrate.Info, err error) {
	if src, err = migrate.LoadInfo("--source-file", f.source); err != nil {
		return nil, nil, usageError{err}
	}
	if dst, err = migrate.LoadInfo("--dest-file", f.dest); err != nil {
		return nil, nil, usageError{err}
	}
	return src, dst, nil
}

func newMigrateCmd(g *Globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Move an environment's data to a new cluster (guide: \"Cluster migration\", \"Logs migration\")",
	}
	c.AddCommand(migrateClusterCmd(g), migrateLogsCmd(g), migrateUsersCmd(g))
	return c
}

func migrateClusterCmd(g *Globals) *cobra.Command {
	var files migrateFiles
	var opts migrate.ClusterOptions
	c := &cobra.Command{
		Use:   "cluster --source-file SRC_info.json --dest-file DST_info.json",
		Short: "Back up MongoDB and Redis in the source, restore them in the destination (resumable)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srcInfo, dstInfo, err := files.load()
			if err != nil {
				return err
			}
			src, err := migrateSide(g, srcInfo)
			if err != nil {
				return err
			}
			dst, err := migrateSide(g, dstInfo)
			if err != nil {
				return err
			}
			opts.Out = g.Stdout
			ctx, stop := interruptible(cmd.Context(), g)
			defer stop()
			return (&migrate.ClusterMigration{Src: src, Dst: dst, Opts: opts}).Run(ctx)
		},
	}
	files.flags(c)
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the steps it would run and change nothing")
	c.Flags().BoolVar(&opts.PauseSourceAtlas, "pause-source-atlas", false,
		"annotate the source's Atlas objects with mongodb.com/atlas-reconciliation-policy: skip when they lack it")
	c.Flags().BoolVar(&opts.Restart, "restart", false, "start a new migration although this one finished")
	return c
}

func migrateLogsCmd(g *Globals) *cobra.Command {
	var files migrateFiles
	var opts migrate.LogsOptions
	var srcURL, dstURL, user string
	c := &cobra.Command{
		Use:   "logs --source-file SRC_info.json --dest-file DST_info.json --source-es-url URL --dest-es-url URL",
		Short: "Snapshot the source's Elasticsearch logs and restore them in the destination (resumable)",
		Long: `Elasticsearch is reached at --source-es-url and --dest-es-url, for instance through
  kubectl -n aura-system port-forward svc/aura-es-http 9200      (source kubeconfig)
  kubectl -n aura-system port-forward svc/aura-es-http 9201:9200 (destination kubeconfig)
The password of the elastic user and the CA are read from each cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srcInfo, dstInfo, err := files.load()
			if err != nil {
				return err
			}
			for _, f := range [][2]string{{"--source-es-url", srcURL}, {"--dest-es-url", dstURL}} {
				if f[1] == "" {
					return UsageErrorf("%s is required (see aura migrate logs --help)", f[0])
				}
			}
			ctx, stop := interruptible(cmd.Context(), g)
			defer stop()
			src, err := migrateSide(g, srcInfo)
			if err != nil {
				return err
			}
			dst, err := migrateSide(g, dstInfo)
			if err != nil {
				return err
			}
			srcES, err := elasticOf(ctx, src, srcURL, user)
			if err != nil {
				return err
			}
			dstES, err := elasticOf(ctx, dst, dstURL, user)
			if err != nil {
				return err
			}
			opts.Out = g.Stdout
			return (&migrate.LogsMigration{Src: srcInfo, Dst: dstInfo, SrcES: srcES, DstES: dstES, Storage: dst.Storage, Opts: opts}).Run(ctx)
		},
	}
	files.flags(c)
	c.Flags().StringVar(&srcURL, "source-es-url", "", "the source's Elasticsearch, e.g. https://localhost:9200")
	c.Flags().StringVar(&dstURL, "dest-es-url", "", "the destination's Elasticsearch, e.g. https://localhost:9201")
	c.Flags().StringVar(&user, "es-user", "elastic", "Elasticsearch user; its password is the cluster's Secret elastic-admin")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the steps it would run and change nothing")
	return c
}

func migrateUsersCmd(g *Globals) *cobra.Command {
	var files migrateFiles
	var since, out, in string
	c := &cobra.Command{
		Use:   "users (--source-file SRC_info.json --since RFC3339 --out users.json | --dest-file DST_info.json --import users.json)",
		Short: "Export the users created since a time from the source, or import them into the destination",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exporting := since != "" || out != ""
			if exporting == (in != "") {
				return UsageErrorf("give either --since and --out (export) or --import (import)")
			}
			ctx, stop := interruptible(cmd.Context(), g)
			defer stop()
			if exporting {
				return exportUsers(ctx, g, files.source, since, out)
			}
			return importUsers(ctx, g, files.dest, in)
		},
	}
	files.flags(c)
	c.Flags().StringVar(&since, "since", "", "export the users created at or after this time (RFC 3339, e.g. 2023-10-10T06:22:47Z)")
	c.Flags().StringVar(&out, "out", "", "file the exported users are written to")
	c.Flags().StringVar(&in, "import", "", "file of users to import (as --out wrote it)")
	return c
}

func exportUsers(ctx context.Context, g *Globals, source, since, out string) error {
	at, err := time.Parse(time.RFC3339, since)
	if err != nil {
		return UsageErrorf("--since %q: not an RFC 3339 time such as 2023-10-10T06:22:47Z", since)
	}
	if out == "" {
		return UsageErrorf("--out is required with --since")
	}
	info, err := migrate.LoadInfo("--source-file", source)
	if err != nil {
		return usageError{err}
	}
	side, err := migrateSide(g, info)
	if err != nil {
		return err
	}
	data, err := migrate.ExportUsers(ctx, side, at, migrate.UsersOptions{})
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(g.Stdout, "users created since %s written to %s\n", at.UTC().Format(time.RFC3339), out)
	return nil
}

func importUsers(ctx context.Context, g *Globals, dest, in string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return UsageErrorf("--import: %v", err)
	}
	info, err := migrate.LoadInfo("--dest-file", dest)
	if err != nil {
		return usageError{err}
	}
	side, err := migrateSide(g, info)
	if err != nil {
		return err
	}
	if err := migrate.ImportUsers(ctx, side, data, migrate.UsersOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(g.Stdout, "users from %s imported into %s\n", in, info.Label())
	return nil
}

// interruptible cancels the migration on the first Ctrl-C: the step in
// progress stops, and the same command continues from it.
func interruptible(ctx context.Context, g *Globals) (context.Context, func()) {
	if ctx == nil {
		ctx = context.Background()
	}
	return phase.WithInterrupt(ctx, func() {
		fmt.Fprintln(g.Stderr, "interrupted: run the same command again to continue from this step")
	})
}

// migrateSide opens an environment's cluster and storage from its info
// file, with the Azure credentials when it needs them.
func migrateSide(g *Globals, info *migrate.Info) (*migrate.Side, error) {
	if _, err := info.KubeconfigPath(); err != nil {
		return nil, usageError{err}
	}
	var opts []factory.Option
	if g.CredentialsFile != "" || info.Provider == "azure" {
		creds, warnings, err := credentials.Load(g.CredentialsFile, os.Getenv)
		if err != nil {
			return nil, err
		}
		for _, w := range warnings {
			fmt.Fprintln(g.Stderr, "warning:", w)
		}
		opts = append(opts, factory.WithCredentials(creds))
	}
	side, err := migrate.OpenSide(info, opts...)
	if err != nil {
		return nil, usageError{err}
	}
	return side, nil
}

// elasticOf is a client of the side's Elasticsearch at url, with the
// elastic password and the CA that ECK keeps in the cluster.
func elasticOf(ctx context.Context, s *migrate.Side, url, user string) (*migrate.Elastic, error) {
	ns := s.Info.SystemNamespace
	sec, err := s.Kube.CoreV1().Secrets(ns).Get(ctx, "elastic-admin", metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: the Elasticsearch password (Secret %s/elastic-admin): %w", s.Info.Label(), ns, err)
	}
	pw := string(sec.Data["password"])
	if pw == "" {
		return nil, fmt.Errorf("%s: Secret %s/elastic-admin has no password", s.Info.Label(), ns)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: "aura-es-http." + ns + ".svc"}
	ca, err := s.Kube.CoreV1().Secrets(ns).Get(ctx, "aura-es-http-certs-public", metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: the Elasticsearch CA (Secret %s/aura-es-http-certs-public): %w", s.Info.Label(), ns, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.Data["ca.crt"]) {
		return nil, errors.New(s.Info.Label() + ": Secret " + ns + "/aura-es-http-certs-public has no PEM ca.crt")
	}
	tlsCfg.RootCAs = pool
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}, Timeout: 5 * time.Minute}
	return &migrate.Elastic{URL: url, User: user, Password: pw, Client: client}, nil
}
