package phase

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/deploy/charts"
	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/release"
)

// keyChange is how TestEveryKeyReachesWhatItNames changes one key: base is
// merged over the example configuration first (to turn on what the key
// needs), change over that.
type keyChange struct{ base, change string }

// activeListening is what active_listening_enabled needs besides the flag.
const activeListening = "active_listening_encryption_key: al-key-0123456789\nfourth_platform: {conversations: {platform: azure, bucket: b, access_key: a, secret_key: conv-secret-1}}"

const brazil = "environment_profile: br\naurapush_feedback_endpoint: 'https://feedback.example.com/a'\naurapush_feedback_subscription_key: sub-key-0001"

// keyChanges holds one change per key of config.Keys that is not refused
// and not proven by another test.
var keyChanges = map[string]keyChange{
	"local.blob_endpoint": {change: `local: {blob_endpoint: "http://127.0.0.1:10999"}`},
	"registry.username":   {base: "registry: {username: ob-es, password: pull-pw-123}", change: "registry: {username: ob-other}"},
	"registry.password":   {base: "registry: {username: ob-es, password: pull-pw-123}", change: "registry: {password: pull-pw-456}"},
	"registry.acr":        {change: "registry: {acr: {name: auraregistry, resource_group: aura-registry}}"},

	"environment_type":       {change: "environment_type: qa"},
	"environment_profile":    {base: activeListening, change: "environment_profile: es"},
	"cluster_name":           {change: "cluster_name: auraclusterother"},
	"tenant_name":            {change: `tenant_name: brand1`},
	"resources_tags":         {change: "resources_tags: {cost_center: cc42}"},
	"azure_region":           {change: "azure_region: northeurope"},
	"notifications_email":    {change: "notifications_email: other@example.com"},
	"notifications_webhooks": {change: "notifications_webhooks: [{name: other, url: 'https://hooks.example.com/x', severity: warning}]"},
	"notifications_smtp":     {change: `notifications_smtp: {smarthost: "mail.example.org:25"}`},
	"fourth_platform":        {change: `fourth_platform: {client_id: other-bot}`},
	"genesys.api_url": {base: "genesys_enabled: true\ngenesys: {api_url: 'https://genesys.example.com/a', user: g, secret: gsecret-1}",
		change: "genesys: {api_url: 'https://genesys.example.com/b'}"},
	"genesys.push_provider": {base: "genesys_enabled: true\ngenesys: {api_url: 'https://genesys.example.com/a', user: g, secret: gsecret-1}",
		change: "genesys: {push_provider: Aura}"},
	"genesys.user": {base: "genesys_enabled: true\ngenesys: {api_url: 'https://genesys.example.com/a', user: g, secret: gsecret-1}",
		change: "genesys: {user: other}"},
	"genesys.secret": {base: "genesys_enabled: true\ngenesys: {api_url: 'https://genesys.example.com/a', user: g, secret: gsecret-1}",
		change: "genesys: {secret: gsecret-2}"},
	"aura_encryption_algorithm":            {change: "aura_encryption_algorithm: aes-128-cbc\naura_encryption_key: 0123456789abcdef"},
	"aura_encryption_key":                  {change: "aura_encryption_key: 7387dd96cd704d95dd9e4bfa417ab8ff"},
	"aura_encryption_iv_position":          {change: "aura_encryption_iv_position: 12"},
	"aura_bot_services_api_key":            {change: "aura_bot_services_api_key: 0123456789abcdef0123456789abcdef"},
	"backup_retention_time":                {change: "backup_retention_time: 3"},
	"log_retention_time":                   {change: "log_retention_time: 5"},
	"next_domains_enabled":                 {change: "next_domains_enabled: true"},
	"next_bot_channel_enabled":             {base: "next_domains_enabled: true", change: "next_bot_channel_enabled: true"},
	"context_agents":                       {change: "context_agents: {sales: {}}"},
	"aura_gateway_api_allowed_origins":     {change: "aura_gateway_api_allowed_origins: [10.20.0.0/16]"},
	"aura_manager_allowed_origins":         {change: "aura_manager_allowed_origins: [10.30.0.0/16]"},
	"context_expiration_days":              {change: "context_expiration_days: 3"},
	"legacy_services_domain":               {change: "legacy_services_domain: ai-services-xx.auracognitive.com"},
	"ssh_allowed_sources":                  {change: "ssh_allowed_sources: [10.40.0.0/16]"},
	"kubernetes_api_allowed_sources":       {change: "kubernetes_api_allowed_sources: [10.50.0.0/16]"},
	"clu_allowed_ranges":                   {change: "clu_allowed_ranges: [10.80.0.0/16]"},
	"openai_allowed_ranges":                {base: "openai_enabled: true", change: "openai_allowed_ranges: [10.90.0.0/16]"},
	"service_whitelist_source_ranges":      {change: "service_whitelist_source_ranges: {metrics: [10.60.0.0/16]}"},
	"backoffice_users":                     {change: "backoffice_users: {metrics: [{name: other, password: other-pass-1}]}"},
	"elastic_admin_password":               {change: "elastic_admin_password: other-root-pw"},
	"eck_azure_snapshot_readonly":          {change: "eck_azure_snapshot_readonly: false"},
	"eck_azure_snapshot_expire":            {base: "eck_azure_snapshot_readonly: false", change: `eck_azure_snapshot_expire: "30d"`},
	"eck_azure_snapshot_schedule":          {base: "eck_azure_snapshot_readonly: false", change: `eck_azure_snapshot_schedule: "0 0 3 * * ?"`},
	"aks_sku_tier":                         {change: "aks_sku_tier: Free"},
	"aks_multi_az":                         {change: "aks_multi_az: false"},
	"infrastructure":                       {change: "infrastructure: {compute: {agentpools: {common: {max_size: 9}}}}"},
	"elasticsearch":                        {change: "elasticsearch: {storage_size_gb: 200}"},
	"prometheus":                           {change: "prometheus: {storage_size_gb: 200}"},
	"external_forwarding":                  {change: "external_forwarding: {secret_shared_key: fwd-key-1, remote_servers: [{hostname: logs.example.com, port: 24224}]}"},
	"nginx":                                {change: `nginx: {ssl_protocols: "TLSv1.3"}`},
	"nginx_plus_enabled":                   {change: "nginx_plus_enabled: true"},
	"nginx_plus_dos_enabled":               {base: "nginx_plus_enabled: true", change: "nginx_plus_dos_enabled: true"},
	"nginx_plus":                           {base: "nginx_plus_enabled: true", change: `nginx_plus: {log_dest: "syslog:server=waf-logs.example.com:514"}`},
	"prometheus_es_exporter_enabled":       {change: "prometheus_es_exporter_enabled: true"},
	"enable_encryption_in_transit":         {change: "enable_encryption_in_transit: true"},
	"enable_customer_key_encryption":       {change: "enable_customer_key_encryption: true"},
	"enable_customer_key_atlas_encryption": {change: "enable_customer_key_atlas_encryption: true"},

	"nlpaas_enabled":           {base: "generative_enabled: false\natria_rag_enabled: false", change: "nlpaas_enabled: false"},
	"generative_enabled":       {base: "atria_rag_enabled: false", change: "generative_enabled: false"},
	"atria_rag_enabled":        {change: "atria_rag_enabled: false"},
	"openai_enabled":           {change: "openai_enabled: true"},
	"aura_gateway_api_enabled": {change: "aura_gateway_api_enabled: false"},
	"aura_manager_enabled":     {change: "aura_manager_enabled: false"},
	"atria_model_gw_enabled":   {change: "atria_model_gw_enabled: false"},
	"whatsapp_enabled":         {change: "whatsapp_enabled: true"},
	"async_callback_enabled":   {change: "async_callback_enabled: true"},
	"genesys_enabled":          {base: "genesys: {api_url: 'https://genesys.example.com/a', user: g, secret: gsecret-1}", change: "genesys_enabled: true"},
	"rcs_enabled":              {change: "rcs_enabled: true"},
	"context_4p_sync_enabled":  {change: "context_4p_sync_enabled: false"},
	"complex_logic_enabled":    {change: "complex_logic_enabled: true"},
	"atlas_enabled":            {change: "atlas_enabled: false"},
	"aura_operator_enabled":    {change: "aura_operator_enabled: false"},
	"active_listening_enabled": {base: activeListening, change: "active_listening_enabled: true"},
	"active_listening_encryption_key": {base: "active_listening_enabled: true\nactive_listening_encryption_key: al-key-0123456789\nfourth_platform: {conversations: {platform: azure, bucket: b, access_key: a, secret_key: conv-secret-1}}",
		change: "active_listening_encryption_key: al-key-9876543210"},
	"aura_operator_s3": {change: `aura_operator_s3: {region: eu-central-1}`},

	"databricks_enabled": {change: "databricks_enabled: true"},
	"databricks.cluster": {base: "databricks_enabled: true", change: "databricks: {cluster: {node_type_id: Standard_D16as_v4}}"},
	"databricks.job":     {base: "databricks_enabled: true", change: `databricks: {job: {schedule: "0 0 2 ? * MON"}}`},
	"databricks.params": {base: "databricks_enabled: true\ndatabricks_enhanced_security_compliance: true",
		change: "databricks: {params: {complianceStandards: [HIPAA]}}"},
	"enable_customer_key_databricks_encryption":  {base: "databricks_enabled: true", change: "enable_customer_key_databricks_encryption: true"},
	"databricks_enhanced_security_compliance":    {base: "databricks_enabled: true", change: "databricks_enhanced_security_compliance: true"},
	"databricks_requireInfrastructureEncryption": {base: "databricks_enabled: true", change: "databricks_requireInfrastructureEncryption: true"},

	"aurapush_feedback_endpoint":         {base: brazil, change: "aurapush_feedback_endpoint: 'https://feedback.example.com/other'"},
	"aurapush_feedback_subscription_key": {base: brazil, change: "aurapush_feedback_subscription_key: sub-key-0002"},

	"atlas_orgId":                          {change: "atlas_orgId: fedcba9876543210fedcba98"},
	"atlas_public_apikey":                  {change: "atlas_public_apikey: otherpub"},
	"atlas_private_apikey":                 {change: "atlas_private_apikey: 11111111-1111-1111-1111-111111111111"},
	"atlas_project_name":                   {change: "atlas_project_name: shared-project"},
	"atlas_cluster_name":                   {change: "atlas_cluster_name: shared-cluster"},
	"atlas_mongo_major_version":            {change: `atlas_mongo_major_version: "7.0"`},
	"atlas_maintenance_windows":            {change: "atlas_maintenance_windows: {day_of_week: 2, hour_of_day: 13}"},
	"atlas_termination_protection_enabled": {change: "atlas_termination_protection_enabled: false"},
	"atlas_cluster_type":                   {change: "atlas_cluster_type: SHARDED"},
	"atlas_num_shards":                     {base: "atlas_cluster_type: SHARDED", change: "atlas_num_shards: 3"},
	"atlas_instance_size":                  {change: "atlas_instance_size: M40\natlas_max_instance_size: M50"},
	"atlas_network_allowed":                {change: "atlas_network_allowed: [10.70.0.0/16]"},
	"atlas_autoscaling_compute":            {change: "atlas_autoscaling_compute: true"},
	"atlas_scaledown_compute":              {base: "atlas_autoscaling_compute: true", change: "atlas_scaledown_compute: true"},
	"atlas_max_instance_size":              {base: "atlas_autoscaling_compute: true", change: "atlas_max_instance_size: M50"},
	"atlas_min_instance_size":              {base: "atlas_autoscaling_compute: true\natlas_scaledown_compute: true", change: "atlas_min_instance_size: M20"},
	"atlas_autoscaling_disk":               {change: "atlas_autoscaling_disk: false"},
	"atlas_disk_size":                      {base: "atlas_autoscaling_disk: false", change: "atlas_disk_size: 256"},
	"atlas_backup_enabled":                 {change: "atlas_backup_enabled: false"},
	"atlas_prometheus_password":            {change: "atlas_prometheus_password: prom-Pw-2222"},

	"nlp_packages": {change: "nlp_packages: {aura_es: 0.10.0}"},
	"resolutions":  {change: `resolutions: "1.2.3"`},
}

// TestEveryKeyReachesWhatItNames changes each key of the inventory and
// fails when none of the uses it names changes: a key that reaches nothing
// cannot be accepted in silence.
func TestEveryKeyReachesWhatItNames(t *testing.T) {
	cache := map[string]map[config.Use]string{}
	var mu sync.Mutex
	fingerprint := func(t *testing.T, files ...string) map[config.Use]string {
		key := strings.Join(files, "\x00---\x00")
		mu.Lock()
		defer mu.Unlock()
		if fp, ok := cache[key]; ok {
			return fp
		}
		fp := keysFingerprint(t, files...)
		cache[key] = fp
		return fp
	}
	tests := testFuncs(t)
	for _, k := range config.Keys {
		t.Run(k.Path, func(t *testing.T) {
			if k.Refused != "" {
				return // config.TestRefusedKeys
			}
			if len(k.Uses) == 1 && k.Uses[0] == config.UseInstaller {
				if !tests[k.Test] {
					t.Fatalf("%s: names test %s, which does not exist", k.Path, k.Test)
				}
				return
			}
			kc, ok := keyChanges[k.Path]
			if !ok {
				t.Fatalf("%s: no change in keyChanges: add one that a user would make", k.Path)
			}
			before := fingerprint(t, kc.base)
			after := fingerprint(t, kc.base, kc.change)
			var changed, named []string
			for _, u := range k.Uses {
				named = append(named, string(u))
				if before[u] != after[u] {
					changed = append(changed, string(u))
				}
			}
			if len(changed) == 0 {
				var elsewhere []string
				for u := range after {
					if before[u] != after[u] {
						elsewhere = append(elsewhere, string(u))
					}
				}
				sort.Strings(elsewhere)
				t.Errorf("%s: changing it (%s) changes none of %s (changes: %v)", k.Path, kc.change, strings.Join(named, ", "), elsewhere)
			}
		})
	}
}

// keysFingerprint is everything the configuration reaches, by use: the
// objects deploy_core and deploy_system render, the Helm values, the
// provider calls of deploy_infra, deploy_common and deploy_core, and the
// warnings of the load.
func keysFingerprint(t *testing.T, files ...string) map[config.Use]string {
	t.Helper()
	e := keysEnv(t, files...)
	out := map[config.Use]string{}

	var core []string
	for _, o := range renderedCore(t, e) {
		js, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		core = append(core, string(js))
	}
	sort.Strings(core)
	out[config.UseCore] = strings.Join(core, "\n")

	ctx := chartsTestContext(e)
	var system []string
	for _, dir := range []string{"system", "system/stack"} {
		objs, err := e.renderer().Dir(dir, ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			js, _ := o.MarshalJSON()
			system = append(system, string(js))
		}
	}
	values, err := fs.Glob(e.Templates, "helm/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		data, err := hvRenderer(e).RenderFile(v, ctx)
		if err != nil {
			t.Fatal(err)
		}
		system = append(system, v+":\n"+string(data))
	}
	sort.Strings(system)
	out[config.UseSystem] = strings.Join(system, "\n")

	for use, phase := range map[config.Use]func(*Env) Phase{config.UseInfra: Infra, config.UseCommon: Common, config.UseCoreCalls: Core} {
		real := e.Provider
		rec := &recordingProvider{Provider: real, log: &callLog{}}
		e.Provider = rec
		observeAll(phase(e))
		e.Provider = real
		out[use] = rec.log.String()
	}
	out[config.UseWarning] = strings.Join(e.Cfg.Warnings, "\n")
	return out
}

// keysEnv is operatorEnv with the example configuration and files as --ecfg
// files, in order.
func keysEnv(t *testing.T, files ...string) *Env {
	t.Helper()
	dir := t.TempDir()
	base, err := os.ReadFile(filepath.Join("..", "..", "examples", "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "config.yml")
	ecfg := filepath.Join(dir, "ecfg")
	if err := os.WriteFile(cfgFile, base, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(ecfg, 0o700); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if err := os.WriteFile(filepath.Join(ecfg, string(rune('a'+i))+".yml"), []byte(f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(config.LoadOptions{CfgFile: cfgFile, ExtraDir: ecfg, VaultPassword: "aura-demo"})
	if err != nil {
		t.Fatalf("%v\nfiles: %q", err, files)
	}
	p, err := local.New(local.Options{StateDir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := release.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Cfg: cfg, Provider: p, Release: rel, OutputDir: filepath.Join(dir, "output_install"), Templates: k8s.FS()}
	bg := context.Background()
	pc := e.PackagesContainer()
	if _, err := p.EnsureResourceGroup(bg, provider.ResourceGroup{Name: pc.ResourceGroup, Location: "westeurope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureStorageAccount(bg, provider.StorageAccount{ResourceGroup: pc.ResourceGroup, Name: pc.Account, Containers: []string{pc.Container}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// observeAll plans every action of the phase the way --dry-run does; the
// actions that need a cluster fail (there is none), the provider calls are
// what the recorder keeps.
func observeAll(ph Phase) {
	for _, step := range ph.Steps {
		for _, a := range step {
			if a.Observe == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _ = a.Observe(ctx)
			cancel()
		}
	}
}

// callLog keeps the requests a phase makes to its provider.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(method string, args ...any) {
	js, _ := json.Marshal(args)
	l.mu.Lock()
	l.calls = append(l.calls, method+" "+string(js))
	l.mu.Unlock()
}

func (l *callLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.calls...)
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// recordingProvider is the real local provider with every write request
// written down on the way.
type recordingProvider struct {
	provider.Provider
	log *callLog
}

func (r *recordingProvider) DryRun() provider.Provider {
	return &recordingProvider{Provider: r.Provider.DryRun(), log: r.log}
}

func (r *recordingProvider) EnsureResourceGroup(ctx context.Context, rg provider.ResourceGroup) (provider.Change, error) {
	r.log.add("EnsureResourceGroup", rg)
	return r.Provider.EnsureResourceGroup(ctx, rg)
}

func (r *recordingProvider) EnsureStorageAccount(ctx context.Context, sa provider.StorageAccount) (provider.Change, error) {
	r.log.add("EnsureStorageAccount", sa)
	return r.Provider.EnsureStorageAccount(ctx, sa)
}

func (r *recordingProvider) EnsureKeyVault(ctx context.Context, kv provider.KeyVault) (provider.Change, error) {
	r.log.add("EnsureKeyVault", kv)
	return r.Provider.EnsureKeyVault(ctx, kv)
}

func (r *recordingProvider) EnsureKey(ctx context.Context, ref provider.VaultRef, key provider.VaultKey) (provider.Change, error) {
	r.log.add("EnsureKey", ref, key)
	return r.Provider.EnsureKey(ctx, ref, key)
}

func (r *recordingProvider) EnsureDNSZone(ctx context.Context, z provider.Zone) (provider.Change, error) {
	r.log.add("EnsureDNSZone", z)
	return r.Provider.EnsureDNSZone(ctx, z)
}

func (r *recordingProvider) PutRecordSet(ctx context.Context, z provider.Zone, rs provider.RecordSet) (provider.Change, error) {
	r.log.add("PutRecordSet", z, rs)
	return r.Provider.PutRecordSet(ctx, z, rs)
}

func (r *recordingProvider) EnsureCluster(ctx context.Context, spec provider.ClusterSpec) (provider.Change, error) {
	r.log.add("EnsureCluster", spec)
	return r.Provider.EnsureCluster(ctx, spec)
}

func (r *recordingProvider) EnsureRoleAssignment(ctx context.Context, ra provider.RoleAssignment) (provider.Change, error) {
	r.log.add("EnsureRoleAssignment", ra)
	return r.Provider.EnsureRoleAssignment(ctx, ra)
}

func (r *recordingProvider) EnsureBotChannel(ctx context.Context, bc provider.BotChannel) (provider.Change, error) {
	r.log.add("EnsureBotChannel", bc)
	return r.Provider.EnsureBotChannel(ctx, bc)
}

func (r *recordingProvider) EnsureAIService(ctx context.Context, ai provider.AIService) (provider.Change, error) {
	r.log.add("EnsureAIService", ai)
	return r.Provider.EnsureAIService(ctx, ai)
}

func (r *recordingProvider) EnsureDatabricksWorkspace(ctx context.Context, ws provider.DatabricksWorkspace) (provider.Change, error) {
	r.log.add("EnsureDatabricksWorkspace", ws)
	return r.Provider.EnsureDatabricksWorkspace(ctx, ws)
}

func (r *recordingProvider) EnsureDatabricksJob(ctx context.Context, job provider.DatabricksJob) (provider.Change, error) {
	r.log.add("EnsureDatabricksJob", job)
	return r.Provider.EnsureDatabricksJob(ctx, job)
}

var testFuncRE = regexp.MustCompile(`(?m)^func (Test\w+)\(`)

// testFuncs are the test functions of the repository by name.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, "_test.go") {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range testFuncRE.FindAllStringSubmatch(string(data), -1) {
				out[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// charts.source picks where deploy_system's charts come from.
func TestChartSources(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		cfg  string
		want helm.Source
	}{
		{"", helm.Source{FS: charts.Local()}},
		{"charts: {source: repositories}", helm.Source{}},
		{"charts: {source: " + dir + "}", helm.Source{Dir: dir}},
		{"charts: {source: 'oci://127.0.0.1:5000/aura', plain_http: true}", helm.Source{OCI: "oci://127.0.0.1:5000/aura", PlainHTTP: true}},
	} {
		e := testEnv(t, tc.cfg)
		got := e.chartSource()
		if got.Dir != tc.want.Dir || got.OCI != tc.want.OCI || got.PlainHTTP != tc.want.PlainHTTP || (got.FS == nil) != (tc.want.FS == nil) {
			t.Errorf("%q: source %+v, want %+v", tc.cfg, *got, tc.want)
		}
	}
}
