package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	env := map[string]string{
		"AURA_ENVIRONMENT_NAME": "es-dev", "AURA_S3_BUCKET": "aura-packages",
		"AURA_BLOB_ACCOUNT_URL": "https://acct.blob.core.windows.net", "AURA_BLOB_CONTAINER": "packages",
		"AZURE_STORAGE_ACCOUNT": "acct", "AZURE_STORAGE_KEY": "a2V5", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s3cr3t",
	}
	getenv := func(k string) string { return env[k] }
	c, err := parseFlags([]string{"--resync-period", "30s", "--s3-endpoint", "https://minio:9000", "--s3-path-style"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Environment != "es-dev" || c.resync != 30*time.Second || c.S3Bucket != "aura-packages" ||
		!c.S3PathStyle || c.S3Endpoint != "https://minio:9000" || c.S3SecretAccessKey != "s3cr3t" || c.BlobAccountKey != "a2V5" {
		t.Fatalf("parsed %+v", c)
	}

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // every message must appear
	}{
		{"nothing configured", nil, nil, []string{"--environment", "--s3-bucket", "--blob-container", "--blob-account-url"}},
		{"half a key pair", nil, map[string]string{"AWS_ACCESS_KEY_ID": "x"}, []string{"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"}},
		{"bad duration", []string{"--resync-period", "soon"}, nil, []string{"resync-period"}},
		{"zero resync", []string{"--resync-period", "0s"}, nil, []string{"must be positive"}},
		{"stray argument", []string{"extra"}, nil, []string{`unexpected argument "extra"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, func(k string) string { return tt.env[k] })
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Error("error leaks a secret")
			}
		})
	}
}
