package config

import "strings"

// AuraOperatorS3 is how aura-operator reads the Aura team's package bucket
// (guide "Aura Operator"; the bucket is named by the release manifest).
type AuraOperatorS3 struct {
	// The access key pair the Aura team gives; both empty: anonymous access.
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key" secret:"true"`
	Region          string `yaml:"region" jsonschema:"default=eu-west-1"`
	// An S3-compatible server instead of AWS.
	Endpoint string `yaml:"endpoint"`
	// Bucket in the URL path rather than the host name (most S3-compatible servers).
	PathStyle bool `yaml:"path_style"`
}

func ruleAuraOperator(v *validator) {
	c := v.cfg
	s := c.AuraOperatorS3
	const p = "aura_operator_s3."
	if s.Endpoint != "" {
		v.httpURL(p+"endpoint", s.Endpoint)
	}
	if c.Provider == "local" && c.Local.BlobEndpoint != "" {
		v.httpURL("local.blob_endpoint", c.Local.BlobEndpoint)
	}
	for _, k := range []struct{ key, value string }{{"access_key_id", s.AccessKeyID}, {"secret_access_key", s.SecretAccessKey}, {"region", s.Region}} {
		if strings.ContainsAny(k.value, " \t\r\n") {
			v.errf(p+k.key, "must not contain white space")
		}
	}
	switch {
	case s.AccessKeyID != "" && s.SecretAccessKey == "":
		v.missing(p+"secret_access_key", " with "+p+"access_key_id")
	case s.AccessKeyID == "" && s.SecretAccessKey != "":
		v.missing(p+"access_key_id", " with "+p+"secret_access_key")
	case s.AccessKeyID == "" && c.AuraOperatorEnabled:
		v.warnf(p+"access_key_id", "is not set: aura-operator reads the package bucket anonymously; ask the Aura team for the bucket's access key")
	}
	if c.AuraOperatorEnabled {
		v.required(p+"region", s.Region, " when aura_operator_enabled is true")
	}
}
