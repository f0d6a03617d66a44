package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/auracognitive/aurak8s/internal/operatorconfig"
	"github.com/auracognitive/aurak8s/internal/packages"
)

// config is everything the operator is started with: its settings (defined,
// with their variables and flags, in internal/operatorconfig, which
// deploy_core renders the Deployment from) and how it runs.
type config struct {
	operatorconfig.Settings
	resync      time.Duration
	metricsAddr string
	probeAddr   string
	leaderElect bool
	debug       bool
}

func (c config) s3() packages.S3Options {
	return packages.S3Options{Endpoint: c.S3Endpoint, Region: c.S3Region, PathStyle: c.S3PathStyle,
		AccessKeyID: c.S3AccessKeyID, SecretAccessKey: c.S3SecretAccessKey, SessionToken: c.S3SessionToken}
}

func (c config) blob() packages.BlobOptions {
	return packages.BlobOptions{AccountURL: c.BlobAccountURL, Container: c.BlobContainer,
		AccountName: c.BlobAccountName, AccountKey: c.BlobAccountKey, ConnectionString: c.BlobConnectionString}
}

func parseFlags(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("aura-operator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	settings := operatorconfig.BindFlags(fs, getenv)
	fs.DurationVar(&c.resync, "resync-period", time.Minute, "how often every object is checked again")
	fs.StringVar(&c.metricsAddr, "metrics-bind-address", fmt.Sprintf(":%d", operatorconfig.MetricsPort), "Prometheus metrics address (\"0\" disables)")
	fs.StringVar(&c.probeAddr, "health-probe-bind-address", fmt.Sprintf(":%d", operatorconfig.HealthPort), "address of /healthz and /readyz")
	fs.BoolVar(&c.leaderElect, "leader-elect", true, "elect a leader so that only one replica acts")
	fs.BoolVar(&c.debug, "debug", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, fmt.Errorf("usage:\n%s", usage(fs))
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.Settings = *settings
	errs := []error{c.Validate()}
	if c.resync <= 0 {
		errs = append(errs, fmt.Errorf("--resync-period must be positive, got %s", c.resync))
	}
	return c, errors.Join(errs...)
}

func usage(fs *flag.FlagSet) string {
	var b []byte
	fs.VisitAll(func(f *flag.Flag) {
		b = fmt.Appendf(b, "  --%s (default %q)\n      %s\n", f.Name, f.DefValue, f.Usage)
	})
	return string(b)
}
