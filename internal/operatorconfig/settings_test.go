package operatorconfig

import (
	"flag"
	"io"
	"maps"
	"strings"
	"testing"
)

func full() Settings {
	return Settings{Environment: "es-dev", AgentsNamespace: "aura-agents-es-dev", WatchNamespace: "aura-es-dev", LeaderElectionNamespace: "aura-es-dev", ImagePullSecret: "aura-registry",
		S3Bucket: "aura-packages", S3Endpoint: "https://s3.example.com", S3Region: "eu-south-2", S3PathStyle: true,
		S3AccessKeyID: "AKIAEXAMPLE", S3SecretAccessKey: "s3-secret-Xq1", S3SessionToken: "token-Zz9",
		BlobAccountURL: "https://acct.blob.core.windows.net", BlobContainer: "aura-packages",
		BlobAccountName: "acct", BlobAccountKey: "a2V5LVp6OQ==", BlobConnectionString: "conn-secret-Qw3"}
}

func parse(t *testing.T, env map[string]string, args ...string) Settings {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := BindFlags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return *s
}

// What is rendered as environment variables is read back unchanged, and
// every setting is rendered: adding a field without a Table entry fails here.
func TestEnvRoundTrip(t *testing.T) {
	s := full()
	plain, secret := s.Env()
	if len(plain)+len(secret) != len(Table) {
		t.Fatalf("%d variables rendered for %d settings", len(plain)+len(secret), len(Table))
	}
	for k := range secret {
		if st, _ := Lookup(k); !st.Secret || st.Flag != "" {
			t.Errorf("%s is rendered as a secret but is not one (or has a flag)", k)
		}
	}
	for k, v := range plain {
		for _, sv := range []string{s.S3SecretAccessKey, s.S3SessionToken, s.BlobAccountKey, s.BlobConnectionString} {
			if strings.Contains(v, sv) {
				t.Errorf("plain %s carries a secret", k)
			}
		}
	}
	env := maps.Clone(plain)
	maps.Copy(env, secret)
	if got := parse(t, env); got != s {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, s)
	}
	// A flag beats its variable.
	if got := parse(t, env, "--s3-bucket", "other"); got.S3Bucket != "other" {
		t.Fatalf("flag ignored: %q", got.S3Bucket)
	}
	if got := parse(t, nil); got.S3Region != DefaultS3Region || got.S3PathStyle {
		t.Fatalf("defaults: %+v", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Settings)
		want string
	}{
		{"no environment", func(s *Settings) { s.Environment, s.AgentsNamespace = "", "" }, "--environment (or AURA_ENVIRONMENT_NAME) is required"},
		{"no bucket", func(s *Settings) { s.S3Bucket = "" }, "--s3-bucket (or AURA_S3_BUCKET) is required"},
		{"no container", func(s *Settings) { s.BlobContainer = "" }, "--blob-container (or AURA_BLOB_CONTAINER) is required"},
		{"no blob endpoint", func(s *Settings) { s.BlobAccountURL, s.BlobConnectionString = "", "" }, "--blob-account-url (or AURA_BLOB_ACCOUNT_URL) is required"},
		{"bad endpoint", func(s *Settings) { s.S3Endpoint = "s3.example.com" }, "must be an http:// or https:// URL"},
		{"half an account", func(s *Settings) { s.BlobAccountKey = "" }, "AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY go together"},
		{"half an S3 key", func(s *Settings) { s.S3AccessKeyID = "" }, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"},
	}
	if err := full().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := full()
			tt.edit(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			_, secret := full().Env()
			for _, v := range secret {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		})
	}
}

func TestFromEnvAndTemplateValues(t *testing.T) {
	for _, bad := range []map[string]string{{"AURA_S3_BUKET": "x"}, {EnvS3SecretAccessKey: "x"}, {EnvS3PathStyle: "yes"}} {
		if _, err := FromEnv(bad); err == nil {
			t.Errorf("FromEnv(%v) accepted", bad)
		}
	}
	rel := map[string]string{EnvS3Bucket: "aura-packages", EnvS3Region: "eu-south-2"}
	s, err := FromEnv(rel)
	if err != nil || s.S3Bucket != "aura-packages" || s.S3Region != "eu-south-2" {
		t.Fatalf("FromEnv: %+v, %v", s, err)
	}
	f := full()
	v, err := TemplateValues(f, rel)
	if err != nil {
		t.Fatal(err)
	}
	env := v["env"].(map[string]any)
	if _, ok := env[EnvS3Bucket]; ok {
		t.Error("a setting the release manifest gives is rendered twice")
	}
	if env[EnvEnvironment] != "es-dev" || v["secret_env"].(map[string]any)[EnvBlobAccountKey] != f.BlobAccountKey || len(v["rules"].([]any)) == 0 {
		t.Errorf("values %v", v)
	}
	f.S3Region = "us-east-1"
	if _, err := TemplateValues(f, rel); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("a setting that contradicts the release manifest: %v", err)
	}
	f = full()
	f.S3Bucket = ""
	if _, err := TemplateValues(f, nil); err == nil {
		t.Error("invalid settings rendered")
	}
}
