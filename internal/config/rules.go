package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/Masterminds/semver/v3"
)

// rules are the guide's statements about the configuration, one function
// per topic, each reporting every problem it finds.
var rules = []func(*validator){
	ruleProvider,
	ruleCharts,
	ruleEnvironment,
	ruleNotifications,
	ruleFourthPlatform,
	ruleGenesys,
	ruleEncryption,
	ruleRetention,
	ruleDNS,
	ruleContextAgents,
	ruleNetworks,
	ruleBackofficeUsers,
	ruleElastic,
	ruleAKS,
	ruleStorage,
	ruleExternalForwarding,
	ruleNginx,
	ruleComponents,
	ruleAtlas,
	ruleActiveListening,
	ruleDatabricks,
	ruleBrazil,
	ruleNLP,
	ruleRefused,
	ruleAuraOperator,
}

var (
	lowerAlnumRE  = regexp.MustCompile(`^[a-z0-9]+$`)
	alnumRE       = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	dnsLabelRE    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	subdomainRE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	hostnameRE    = regexp.MustCompile(`^(?i)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	vmSizeRE      = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	poolNameRE    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	userNameRE    = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)
	agentNameRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$`)
	expireRE      = regexp.MustCompile(`^[1-9][0-9]*(d|h|m|s)$`)
	atlasSizeRE   = regexp.MustCompile(`^(M|R)([0-9]+)(_NVME)?$`)
	hex24RE       = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	hexRE         = regexp.MustCompile(`^[0-9a-f]+$`)
	mongoVerRE    = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	complianceRE  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	nlpPackageRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	azureTagBadRE = regexp.MustCompile(`[<>%&\\?/]`)
	storageAcctRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
)

// required reports an empty string value.
func (v *validator) required(path, value, why string) bool {
	if strings.TrimSpace(value) == "" {
		v.missing(path, why)
		return false
	}
	return true
}

func (v *validator) enum(path, value string, allowed ...string) bool {
	if slices.Contains(allowed, value) {
		return true
	}
	v.errf(path, "must be one of %s, not %s", strings.Join(allowed, ", "), v.show(path, value))
	return false
}

// httpURL checks an absolute http(s) URL with a host.
func (v *validator) httpURL(path, value string) bool {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(value, " \t") {
		v.errf(path, "must be an http:// or https:// URL with a host, not %s", v.show(path, value))
		return false
	}
	return true
}

// cidrs checks a list of CIDRs; star allows "*" (any source); bareIP allows
// addresses without a prefix length.
func (v *validator) cidrs(path string, list []string, star, bareIP bool) {
	for i, s := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		s = strings.TrimSpace(s)
		switch {
		case s == "*" && star:
			continue
		case bareIP && net.ParseIP(s) != nil:
			continue
		}
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			what := "a CIDR such as 195.235.92.0/23"
			if star {
				what += ` or "*"`
			}
			if bareIP {
				what += " or an IP address"
			}
			v.errf(p, "must be %s, not %q", what, s)
			continue
		}
		if !ip.Equal(n.IP) {
			v.errf(p, "%q has host bits set; did you mean %q?", s, n.String())
		}
	}
}

func ruleProvider(v *validator) {
	c := v.cfg
	if !v.enum("provider", c.Provider, "local", "azure") {
		return
	}
	if c.Provider == "local" {
		if v.required("local.state_dir", c.Local.StateDir, " when provider is local") {
			if msg := dirProblem(c.Local.StateDir); msg != "" {
				v.errf("local.state_dir", "%s", msg)
			}
		}
		if k := c.Local.Kubeconfig; k != "" {
			if _, err := os.Stat(k); err != nil {
				v.errf("local.kubeconfig", "cannot read %q: %v", k, unwrapPathError(err))
			}
		}
	}
}

// ruleCharts checks the chart source: "" (the provider's default),
// "repositories", an OCI path, or a directory that exists (relative paths are
// taken from the working directory, as local.state_dir is).
func ruleCharts(v *validator) {
	src := v.cfg.Charts.Source
	switch {
	case src == "" || src == "repositories":
		if v.cfg.Charts.PlainHTTP {
			v.warnf("charts.plain_http", "has no effect without an oci:// charts.source")
		}
	case strings.HasPrefix(src, "oci://"):
		if strings.TrimPrefix(src, "oci://") == "" {
			v.errf("charts.source", "oci:// needs a registry host and path, e.g. oci://localhost:5000/charts")
		}
	case strings.Contains(src, "://"):
		v.errf("charts.source", "must be \"repositories\", a directory or an oci:// registry path, not %q", src)
	default:
		st, err := os.Stat(src)
		switch {
		case err != nil:
			v.errf("charts.source", "cannot read directory %q: %v", src, unwrapPathError(err))
		case !st.IsDir():
			v.errf("charts.source", "%q is not a directory", src)
		}
	}
}

// dirProblem says why dir can be neither used nor created as a directory
// (it or a parent is a file), "" when it can.
func dirProblem(dir string) string {
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		switch {
		case err == nil && st.IsDir():
			return ""
		case err == nil && p == filepath.Clean(dir):
			return fmt.Sprintf("%q is a file, not a directory", dir)
		case err == nil:
			return fmt.Sprintf("%q cannot be created: %s is a file", dir, p)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return fmt.Sprintf("cannot use %q: %v", dir, unwrapPathError(err))
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// reservedTypes are the environment types the guide reserves for the OBs;
// dev is the one the Aura team uses in its own examples (es-dev).
var reservedTypes = []string{"pre", "pro", "int", "dev"}

func ruleEnvironment(v *validator) {
	c := v.cfg
	before := len(v.problems)
	defer func() {
		for _, p := range v.problems[before:] {
			if p.Path == "environment_type" || p.Path == "environment_profile" || p.Path == "tenant_name" || p.Path == "cluster_name" {
				v.identityBad = true
			}
		}
		v.identityBad = v.identityBad || v.isBroken("environment_type") || v.isBroken("environment_profile") || v.isBroken("tenant_name")
	}()
	if v.required("environment_type", c.EnvironmentType, "") {
		if !lowerAlnumRE.MatchString(c.EnvironmentType) {
			v.errf("environment_type", "must be lowercase letters and digits (it is part of DNS and resource names), not %q", c.EnvironmentType)
		} else if !slices.Contains(reservedTypes, c.EnvironmentType) {
			v.warnf("environment_type", "%q is not one of pre, pro, int (reserved for the OBs) or dev; ask the Aura Team before using another type", c.EnvironmentType)
		}
	}
	if v.required("environment_profile", c.EnvironmentProfile, "") && !lowerAlnumRE.MatchString(c.EnvironmentProfile) {
		v.errf("environment_profile", "must be lowercase letters and digits (the OB, e.g. es, br, de, uk, ap), not %q", c.EnvironmentProfile)
	}
	if v.required("cluster_name", c.ClusterName, "") {
		if len(c.ClusterName) > 63 || !dnsLabelRE.MatchString(c.ClusterName) {
			v.errf("cluster_name", "must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit (it names the cluster and its resources), not %q", c.ClusterName)
		}
	}
	if v.required("tenant_name", c.TenantName, "") && c.TenantName != "default" {
		switch {
		case !lowerAlnumRE.MatchString(c.TenantName):
			v.errf("tenant_name", "must be lowercase letters and digits (it becomes part of the namespace), not %q", c.TenantName)
		case len(c.TenantName) > 6:
			v.errf("tenant_name", "must be at most 6 characters, %q has %d", c.TenantName, len(c.TenantName))
		case c.TenantName == "next":
			// Its names (services-ap-dev-next, aura-bot-ap-dev-next) are the
			// default tenant's -next names and bot channel.
			v.errf("tenant_name", "cannot be \"next\": the tenant's names would be the default tenant's -next names and bot channel")
		case len(c.EnvironmentProfile)+len(c.EnvironmentType)+len(c.TenantName) > 11:
			v.errf("tenant_name", "environment_profile + environment_type + tenant_name must be at most 11 characters, %q+%q+%q has %d",
				c.EnvironmentProfile, c.EnvironmentType, c.TenantName, len(c.EnvironmentProfile)+len(c.EnvironmentType)+len(c.TenantName))
		}
	}
	for k, val := range c.ResourcesTags {
		p := joinPath("resources_tags", k)
		switch {
		case len(k) > 512 || azureTagBadRE.MatchString(k) || strings.TrimSpace(k) == "":
			v.errf(p, "an Azure tag name must be 1 to 512 characters without < > %% & \\ ? /")
		case len(val) > 256:
			v.errf(p, "an Azure tag value must be at most 256 characters, this one has %d", len(val))
		}
	}
	if len(c.ResourcesTags) > 50 {
		v.errf("resources_tags", "Azure allows at most 50 tags per resource, %d are set", len(c.ResourcesTags))
	}
	v.enum("azure_region", c.AzureRegion, "westeurope", "northeurope", "brazilsouth", "westus", "westus2", "eastus", "eastus2", "westcentralus")
}

func ruleNotifications(v *validator) {
	c := v.cfg
	if v.required("notifications_email", c.NotificationsEmail, "") {
		a, err := mail.ParseAddress(c.NotificationsEmail)
		if err != nil || a.Address != c.NotificationsEmail {
			v.errf("notifications_email", "must be an email address such as ops@example.com, not %q", c.NotificationsEmail)
		}
	}
	ruleSMTP(v)
	names := map[string]int{}
	for i, w := range c.NotificationsWebhooks {
		p := fmt.Sprintf("notifications_webhooks[%d]", i)
		if v.required(p+".name", w.Name, "") {
			if j, dup := names[w.Name]; dup {
				v.errf(p+".name", "duplicate webhook name %q (also notifications_webhooks[%d])", w.Name, j)
			}
			names[w.Name] = i
		}
		if v.required(p+".url", w.URL, "") {
			v.httpURL(p+".url", w.URL)
		}
		if v.required(p+".severity", w.Severity, " (warning, critical or info)") {
			v.enum(p+".severity", w.Severity, "warning", "critical", "info")
		}
	}
}

func ruleSMTP(v *validator) {
	s := v.cfg.NotificationsSMTP
	const p = "notifications_smtp."
	if s.Smarthost == "" {
		v.warnf(p+"smarthost", "is not set: alerts are not emailed to notifications_email (Alertmanager needs a mail server), only sent to the webhooks")
		return
	}
	host, port, err := net.SplitHostPort(s.Smarthost)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		v.errf(p+"smarthost", "must be HOST:PORT, e.g. smtp.example.com:587, not %q", s.Smarthost)
	}
	if v.required(p+"from", s.From, " when notifications_smtp.smarthost is set") {
		if a, err := mail.ParseAddress(s.From); err != nil || a.Address != s.From {
			v.errf(p+"from", "must be an email address such as aura-alerts@example.com, not %q", s.From)
		}
	}
	if (s.Username == "") != (s.Password == "") {
		v.errf(p+"password", "notifications_smtp.username and password go together")
	}
}

func ruleFourthPlatform(v *validator) {
	f := v.cfg.FourthPlatform
	const p = "fourth_platform."
	v.required(p+"client_id", f.ClientID, "")
	v.required(p+"client_secret", f.ClientSecret, "")
	v.required(p+"client_id_context", f.ClientIDContext, "")
	v.required(p+"client_secret_context", f.ClientSecretContext, "")
	if v.required(p+"apigw_url", f.APIGWURL, "") {
		v.httpURL(p+"apigw_url", f.APIGWURL)
	}
	if v.required(p+"apigw_url_context", f.APIGWURLContext, "") && !hostnameRE.MatchString(f.APIGWURLContext) {
		v.errf(p+"apigw_url_context", "must be a host name without scheme or path (e.g. es-pro.baikalplatform.com), not %q", f.APIGWURLContext)
	}
	if v.required(p+"authserver_url", f.AuthserverURL, "") && v.httpURL(p+"authserver_url", f.AuthserverURL) && !strings.HasSuffix(f.AuthserverURL, "/") {
		v.errf(p+"authserver_url", "must end with '/' (the guide: \"The / at the end is needed\"): %q", f.AuthserverURL)
	}
	if v.required(p+"synchronizer_sdk_repos", f.SynchronizerSDKRepos, "") {
		v.httpURL(p+"synchronizer_sdk_repos", f.SynchronizerSDKRepos)
	}
	cv := f.Conversations
	const cp = p + "conversations."
	if cv.DaysToFind < 1 {
		v.errf(cp+"days_to_find", "must be at least 1, not %d", cv.DaysToFind)
	}
	if v.enum(cp+"platform", cv.Platform, "", "azure", "aws") && cv.Platform != "" {
		why := " when fourth_platform.conversations.platform is set"
		v.required(cp+"bucket", cv.Bucket, why)
		v.required(cp+"access_key", cv.AccessKey, why)
		v.required(cp+"secret_key", cv.SecretKey, why)
	}
}

func ruleGenesys(v *validator) {
	c := v.cfg
	if !c.GenesysEnabled {
		return
	}
	const why = " when genesys_enabled is true"
	if v.required("genesys.api_url", c.Genesys.APIURL, why) {
		v.httpURL("genesys.api_url", c.Genesys.APIURL)
	}
	v.required("genesys.push_provider", c.Genesys.PushProvider, why)
	v.required("genesys.user", c.Genesys.User, why)
	v.required("genesys.secret", c.Genesys.Secret, why)
}

// keyLengths is the key size, in characters, each algorithm needs.
var keyLengths = map[string]int{"aes-256-cbc": 32, "aes-192-cbc": 24, "aes-128-cbc": 16}

// maxIVPosition: the shortest APIKey is 48 bytes of ciphertext (the JSON
// payload needs three AES blocks), 96 hex characters; the IV must be inserted
// within it for every key to be valid.
const maxIVPosition = 96

func ruleEncryption(v *validator) {
	c := v.cfg
	algoOK := v.enum("aura_encryption_algorithm", c.AuraEncryptionAlgorithm, "aes-256-cbc", "aes-192-cbc", "aes-128-cbc")
	if v.required("aura_encryption_key", c.AuraEncryptionKey, "") {
		want := keyLengths[c.AuraEncryptionAlgorithm]
		seen := map[string]int{}
		for i, k := range splitKeys(c.AuraEncryptionKey) {
			switch {
			case k == "":
				v.errf("aura_encryption_key", "item %d of the comma-separated list is empty", i+1)
			case !alnumRE.MatchString(k):
				v.errf("aura_encryption_key", "item %d must be letters and digits only", i+1)
			case algoOK && len(k) != want:
				v.errf("aura_encryption_key", "item %d must be %d characters for %s, it has %d", i+1, want, c.AuraEncryptionAlgorithm, len(k))
			}
			if j, dup := seen[k]; dup && k != "" {
				v.errf("aura_encryption_key", "item %d repeats item %d", i+1, j)
			}
			seen[k] = i + 1
		}
	}
	if p := c.AuraEncryptionIVPosition; p < 0 || p > maxIVPosition {
		v.errf("aura_encryption_iv_position", "must be between 0 and %d (the length of the shortest APIKey ciphertext in hex), not %d", maxIVPosition, p)
	}
	// Not required here: `aura api_key` reads this configuration to make the
	// first key. deploy_core refuses to run without it.
	switch k := c.AuraBotServicesAPIKey; {
	case strings.TrimSpace(k) == "":
		v.warnf("aura_bot_services_api_key", "is not set; deploy_core needs it: create it with aura api_key -a aura-bot -s aura-services")
	case !hexRE.MatchString(k):
		v.errf("aura_bot_services_api_key", "must be an APIKey made by aura api_key (lowercase hexadecimal)")
	}
}

func ruleRetention(v *validator) {
	c := v.cfg
	for _, r := range []struct {
		path string
		val  int
	}{{"backup_retention_time", c.BackupRetentionTime}, {"log_retention_time", c.LogRetentionTime}, {"context_expiration_days", c.ContextExpirationDays}} {
		if r.val < 1 {
			v.errf(r.path, "must be at least 1 day, not %d", r.val)
		}
	}
	if c.LogRetentionTime > 7 {
		v.warnf("log_retention_time", "%d days is more than the default 7; the guide advises against it (more load on Elasticsearch)", c.LogRetentionTime)
	}
}

func ruleDNS(v *validator) {
	c := v.cfg
	if c.NextBotChannelEnabled && !c.NextDomainsEnabled {
		v.errf("next_bot_channel_enabled", "needs next_domains_enabled: true (the -next Bot Channel points to the -next DNS domain)")
	}
	if d := c.LegacyServicesDomain; d != "" && (len(d) > 253 || !subdomainRE.MatchString(d) || !strings.Contains(d, ".")) {
		v.errf("legacy_services_domain", "must be a DNS name such as ai-services-xx.auracognitive.com, not %q", d)
	} else if d != "" && !strings.HasSuffix(d, "."+DNSZone) {
		v.warnf("legacy_services_domain", "%s is not in the zone %s that aura manages: the ingress serves it, but its DNS record is yours to keep", d, DNSZone)
	}
}

func ruleContextAgents(v *validator) {
	for name, a := range v.cfg.ContextAgents {
		p := joinPath("context_agents", name)
		if !agentNameRE.MatchString(name) {
			v.errf(p, "agent name must be letters, digits, '-' or '_', not %q", name)
		}
		if a == nil {
			continue
		}
		set := map[string]bool{"azure_account": a.AzureAccount != "", "azure_sas_token": a.AzureSASToken != "", "azure_container": a.AzureContainer != ""}
		var missing []string
		for _, k := range []string{"azure_account", "azure_sas_token", "azure_container"} {
			if !set[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 && len(missing) < 3 {
			v.warnf(p, "external account needs azure_account, azure_sas_token and azure_container together; %s missing, so the environment's default storage account is used",
				strings.Join(missing, ", "))
		}
		if a.AzureAccount != "" && !storageAcctRE.MatchString(a.AzureAccount) {
			v.errf(p+".azure_account", "an Azure storage account name is 3 to 24 lowercase letters and digits, not %q", a.AzureAccount)
		}
		if a.AzureContainer != "" && (len(a.AzureContainer) < 3 || len(a.AzureContainer) > 63 || !dnsLabelRE.MatchString(a.AzureContainer) || strings.Contains(a.AzureContainer, "--")) {
			v.errf(p+".azure_container", "an Azure blob container name is 3 to 63 lowercase letters, digits and single '-', not %q", a.AzureContainer)
		}
	}
}

func ruleNetworks(v *validator) {
	c := v.cfg
	v.cidrs("aura_gateway_api_allowed_origins", c.AuraGatewayAPIAllowedOrigins, false, false)
	v.cidrs("aura_manager_allowed_origins", c.AuraManagerAllowedOrigins, false, false)
	v.cidrs("clu_allowed_ranges", c.CLUAllowedRanges, false, false)
	v.cidrs("openai_allowed_ranges", c.OpenAIAllowedRanges, false, false)
	v.cidrs("ssh_allowed_sources", c.SSHAllowedSources, false, false)
	v.cidrs("kubernetes_api_allowed_sources", c.KubernetesAPIAllowedSources, true, false)
	w := c.ServiceWhitelistSourceRanges
	v.cidrs("service_whitelist_source_ranges.dashboard", w.Dashboard, false, false)
	v.cidrs("service_whitelist_source_ranges.metrics", w.Metrics, false, false)
	v.cidrs("service_whitelist_source_ranges.logs", w.Logs, false, false)
	v.cidrs("service_whitelist_source_ranges.raw_logs", w.RawLogs, false, false)
	v.cidrs("service_whitelist_source_ranges.alerts", w.Alerts, false, false)
	v.cidrs("atlas_network_allowed", c.AtlasNetworkAllowed, false, true)
	if len(c.AuraManagerAllowedOrigins) > 0 && !c.Derived.Components["aura-manager"] {
		v.warnf("aura_manager_allowed_origins", "has no effect while aura-manager is not deployed")
	}
}

func ruleBackofficeUsers(v *validator) {
	b := v.cfg.BackofficeUsers
	users := func(path string, list []User, why string) {
		if len(list) == 0 {
			v.missing(path, ": at least one user (name, password)"+why)
			return
		}
		seen := map[string]bool{}
		for i, u := range list {
			p := fmt.Sprintf("%s[%d]", path, i)
			if v.required(p+".name", u.Name, "") {
				if !userNameRE.MatchString(u.Name) {
					v.errf(p+".name", "must be letters, digits, '.', '_', '@' or '-', not %q", u.Name)
				}
				if seen[u.Name] {
					v.errf(p+".name", "duplicate user %q", u.Name)
				}
				seen[u.Name] = true
			}
			v.required(p+".password", u.Password, "")
		}
	}
	users("backoffice_users.dashboards", b.Dashboards, "")
	users("backoffice_users.metrics", b.Metrics, "")
	users("backoffice_users.alerts", b.Alerts, "")
	if v.cfg.Derived.Components["aura-manager"] {
		users("backoffice_users.aura_manager", b.AuraManager, " while aura-manager is deployed")
	}
	if len(b.Logs) == 0 {
		v.missing("backoffice_users.logs", ": at least one user (name, password, roles)")
	}
	seen := map[string]bool{}
	for i, u := range b.Logs {
		p := fmt.Sprintf("backoffice_users.logs[%d]", i)
		if v.required(p+".name", u.Name, "") {
			if !userNameRE.MatchString(u.Name) {
				v.errf(p+".name", "must be letters, digits, '.', '_', '@' or '-', not %q", u.Name)
			}
			if u.Name == "elastic" {
				v.errf(p+".name", `"elastic" is the built-in admin user; set its password with elastic_admin_password`)
			}
			if seen[u.Name] {
				v.errf(p+".name", "duplicate user %q", u.Name)
			}
			seen[u.Name] = true
		}
		if v.required(p+".password", u.Password, "") && len(u.Password) < 6 {
			v.errf(p+".password", "Elasticsearch needs passwords of at least 6 characters")
		}
		if strings.TrimSpace(u.Role) == "" && len(u.Roles) == 0 {
			v.missing(p+".roles", " (Kibana roles, e.g. [kibana_admin, aura])")
		}
		for j, r := range u.Roles {
			if strings.TrimSpace(r) == "" {
				v.errf(fmt.Sprintf("%s.roles[%d]", p, j), "must not be empty")
			}
		}
	}
}

func ruleElastic(v *validator) {
	c := v.cfg
	if v.required("elastic_admin_password", c.ElasticAdminPassword, "") && len(c.ElasticAdminPassword) < 6 {
		v.errf("elastic_admin_password", "Elasticsearch needs passwords of at least 6 characters")
	}
	if !expireRE.MatchString(c.ECKAzureSnapshotExpire) {
		v.errf("eck_azure_snapshot_expire", "must be a positive Elasticsearch time value such as 366d, not %q", c.ECKAzureSnapshotExpire)
	}
	if err := checkQuartz(c.ECKAzureSnapshotSchedule); err != nil {
		v.errf("eck_azure_snapshot_schedule", "%v", err)
	}
	for _, k := range []string{"eck_azure_snapshot_expire", "eck_azure_snapshot_schedule"} {
		if c.ECKAzureSnapshotReadonly && v.userSet(k) && !isDefaultValue(c, k) {
			v.warnf(k, "has no effect while eck_azure_snapshot_readonly is true (a read-only repository takes no snapshots)")
		}
	}
}

func ruleAKS(v *validator) {
	c := v.cfg
	v.enum("aks_sku_tier", c.AKSSkuTier, "Paid", "Free")
	pools := c.Infrastructure.Compute.AgentPools
	const base = "infrastructure.compute.agentpools"
	if len(pools) == 0 {
		v.missing(base, ": at least one agent pool with mode System")
		return
	}
	systems := 0
	for _, name := range sortedKeys(pools) {
		p := joinPath(base, name)
		pool := pools[name]
		if !poolNameRE.MatchString(name) {
			v.errf(p, "an AKS node pool name is 1 to 12 lowercase letters and digits starting with a letter, not %q", name)
		}
		if v.required(p+".mode", pool.Mode, " (System or User)") && v.enum(p+".mode", pool.Mode, "System", "User") && pool.Mode == "System" {
			systems++
			if pool.MinSize < 1 {
				v.errf(p+".min_size", "a System pool needs at least 1 node, not %d", pool.MinSize)
			}
		}
		if pool.MinSize < 0 {
			v.errf(p+".min_size", "must be 0 or more, not %d", pool.MinSize)
		}
		if pool.MaxSize < 1 {
			v.errf(p+".max_size", "must be at least 1, not %d", pool.MaxSize)
		}
		if pool.MinSize > pool.MaxSize {
			v.errf(p+".min_size", "must be ≤ max_size (%d), not %d", pool.MaxSize, pool.MinSize)
		}
		if pool.MaxSize > 1000 {
			v.errf(p+".max_size", "AKS allows at most 1000 nodes per pool, not %d", pool.MaxSize)
		}
		if v.required(p+".type", pool.Type, " (an Azure VM size such as Standard_D4as_v4)") && !vmSizeRE.MatchString(pool.Type) {
			v.errf(p+".type", "must be an Azure VM size such as Standard_D4as_v4, not %q", pool.Type)
		}
	}
	if systems == 0 {
		v.errf(base, "at least one agent pool must have mode System")
	}
}

func ruleStorage(v *validator) {
	c := v.cfg
	if c.Elasticsearch.StorageSizeGB < 1 {
		v.errf("elasticsearch.storage_size_gb", "must be at least 1, not %d", c.Elasticsearch.StorageSizeGB)
	}
	if c.Prometheus.StorageSizeGB < 1 {
		v.errf("prometheus.storage_size_gb", "must be at least 1, not %d", c.Prometheus.StorageSizeGB)
	}
}

func ruleExternalForwarding(v *validator) {
	f := v.cfg.ExternalForwarding
	if f == nil {
		return
	}
	const p = "external_forwarding"
	v.required(p+".secret_shared_key", f.SecretSharedKey, "")
	if len(f.RemoteServers) == 0 {
		v.missing(p+".remote_servers", ": at least one server (hostname, port)")
	}
	for i, s := range f.RemoteServers {
		sp := fmt.Sprintf("%s.remote_servers[%d]", p, i)
		if v.required(sp+".hostname", s.Hostname, "") && net.ParseIP(s.Hostname) == nil && (len(s.Hostname) > 253 || !hostnameRE.MatchString(s.Hostname)) {
			v.errf(sp+".hostname", "must be a host name or IP address, not %q", s.Hostname)
		}
		if s.Port < 1 || s.Port > 65535 {
			v.errf(sp+".port", "must be a TCP port from 1 to 65535, not %d", s.Port)
		}
	}
}

var sslProtocols = []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

func ruleNginx(v *validator) {
	c := v.cfg
	n := c.Nginx
	if v.required("nginx.ssl_protocols", n.SSLProtocols, "") {
		for _, p := range strings.Fields(n.SSLProtocols) {
			if !slices.Contains(sslProtocols, p) {
				v.errf("nginx.ssl_protocols", "unknown protocol %q (allowed: %s)", p, strings.Join(sslProtocols, " "))
			}
		}
	}
	v.required("nginx.ssl_ciphers", n.SSLCiphers, "")
	if s := n.SSLPreferServerCiphers; !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
		v.errf("nginx.ssl_prefer_server_ciphers", "must be True or False, not %q", s)
	}
	if c.NginxPlusDosEnabled && !c.NginxPlusEnabled {
		v.errf("nginx_plus_dos_enabled", "needs nginx_plus_enabled: true (the DoS service is part of NGINX Plus)")
	}
	if c.NginxPlusEnabled {
		if v.required("nginx_plus.log_conf", c.NginxPlus.LogConf, " when nginx_plus_enabled is true") {
			ns, name, ok := strings.Cut(c.NginxPlus.LogConf, "/")
			if !ok || !dnsLabelRE.MatchString(ns) || !subdomainRE.MatchString(name) {
				v.errf("nginx_plus.log_conf", "must be NAMESPACE/NAME of an APLogConf, e.g. aura-de-pro/logconf, not %q", c.NginxPlus.LogConf)
			}
		}
		if v.required("nginx_plus.log_dest", c.NginxPlus.LogDest, " when nginx_plus_enabled is true") {
			hp, ok := strings.CutPrefix(c.NginxPlus.LogDest, "syslog:server=")
			if _, port, err := net.SplitHostPort(hp); !ok || err != nil || port == "" {
				v.errf("nginx_plus.log_dest", "must be syslog:server=HOST:PORT, not %q", c.NginxPlus.LogDest)
			}
		}
		if !c.PrometheusESExporterEnabled {
			v.warnf("nginx_plus_enabled", "NGINX Plus alerts need prometheus_es_exporter_enabled: true")
		}
	}
}

// ruleComponents warns about flags the guide says cannot work alone: these
// components follow the ATRIA flags, as contracts.md fixes.
func ruleComponents(v *validator) {
	c := v.cfg
	d := c.Derived.Components
	for _, f := range []struct {
		key, comp, deps string
		val             bool
	}{
		{"aura_gateway_api_enabled", "aura-gateway-api", "nlpaas_enabled, generative_enabled or atria_rag_enabled", c.AuraGatewayAPIEnabled},
		{"aura_manager_enabled", "aura-manager", "generative_enabled or atria_rag_enabled", c.AuraManagerEnabled},
		{"atria_model_gw_enabled", "atria-model-gateway", "generative_enabled or atria_rag_enabled", c.AtriaModelGWEnabled},
	} {
		if !v.userSet(f.key) || f.val == d[f.comp] {
			continue
		}
		if f.val {
			v.warnf(f.key, "true has no effect: %s is deployed only when %s is true", f.comp, f.deps)
		} else {
			v.warnf(f.key, "false has no effect: %s is deployed while %s is true; set those to false to disable it", f.comp, f.deps)
		}
	}
	if c.EnableCustomerKeyAtlasEncrypt && !c.AtlasEnabled {
		v.warnf("enable_customer_key_atlas_encryption", "has no effect while atlas_enabled is false")
	}
}

// atlasTier is the number of an Atlas instance size (M30 → 30).
func atlasTier(s string) (int, bool) {
	m := atlasSizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[2])
	return n, err == nil
}

func ruleAtlas(v *validator) {
	c := v.cfg
	if !c.AtlasEnabled {
		v.warnf("atlas_enabled", "is false, but MongoDB Atlas is the only database the platform supports")
		return
	}
	const why = " when atlas_enabled is true"
	if v.required("atlas_orgId", c.AtlasOrgID, why) && !hex24RE.MatchString(c.AtlasOrgID) {
		v.errf("atlas_orgId", "must be the 24-hex-digit organization id from the Atlas organization settings, not %q", c.AtlasOrgID)
	}
	v.required("atlas_public_apikey", c.AtlasPublicAPIKey, why)
	v.required("atlas_private_apikey", c.AtlasPrivateAPIKey, why)
	for _, n := range []struct{ path, val string }{{"atlas_project_name", c.AtlasProjectName}, {"atlas_cluster_name", c.AtlasClusterName}} {
		if !v.required(n.path, n.val, why) {
			continue
		}
		if len(n.val) > 64 || !subdomainRE.MatchString(n.val) {
			v.errf(n.path, "must be a lowercase RFC 1123 subdomain (lowercase letters, digits, '-' or '.', starting and ending with a letter or digit, at most 64 characters), not %q", n.val)
		}
	}
	if !mongoVerRE.MatchString(c.AtlasMongoMajorVersion) {
		v.errf("atlas_mongo_major_version", "must be a MongoDB major version such as 8.0, not %q", c.AtlasMongoMajorVersion)
	}
	if w := c.AtlasMaintenanceWindows; w != nil {
		if w.DayOfWeek < 1 || w.DayOfWeek > 7 {
			v.errf("atlas_maintenance_windows.day_of_week", "must be 1 (Sunday) to 7 (Saturday), not %d", w.DayOfWeek)
		}
		if w.HourOfDay < 0 || w.HourOfDay > 23 {
			v.errf("atlas_maintenance_windows.hour_of_day", "must be 0 to 23, not %d", w.HourOfDay)
		}
	}
	sharded := c.AtlasClusterType == "SHARDED"
	if v.enum("atlas_cluster_type", c.AtlasClusterType, "REPLICASET", "SHARDED") {
		if !sharded && v.userSet("atlas_num_shards") {
			v.errf("atlas_num_shards", "must not be set when atlas_cluster_type is REPLICASET")
		}
		if sharded && (c.AtlasNumShards < 1 || c.AtlasNumShards > 70) {
			v.errf("atlas_num_shards", "must be 1 to 70, not %d", c.AtlasNumShards)
		}
	}
	sizes := map[string]int{}
	for _, s := range []struct{ path, val string }{{"atlas_instance_size", c.AtlasInstanceSize}, {"atlas_min_instance_size", c.AtlasMinInstanceSize}, {"atlas_max_instance_size", c.AtlasMaxInstanceSize}} {
		if n, ok := atlasTier(s.val); ok {
			sizes[s.path] = n
		} else {
			v.errf(s.path, "must be an Atlas instance size such as M30, not %q", s.val)
		}
	}
	inst, okI := sizes["atlas_instance_size"]
	lo, okLo := sizes["atlas_min_instance_size"]
	hi, okHi := sizes["atlas_max_instance_size"]
	if sharded && okI && inst < 30 {
		v.errf("atlas_instance_size", "must be M30 or larger for a SHARDED cluster, not %q", c.AtlasInstanceSize)
	}
	if okLo && okHi && lo > hi {
		v.errf("atlas_min_instance_size", "must not be larger than atlas_max_instance_size (%s), not %q", c.AtlasMaxInstanceSize, c.AtlasMinInstanceSize)
	}
	if c.AtlasAutoscalingCompute && okI && okLo && okHi && lo <= hi && (inst < lo || inst > hi) {
		v.errf("atlas_instance_size", "must be between atlas_min_instance_size (%s) and atlas_max_instance_size (%s) when atlas_autoscaling_compute is true, not %q",
			c.AtlasMinInstanceSize, c.AtlasMaxInstanceSize, c.AtlasInstanceSize)
	}
	if c.AtlasScaledownCompute && !c.AtlasAutoscalingCompute {
		v.warnf("atlas_scaledown_compute", "has no effect while atlas_autoscaling_compute is false")
	}
	if c.AtlasDiskSize < 1 {
		v.errf("atlas_disk_size", "must be a positive size in GB, not %d", c.AtlasDiskSize)
	} else if !c.AtlasAutoscalingDisk && c.AtlasDiskSize%8 != 0 {
		v.errf("atlas_disk_size", "must be a multiple of 8 (GB) when atlas_autoscaling_disk is false, not %d", c.AtlasDiskSize)
	}
	if c.AtlasAutoscalingDisk && v.userSet("atlas_disk_size") && c.AtlasDiskSize != 512 {
		v.warnf("atlas_disk_size", "is ignored while atlas_autoscaling_disk is true")
	}
}

func ruleActiveListening(v *validator) {
	c := v.cfg
	if !c.ActiveListeningEnabled {
		return
	}
	const why = " when active_listening_enabled is true"
	v.required("active_listening_encryption_key", c.ActiveListeningEncryptionKey, why)
	if c.FourthPlatform.Conversations.Platform == "" {
		v.warnf("fourth_platform.conversations.platform", "is empty, but Active Listening (active_listening_enabled) reads the Kernel conversations configured there")
	}
}

func ruleDatabricks(v *validator) {
	c := v.cfg
	d := c.Databricks
	if v.required("databricks.cluster.node_type_id", d.Cluster.NodeTypeID, "") && !vmSizeRE.MatchString(d.Cluster.NodeTypeID) {
		v.errf("databricks.cluster.node_type_id", "must be an Azure VM size such as Standard_D8as_v4, not %q", d.Cluster.NodeTypeID)
	}
	if err := checkQuartz(d.Job.Schedule); err != nil {
		v.errf("databricks.job.schedule", "%v", err)
	}
	for i, s := range d.Params.ComplianceStandards {
		if !complianceRE.MatchString(s) {
			v.errf(fmt.Sprintf("databricks.params.complianceStandards[%d]", i), "must be an upper-case compliance standard such as HIPAA or PCI_DSS, not %q", s)
		}
	}
	if c.DatabricksEnhancedSecurityCompliance && len(d.Params.ComplianceStandards) == 0 {
		v.missing("databricks.params.complianceStandards", " (e.g. [HIPAA, PCI_DSS]) when databricks_enhanced_security_compliance is true")
	}
	if c.DatabricksEnabled {
		if _, known := OBTimezone(c.EnvironmentProfile); !known {
			v.warnf("environment_profile", "%q has no OB time zone known to aura: the Databricks job's schedule (databricks.job.schedule) runs in UTC", c.EnvironmentProfile)
		}
	}
	if !c.DatabricksEnabled {
		for _, f := range []struct {
			key string
			on  bool
		}{
			{"enable_customer_key_databricks_encryption", c.EnableCustomerKeyDatabricksEncryption},
			{"databricks_enhanced_security_compliance", c.DatabricksEnhancedSecurityCompliance},
			{"databricks_requireInfrastructureEncryption", c.DatabricksRequireInfrastructureEncrypt},
		} {
			if f.on {
				v.warnf(f.key, "has no effect while databricks_enabled is false")
			}
		}
	}
}

func ruleBrazil(v *validator) {
	c := v.cfg
	if c.Derived.Components["aurapush-sendfeedback-service"] {
		const why = " for environment_profile br (aurapush-sendfeedback-service)"
		if v.required("aurapush_feedback_endpoint", c.AurapushFeedbackEndpoint, why) {
			v.httpURL("aurapush_feedback_endpoint", c.AurapushFeedbackEndpoint)
		}
		v.required("aurapush_feedback_subscription_key", c.AurapushFeedbackSubscriptionKey, why)
		return
	}
	for k, val := range map[string]string{"aurapush_feedback_endpoint": c.AurapushFeedbackEndpoint, "aurapush_feedback_subscription_key": c.AurapushFeedbackSubscriptionKey} {
		if val != "" && v.userSet(k) {
			v.warnf(k, "is only used by environment_profile br")
		}
	}
}

func ruleNLP(v *validator) {
	c := v.cfg
	for _, name := range sortedKeys(c.NLPPackages) {
		p := joinPath("nlp_packages", name)
		if !nlpPackageRE.MatchString(name) {
			v.errf(p, "package name must be letters, digits, '_', '.' or '-', not %q", name)
		}
		if _, err := semver.StrictNewVersion(c.NLPPackages[name]); err != nil {
			v.errf(p, "must be a version X.Y.Z such as 0.10.0, not %q", c.NLPPackages[name])
		}
	}
	if _, err := semver.StrictNewVersion(c.Resolutions); err != nil {
		v.errf("resolutions", "must be a version X.Y.Z such as 0.0.0, not %q", c.Resolutions)
	}
}
