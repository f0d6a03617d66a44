// Package operatorconfig is the one definition of how aura-operator is
// configured: the environment variables and flags it reads, which of them are
// secrets, which are required, the ports it serves on and the RBAC rules it
// needs. cmd/aura-operator parses its command line with it, and deploy_core
// renders the operator's ConfigMap, Secret and ClusterRole from it, so the two
// cannot disagree.
package operatorconfig

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// Settings is what the operator needs to know about its environment. The
// secret ones only ever come from environment variables (a Secret consumed
// with envFrom), never from flags, so they stay out of `ps` and of the
// Deployment's spec.
type Settings struct {
	Environment             string
	AgentsNamespace         string
	WatchNamespace          string
	LeaderElectionNamespace string
	// ImagePullSecret is the Secret of the agents namespace agent pods pull
	// their images with (deploy_core creates it from registry credentials).
	ImagePullSecret string

	S3Bucket          string
	S3Endpoint        string
	S3Region          string
	S3PathStyle       bool
	S3AccessKeyID     string
	S3SecretAccessKey string
	S3SessionToken    string

	BlobAccountURL       string
	BlobContainer        string
	BlobAccountName      string
	BlobAccountKey       string
	BlobConnectionString string
}

// The environment variables of the settings.
const (
	EnvEnvironment             = "AURA_ENVIRONMENT_NAME"
	EnvAgentsNamespace         = "AURA_AGENTS_NAMESPACE"
	EnvWatchNamespace          = "AURA_WATCH_NAMESPACE"
	EnvLeaderElectionNamespace = "POD_NAMESPACE"
	EnvImagePullSecret         = "AURA_IMAGE_PULL_SECRET"
	EnvS3Bucket                = "AURA_S3_BUCKET"
	EnvS3Endpoint              = "AURA_S3_ENDPOINT"
	EnvS3Region                = "AWS_REGION"
	EnvS3PathStyle             = "AURA_S3_PATH_STYLE"
	EnvS3AccessKeyID           = "AWS_ACCESS_KEY_ID"
	EnvS3SecretAccessKey       = "AWS_SECRET_ACCESS_KEY"
	EnvS3SessionToken          = "AWS_SESSION_TOKEN"
	EnvBlobAccountURL          = "AURA_BLOB_ACCOUNT_URL"
	EnvBlobContainer           = "AURA_BLOB_CONTAINER"
	EnvBlobAccountName         = "AZURE_STORAGE_ACCOUNT"
	EnvBlobAccountKey          = "AZURE_STORAGE_KEY"
	EnvBlobConnectionString    = "AZURE_STORAGE_CONNECTION_STRING"
)

// DefaultS3Region is the region used when none is configured.
const DefaultS3Region = "eu-west-1"

// The ports the operator serves on by default; the release manifest's
// aura-operator ports must be these (its readiness probe and Service use them).
const (
	MetricsPort = 8080
	HealthPort  = 8081
)

// Setting is one entry of Table.
type Setting struct {
	Env  string
	Flag string // "" for secrets: environment only
	// Secret settings are rendered into the operator's Secret, the others
	// into its ConfigMap.
	Secret  bool
	Default string
	Usage   string

	str     func(*Settings) *string
	boolean func(*Settings) *bool
}

// Table lists every setting, in the order of the operator's usage text.
var Table = []Setting{
	{Env: EnvEnvironment, Flag: "environment", Usage: "environment name; agents go to aura-agents-{environment}",
		str: func(s *Settings) *string { return &s.Environment }},
	{Env: EnvAgentsNamespace, Flag: "agents-namespace", Usage: "namespace of the agents' children, instead of aura-agents-{environment}",
		str: func(s *Settings) *string { return &s.AgentsNamespace }},
	{Env: EnvWatchNamespace, Flag: "watch-namespace", Usage: "only watch objects in this namespace (default: all)",
		str: func(s *Settings) *string { return &s.WatchNamespace }},
	{Env: EnvLeaderElectionNamespace, Flag: "leader-election-namespace", Usage: "namespace of the leader election Lease",
		str: func(s *Settings) *string { return &s.LeaderElectionNamespace }},
	{Env: EnvImagePullSecret, Flag: "image-pull-secret", Usage: "Secret of the agents namespace that agent pods pull their images with (default: none)",
		str: func(s *Settings) *string { return &s.ImagePullSecret }},
	{Env: EnvS3Bucket, Flag: "s3-bucket", Usage: "S3 bucket holding the packages",
		str: func(s *Settings) *string { return &s.S3Bucket }},
	{Env: EnvS3Endpoint, Flag: "s3-endpoint", Usage: "S3 endpoint URL (default: AWS)",
		str: func(s *Settings) *string { return &s.S3Endpoint }},
	{Env: EnvS3Region, Flag: "s3-region", Default: DefaultS3Region, Usage: "S3 region",
		str: func(s *Settings) *string { return &s.S3Region }},
	{Env: EnvS3PathStyle, Flag: "s3-path-style", Default: "false", Usage: "path-style S3 addressing (most S3-compatible servers)",
		boolean: func(s *Settings) *bool { return &s.S3PathStyle }},
	{Env: EnvBlobAccountURL, Flag: "blob-account-url", Usage: "Azure Blob account URL, https://<account>.blob.core.windows.net",
		str: func(s *Settings) *string { return &s.BlobAccountURL }},
	{Env: EnvBlobContainer, Flag: "blob-container", Usage: "blob container the packages are published to",
		str: func(s *Settings) *string { return &s.BlobContainer }},
	{Env: EnvS3AccessKeyID, Secret: true, Usage: "S3 access key id (empty: anonymous)",
		str: func(s *Settings) *string { return &s.S3AccessKeyID }},
	{Env: EnvS3SecretAccessKey, Secret: true, Usage: "S3 secret access key",
		str: func(s *Settings) *string { return &s.S3SecretAccessKey }},
	{Env: EnvS3SessionToken, Secret: true, Usage: "S3 session token",
		str: func(s *Settings) *string { return &s.S3SessionToken }},
	{Env: EnvBlobAccountName, Secret: true, Usage: "storage account name, with AZURE_STORAGE_KEY",
		str: func(s *Settings) *string { return &s.BlobAccountName }},
	{Env: EnvBlobAccountKey, Secret: true, Usage: "storage account key",
		str: func(s *Settings) *string { return &s.BlobAccountKey }},
	{Env: EnvBlobConnectionString, Secret: true, Usage: "storage connection string, instead of the account URL and key",
		str: func(s *Settings) *string { return &s.BlobConnectionString }},
}

// Lookup returns the setting of an environment variable.
func Lookup(env string) (Setting, bool) {
	i := slices.IndexFunc(Table, func(s Setting) bool { return s.Env == env })
	if i < 0 {
		return Setting{}, false
	}
	return Table[i], true
}

// BindFlags registers a flag for every non-secret setting on fs, defaulting
// to its environment variable, and returns the Settings they fill. Secrets
// are read from getenv at once. Call Validate after fs.Parse.
func BindFlags(fs *flag.FlagSet, getenv func(string) string) *Settings {
	s := &Settings{}
	for _, st := range Table {
		v := getenv(st.Env)
		switch {
		case st.Secret:
			*st.str(s) = v
		case st.boolean != nil:
			def, _ := strconv.ParseBool(st.Default)
			if b, err := strconv.ParseBool(v); err == nil {
				def = b
			}
			fs.BoolVar(st.boolean(s), st.Flag, def, st.Usage+" ["+st.Env+"]")
		default:
			if v == "" {
				v = st.Default
			}
			fs.StringVar(st.str(s), st.Flag, v, st.Usage+" ["+st.Env+"]")
		}
	}
	return s
}

// Env is s as environment variables: plain holds the non-secret settings,
// secret the secret ones; empty values are left out. Reading them back with
// BindFlags gives s again.
func (s Settings) Env() (plain, secret map[string]string) {
	plain, secret = map[string]string{}, map[string]string{}
	for _, st := range Table {
		var v string
		if st.boolean != nil {
			v = strconv.FormatBool(*st.boolean(&s))
		} else {
			v = *st.str(&s)
		}
		if v == "" {
			continue
		}
		if st.Secret {
			secret[st.Env] = v
		} else {
			plain[st.Env] = v
		}
	}
	return plain, secret
}

// Validate reports every setting that is missing or inconsistent, naming
// its flag and variable, never a secret's value.
func (s Settings) Validate() error {
	var errs []error
	need := func(v, env string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name(env)))
		}
	}
	if s.AgentsNamespace == "" {
		need(s.Environment, EnvEnvironment)
	}
	need(s.S3Bucket, EnvS3Bucket)
	need(s.BlobContainer, EnvBlobContainer)
	if s.BlobConnectionString == "" {
		need(s.BlobAccountURL, EnvBlobAccountURL)
	}
	for _, u := range []struct{ v, env string }{{s.S3Endpoint, EnvS3Endpoint}, {s.BlobAccountURL, EnvBlobAccountURL}} {
		if p, err := url.Parse(u.v); u.v != "" && (err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "") {
			errs = append(errs, fmt.Errorf("%s must be an http:// or https:// URL, not %q", name(u.env), u.v))
		}
	}
	if (s.BlobAccountKey == "") != (s.BlobAccountName == "") {
		errs = append(errs, fmt.Errorf("%s and %s go together", EnvBlobAccountName, EnvBlobAccountKey))
	}
	if (s.S3AccessKeyID == "") != (s.S3SecretAccessKey == "") {
		errs = append(errs, fmt.Errorf("%s and %s go together", EnvS3AccessKeyID, EnvS3SecretAccessKey))
	}
	return errors.Join(errs...)
}

// name is how an error names a setting: its flag and variable.
func name(env string) string {
	st, _ := Lookup(env)
	if st.Flag == "" {
		return env
	}
	return "--" + st.Flag + " (or " + env + ")"
}

// EnvNames lists the variables of the settings, sorted.
func EnvNames() []string {
	out := make([]string, 0, len(Table))
	for _, st := range Table {
		out = append(out, st.Env)
	}
	slices.Sort(out)
	return out
}
