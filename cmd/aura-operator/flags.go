package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/auracognitive/aurak8s/internal/packages"
)

// config is everything the operator is started with. Secrets come only from the
// environment (a Secret mounted with envFrom), never from flags, so they do not
// show in `ps` or the Deployment's args.
type config struct {
	environment      string
	agentsNamespace  string
	watchNamespace   string
	resync           time.Duration
	metricsAddr      string
	probeAddr        string
	leaderElect      bool
	leaderElectionNS string
	debug            bool

	s3Bucket string
	s3       packages.S3Options
	blob     packages.BlobOptions
}

func parseFlags(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("aura-operator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	boolEnv := func(k string, def bool) bool {
		if b, err := strconv.ParseBool(getenv(k)); err == nil {
			return b
		}
		return def
	}
	fs.StringVar(&c.environment, "environment", env("AURA_ENVIRONMENT_NAME", ""), "environment name; agents go to aura-agents-{environment} [AURA_ENVIRONMENT_NAME]")
	fs.StringVar(&c.agentsNamespace, "agents-namespace", env("AURA_AGENTS_NAMESPACE", ""), "namespace of the agents' children, instead of aura-agents-{environment} [AURA_AGENTS_NAMESPACE]")
	fs.StringVar(&c.watchNamespace, "watch-namespace", env("AURA_WATCH_NAMESPACE", ""), "only watch objects in this namespace (default: all) [AURA_WATCH_NAMESPACE]")
	fs.DurationVar(&c.resync, "resync-period", time.Minute, "how often every object is checked again")
	fs.StringVar(&c.metricsAddr, "metrics-bind-address", ":8080", "Prometheus metrics address (\"0\" disables)")
	fs.StringVar(&c.probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	fs.BoolVar(&c.leaderElect, "leader-elect", true, "elect a leader so that only one replica acts")
	fs.StringVar(&c.leaderElectionNS, "leader-election-namespace", env("POD_NAMESPACE", ""), "namespace of the leader election Lease [POD_NAMESPACE]")
	fs.BoolVar(&c.debug, "debug", false, "debug logging")

	fs.StringVar(&c.s3Bucket, "s3-bucket", env("AURA_S3_BUCKET", ""), "S3 bucket holding the packages [AURA_S3_BUCKET]")
	fs.StringVar(&c.s3.Endpoint, "s3-endpoint", env("AURA_S3_ENDPOINT", ""), "S3 endpoint URL (default: AWS) [AURA_S3_ENDPOINT]")
	fs.StringVar(&c.s3.Region, "s3-region", env("AWS_REGION", "eu-west-1"), "S3 region [AWS_REGION]")
	fs.BoolVar(&c.s3.PathStyle, "s3-path-style", boolEnv("AURA_S3_PATH_STYLE", false), "path-style S3 addressing (most S3-compatible servers) [AURA_S3_PATH_STYLE]")
	fs.StringVar(&c.blob.AccountURL, "blob-account-url", env("AURA_BLOB_ACCOUNT_URL", ""), "Azure Blob account URL, https://<account>.blob.core.windows.net [AURA_BLOB_ACCOUNT_URL]")
	fs.StringVar(&c.blob.Container, "blob-container", env("AURA_BLOB_CONTAINER", ""), "blob container the packages are published to [AURA_BLOB_CONTAINER]")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, fmt.Errorf("usage:\n%s", usage(fs))
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.s3.AccessKeyID = getenv("AWS_ACCESS_KEY_ID")
	c.s3.SecretAccessKey = getenv("AWS_SECRET_ACCESS_KEY")
	c.s3.SessionToken = getenv("AWS_SESSION_TOKEN")
	c.blob.ConnectionString = getenv("AZURE_STORAGE_CONNECTION_STRING")
	c.blob.AccountName = getenv("AZURE_STORAGE_ACCOUNT")
	c.blob.AccountKey = getenv("AZURE_STORAGE_KEY")

	var errs []error
	need := func(v, name string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	if c.agentsNamespace == "" {
		need(c.environment, "--environment (or AURA_ENVIRONMENT_NAME)")
	}
	need(c.s3Bucket, "--s3-bucket (or AURA_S3_BUCKET)")
	need(c.blob.Container, "--blob-container (or AURA_BLOB_CONTAINER)")
	if c.blob.ConnectionString == "" {
		need(c.blob.AccountURL, "--blob-account-url (or AZURE_STORAGE_CONNECTION_STRING)")
	}
	if (c.blob.AccountKey == "") != (c.blob.AccountName == "") {
		errs = append(errs, errors.New("AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY go together"))
	}
	if (c.s3.AccessKeyID == "") != (c.s3.SecretAccessKey == "") {
		errs = append(errs, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"))
	}
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
