package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/vault"
)

const testPassword = "test-vault-password"

func vaultInline(t testing.TB, plain string) string {
	t.Helper()
	s, err := vault.EncryptString(plain, testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func vaultFile(t testing.TB, plain string) []byte {
	t.Helper()
	b, err := vault.Encrypt([]byte(plain), testPassword, "prod")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mergeFixture: profile de < --cfg < ecfg 10-first < ecfg 20-second < a
// vaulted ecfg file (lexically first, yet applied last) and an inline !vault.
func mergeFixture(t *testing.T) (cfgFile, dir string) {
	t.Helper()
	root := t.TempDir()
	base := mutate(t, readFile(t, "testdata/minimal.yml"),
		edit{"environment_profile", "de"},
		edit{"infrastructure", "{compute: {agentpools: {common: {min_size: 4}}}}"},
		edit{"log_retention_time", "5"},
		edit{"backup_retention_time", "5"},
		edit{"context_expiration_days", "10"},
		edit{"aura_bot_services_api_key", "<delete>"},
	)
	base = append(base, []byte("aura_bot_services_api_key: "+vaultInline(t, "0123456789abcdef")+"\n")...)
	cfgFile = writeTemp(t, root, "config.yml", base)
	dir = filepath.Join(root, "profiles")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTemp(t, dir, "10-first.yml", []byte("log_retention_time: 6\ncontext_expiration_days: 11\natlas_network_allowed: [10.0.0.0/8, 10.1.0.0/16]\n"))
	writeTemp(t, dir, "20-second.yml", []byte("context_expiration_days: 12\natlas_network_allowed: [192.168.0.0/16]\ninfrastructure:\n  compute:\n    agentpools:\n      common:\n        max_size: 20\n"))
	writeTemp(t, dir, "05-secrets.yml", vaultFile(t, "elastic_admin_password: vaulted-elastic-pass\nbackup_retention_time: 9\n"))
	writeTemp(t, dir, "README.md", []byte("not yaml: ["))
	return cfgFile, dir
}

func TestMergeOrder(t *testing.T) {
	cfgFile, dir := mergeFixture(t)
	cfg, err := Load(LoadOptions{CfgFile: cfgFile, ExtraDir: dir, VaultPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	pools := cfg.Infrastructure.Compute.AgentPools
	checks := []struct {
		name      string
		got, want any
	}{
		{"profile de: confidential computing", cfg.EnableEncryptionInTransit, true},
		{"profile de: pool type", pools["management"].Type, "Standard_DC2ds_v3"},
		{"deep merge: profile type kept", pools["common"].Type, "Standard_DC2ds_v3"},
		{"deep merge: --cfg min_size kept", pools["common"].MinSize, 4},
		{"deep merge: ecfg max_size", pools["common"].MaxSize, 20},
		{"default kept", pools["system"].Mode, "System"},
		{"ecfg beats --cfg", cfg.LogRetentionTime, 6},
		{"later ecfg wins", cfg.ContextExpirationDays, 12},
		{"lists replace", cfg.AtlasNetworkAllowed, []string{"192.168.0.0/16"}},
		{"vaulted file wins over everything", cfg.BackupRetentionTime, 9},
		{"vaulted file value", cfg.ElasticAdminPassword, "vaulted-elastic-pass"},
		{"inline vault", cfg.AuraBotServicesAPIKey, "0123456789abcdef"},
		{"template rendered after merge", cfg.NginxPlus.LogConf, "aura-de-dev/logconf"},
		{"atlas cluster name", cfg.AtlasClusterName, "de-dev80"},
		{"genesys push provider", cfg.Genesys.PushProvider, "aura-de-dev"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	secrets := cfg.SecretValues()
	for _, s := range []string{"vaulted-elastic-pass", "0123456789abcdef", "kernel-client-secret-1", "atlas-private-key-value", "logs-pass-1", "5eb23be8ba10455e78455c84b4512af3"} {
		if !slices.Contains(secrets, s) {
			t.Errorf("SecretValues misses %q", s)
		}
	}
	if slices.Contains(secrets, "9") || slices.Contains(secrets, "") {
		t.Errorf("SecretValues holds values too short to redact: %q", secrets)
	}
	// The vaulted file's keys are names, not secrets: redacting them would
	// turn "mongodb-adminuser-password" into "mongodb-adminuser-<redacted>".
	if slices.Contains(secrets, "elastic_admin_password") || slices.Contains(secrets, "backup_retention_time") {
		t.Errorf("SecretValues holds key names of a vaulted file: %q", secrets)
	}
}

// A problem in an --ecfg file names that file and line; a problem in a
// vaulted file names the file without echoing the value.
func TestMergeProblemLocations(t *testing.T) {
	cfgFile, dir := mergeFixture(t)
	writeTemp(t, dir, "30-bad.yml", []byte("# comment\natlas_disk_size: 0\n"))
	writeTemp(t, dir, "06-secrets.yml", vaultFile(t, "azure_region: secret-region-xyz\n"))
	_, err := Load(LoadOptions{CfgFile: cfgFile, ExtraDir: dir, VaultPassword: testPassword})
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %v", err)
	}
	msg := errs.Error()
	if !strings.Contains(msg, filepath.Join(dir, "30-bad.yml")+":2: atlas_disk_size: must be a positive size") {
		t.Errorf("ecfg problem not located:\n%s", msg)
	}
	if !strings.Contains(msg, filepath.Join(dir, "06-secrets.yml")+":1: azure_region: must be one of") {
		t.Errorf("vaulted file problem not located:\n%s", msg)
	}
	if strings.Contains(msg, "secret-region-xyz") {
		t.Errorf("a vaulted value was printed:\n%s", msg)
	}
}

func TestVaultProblems(t *testing.T) {
	cfgFile, dir := mergeFixture(t)
	tests := []struct {
		name, password, want string
	}{
		{"no password", "", "is vaulted but no vault password was given"},
		{"wrong password", "wrong", "vault password is wrong"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(LoadOptions{CfgFile: cfgFile, ExtraDir: dir, VaultPassword: tc.password})
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want *Errors, got %v", err)
			}
			if !strings.Contains(errs.Error(), cfgFile+":") || !strings.Contains(errs.Error(), "aura_bot_services_api_key: ") {
				t.Errorf("inline vault problem does not name file and key:\n%v", errs)
			}
			if !strings.Contains(errs.Error(), filepath.Join(dir, "05-secrets.yml")) || !strings.Contains(errs.Error(), tc.want) {
				t.Errorf("want %q naming the vaulted file:\n%v", tc.want, errs)
			}
		})
	}
}

// Secrets never reach an error message, whatever rule they break.
func TestErrorsNeverPrintSecrets(t *testing.T) {
	secrets := map[string]string{
		"aura_encryption_key":                           "TopSecret-Key-Value!!",
		"elastic_admin_password":                        "abc",
		"backoffice_users.logs[0].password":             "pw1",
		"fourth_platform.client_secret":                 `"   "`,
		"aura_bot_services_api_key":                     "NOT-HEX-SECRET",
		"aurapush_feedback_subscription_key":            "br-sub-key-secret",
		"context_agents.new_agent_name.azure_sas_token": "sas-secret-token",
	}
	var edits []edit
	for k, v := range secrets {
		edits = append(edits, edit{k, v})
	}
	data := mutate(t, readFile(t, fullPath), edits...)
	_, errs, _ := loadErrors(t, data)
	if errs == nil {
		t.Fatal("want problems")
	}
	for _, v := range secrets {
		if v = strings.Trim(v, `" `); v != "" && strings.Contains(errs.Error(), v) {
			t.Errorf("secret %q printed in:\n%v", v, errs)
		}
	}
}

// A problem with a value that came from a default says so.
func TestProblemOfDefaultValue(t *testing.T) {
	base := readFile(t, "testdata/minimal.yml")
	tests := []struct {
		edits []edit
		want  string
	}{
		{[]edit{{"atlas_max_instance_size", "M20"}}, `atlas_min_instance_size: must not be larger than atlas_max_instance_size (M20), not "M30" (default)`},
		{[]edit{{"environment_profile", "de"}, {"nginx_plus_enabled", "false"}}, "nginx_plus_dos_enabled: needs nginx_plus_enabled: true (the DoS service is part of NGINX Plus) (default of profile de)"},
	}
	for _, tc := range tests {
		_, errs, _ := loadErrors(t, mutate(t, base, tc.edits...))
		if errs == nil {
			t.Fatalf("want %q", tc.want)
		}
		found := false
		for _, p := range errs.Problems {
			found = found || p.String() == tc.want
		}
		if !found {
			t.Errorf("want %q, got:\n%v", tc.want, errs)
		}
	}
}

// --cfg itself may be a vaulted file.
func TestVaultedCfgFile(t *testing.T) {
	dir := t.TempDir()
	p := writeTemp(t, dir, "config.yml", vaultFile(t, string(readFile(t, "testdata/minimal.yml"))))
	cfg, err := Load(LoadOptions{CfgFile: p, VaultPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClusterName != "auraclusterdevap" || Redacted(cfg)["cluster_name"] != Redaction {
		t.Errorf("vaulted --cfg: cluster_name %q, redacted %v", cfg.ClusterName, Redacted(cfg)["cluster_name"])
	}
	_, err = Load(LoadOptions{CfgFile: p, VaultPassword: "nope"})
	if err == nil || !strings.Contains(err.Error(), "vault password is wrong for "+p) {
		t.Errorf("wrong password: %v", err)
	}
	// A vaulted value quoted by a rule is redacted.
	withBad := writeTemp(t, dir, "bad.yml", vaultFile(t, string(mutate(t, readFile(t, "testdata/minimal.yml"), edit{"cluster_name", "Secret_Cluster_Name"}))))
	_, err = Load(LoadOptions{CfgFile: withBad, VaultPassword: testPassword})
	if err == nil || strings.Contains(err.Error(), "Secret_Cluster_Name") || !strings.Contains(err.Error(), "cluster_name: ") {
		t.Errorf("vaulted bad value: %v", err)
	}
}

// examples/ecfg/secrets.yml was written by Debian's ansible-vault.
func TestExampleVaultedEcfg(t *testing.T) {
	cfg, err := Load(LoadOptions{CfgFile: examplePath, ExtraDir: "../../examples/ecfg", VaultPassword: "aura-demo"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ElasticAdminPassword != "demo-elastic-password" || len(splitKeys(cfg.AuraEncryptionKey)) != 2 ||
		cfg.BackofficeUsers.Logs[0].Password != "demo-logs-password" {
		t.Errorf("vaulted values not applied: %q", cfg.ElasticAdminPassword)
	}
	if slices.Contains(cfg.SecretValues(), "admin") {
		t.Error("short plain words of a vaulted file must not be redacted everywhere")
	}
	out, err := RedactedYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"demo-elastic-password", "demo-logs-password", "7387dd96cd704d95dd9e4bfa417ab8ff"} {
		if strings.Contains(string(out), s) {
			t.Errorf("%q in --show-config output", s)
		}
	}
}
