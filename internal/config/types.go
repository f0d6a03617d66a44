package config

// The types below mirror the guide's config.yml key by key. The yaml tag is
// the key; `secret:"true"` marks values that must never be printed (it drives
// SecretValues and Redacted); jsonschema tags feed schema/config.schema.json.
// Defaults live in defaults.yml, not here, so that a value's origin (default,
// profile, file) is known and can be named in errors.

// Config is the resolved configuration of one environment.
type Config struct {
	// Where the environment runs: local (a kwok control plane and a state
	// directory, the default) or azure.
	Provider string      `yaml:"provider" jsonschema:"enum=local,enum=azure,default=local"`
	Local    LocalConfig `yaml:"local"`
	// The Azure cloud of provider azure (azure.go).
	Azure AzureConfig `yaml:"azure"`
	// Where deploy_system finds its Helm charts.
	Charts ChartsConfig `yaml:"charts"`
	// The credentials of the release's image registry (registry.go).
	Registry RegistryConfig `yaml:"registry"`
	// The certificate the environment's endpoints serve (tls.go).
	TLS EndpointTLS `yaml:"tls"`
	// Where build_local pushes the extended aura-bot image (localmodules.go).
	LocalModules LocalModulesConfig `yaml:"local_modules"`

	EnvironmentType    string            `yaml:"environment_type" jsonschema:"pattern=^[a-z0-9]+$"`
	EnvironmentProfile string            `yaml:"environment_profile" jsonschema:"pattern=^[a-z0-9]+$"`
	ClusterName        string            `yaml:"cluster_name"`
	TenantName         string            `yaml:"tenant_name" jsonschema:"default=default"`
	ResourcesTags      map[string]string `yaml:"resources_tags"`
	AzureRegion        string            `yaml:"azure_region" jsonschema:"enum=westeurope,enum=northeurope,enum=brazilsouth,enum=westus,enum=westus2,enum=eastus,enum=eastus2,enum=westcentralus"`

	NotificationsEmail    string    `yaml:"notifications_email" jsonschema:"format=email"`
	NotificationsWebhooks []Webhook `yaml:"notifications_webhooks"`
	// The mail server Alertmanager sends notifications_email through; the
	// guide names none, and Alertmanager cannot email without one.
	NotificationsSMTP SMTP `yaml:"notifications_smtp"`

	FourthPlatform FourthPlatform `yaml:"fourth_platform"`
	Genesys        Genesys        `yaml:"genesys"`

	AuraEncryptionAlgorithm  string `yaml:"aura_encryption_algorithm" jsonschema:"enum=aes-256-cbc,enum=aes-192-cbc,enum=aes-128-cbc"`
	AuraEncryptionKey        string `yaml:"aura_encryption_key" secret:"true"`
	AuraEncryptionIVPosition int    `yaml:"aura_encryption_iv_position" jsonschema:"minimum=0"`
	AuraBotServicesAPIKey    string `yaml:"aura_bot_services_api_key" secret:"true"`

	BackupRetentionTime   int  `yaml:"backup_retention_time" jsonschema:"minimum=1"`
	LogRetentionTime      int  `yaml:"log_retention_time" jsonschema:"minimum=1"`
	ContextExpirationDays int  `yaml:"context_expiration_days" jsonschema:"minimum=1"`
	ForceDNSUpdate        bool `yaml:"force_dns_update"`
	NextDomainsEnabled    bool `yaml:"next_domains_enabled"`
	// The guide describes the "Next Azure Bot Channel" flag without naming
	// it; this is our name for it.
	NextBotChannelEnabled bool   `yaml:"next_bot_channel_enabled"`
	LegacyServicesDomain  string `yaml:"legacy_services_domain"`

	ContextAgents map[string]*ContextAgent `yaml:"context_agents"`

	AuraGatewayAPIAllowedOrigins  []string               `yaml:"aura_gateway_api_allowed_origins"`
	AuraManagerAllowedOrigins     []string               `yaml:"aura_manager_allowed_origins"`
	CLUAllowedRanges              []string               `yaml:"clu_allowed_ranges"`
	OpenAIAllowedRanges           []string               `yaml:"openai_allowed_ranges"`
	SSHAllowedSources             []string               `yaml:"ssh_allowed_sources"`
	KubernetesAPIAllowedSources   []string               `yaml:"kubernetes_api_allowed_sources"`
	ServiceWhitelistSourceRanges  ServiceWhitelistRanges `yaml:"service_whitelist_source_ranges"`
	BackofficeUsers               BackofficeUsers        `yaml:"backoffice_users"`
	ElasticAdminPassword          string                 `yaml:"elastic_admin_password" secret:"true"`
	ECKAzureSnapshotReadonly      bool                   `yaml:"eck_azure_snapshot_readonly"`
	ECKAzureSnapshotExpire        string                 `yaml:"eck_azure_snapshot_expire" jsonschema:"pattern=^[1-9][0-9]*(d|h|m|s)$"`
	ECKAzureSnapshotSchedule      string                 `yaml:"eck_azure_snapshot_schedule"`
	AKSSkuTier                    string                 `yaml:"aks_sku_tier" jsonschema:"enum=Paid,enum=Free"`
	AKSMultiAZ                    bool                   `yaml:"aks_multi_az"`
	Infrastructure                Infrastructure         `yaml:"infrastructure"`
	Elasticsearch                 Storage                `yaml:"elasticsearch"`
	Prometheus                    Storage                `yaml:"prometheus"`
	ExternalForwarding            *ExternalForwarding    `yaml:"external_forwarding"`
	Nginx                         Nginx                  `yaml:"nginx"`
	NginxPlusEnabled              bool                   `yaml:"nginx_plus_enabled"`
	NginxPlusDosEnabled           bool                   `yaml:"nginx_plus_dos_enabled"`
	NginxPlus                     NginxPlus              `yaml:"nginx_plus"`
	PrometheusESExporterEnabled   bool                   `yaml:"prometheus_es_exporter_enabled"`
	EnableEncryptionInTransit     bool                   `yaml:"enable_encryption_in_transit"`
	EnableCustomerKeyEncryption   bool                   `yaml:"enable_customer_key_encryption"`
	EnableCustomerKeyAtlasEncrypt bool                   `yaml:"enable_customer_key_atlas_encryption"`

	// Component flags ("Enable or disable components").
	NLPaaSEnabled          bool `yaml:"nlpaas_enabled"`
	GenerativeEnabled      bool `yaml:"generative_enabled"`
	AtriaRAGEnabled        bool `yaml:"atria_rag_enabled"`
	OpenAIEnabled          bool `yaml:"openai_enabled"`
	AuraGatewayAPIEnabled  bool `yaml:"aura_gateway_api_enabled"`
	AuraManagerEnabled     bool `yaml:"aura_manager_enabled"`
	AtriaModelGWEnabled    bool `yaml:"atria_model_gw_enabled"`
	WhatsappEnabled        bool `yaml:"whatsapp_enabled"`
	AsyncCallbackEnabled   bool `yaml:"async_callback_enabled"`
	GenesysEnabled         bool `yaml:"genesys_enabled"`
	RCSEnabled             bool `yaml:"rcs_enabled"`
	Context4PSyncEnabled   bool `yaml:"context_4p_sync_enabled"`
	ComplexLogicEnabled    bool `yaml:"complex_logic_enabled"`
	AtlasEnabled           bool `yaml:"atlas_enabled"`
	AuraOperatorEnabled    bool `yaml:"aura_operator_enabled"`
	ActiveListeningEnabled bool `yaml:"active_listening_enabled"`

	ActiveListeningEncryptionKey string `yaml:"active_listening_encryption_key" secret:"true"`

	// aura-operator's access to the package bucket (operator.go).
	AuraOperatorS3 AuraOperatorS3 `yaml:"aura_operator_s3"`

	// Databricks and its Confidential Computing settings.
	DatabricksEnabled                      bool       `yaml:"databricks_enabled"`
	Databricks                             Databricks `yaml:"databricks"`
	EnableCustomerKeyDatabricksEncryption  bool       `yaml:"enable_customer_key_databricks_encryption"`
	DatabricksEnhancedSecurityCompliance   bool       `yaml:"databricks_enhanced_security_compliance"`
	DatabricksRequireInfrastructureEncrypt bool       `yaml:"databricks_requireInfrastructureEncryption"`

	// Brazil: aurapush-sendfeedback-service.
	AurapushFeedbackEndpoint        string `yaml:"aurapush_feedback_endpoint"`
	AurapushFeedbackSubscriptionKey string `yaml:"aurapush_feedback_subscription_key" secret:"true"`

	// MongoDB Atlas.
	AtlasOrgID                        string             `yaml:"atlas_orgId"`
	AtlasPublicAPIKey                 string             `yaml:"atlas_public_apikey"`
	AtlasPrivateAPIKey                string             `yaml:"atlas_private_apikey" secret:"true"`
	AtlasProjectName                  string             `yaml:"atlas_project_name"`
	AtlasClusterName                  string             `yaml:"atlas_cluster_name"`
	AtlasMongoMajorVersion            string             `yaml:"atlas_mongo_major_version" jsonschema:"pattern=^[0-9]+\\.[0-9]+$"`
	AtlasMaintenanceWindows           *MaintenanceWindow `yaml:"atlas_maintenance_windows"`
	AtlasTerminationProtectionEnabled bool               `yaml:"atlas_termination_protection_enabled"`
	AtlasClusterType                  string             `yaml:"atlas_cluster_type" jsonschema:"enum=REPLICASET,enum=SHARDED"`
	AtlasNumShards                    int                `yaml:"atlas_num_shards" jsonschema:"minimum=1"`
	AtlasInstanceSize                 string             `yaml:"atlas_instance_size"`
	AtlasNetworkAllowed               []string           `yaml:"atlas_network_allowed"`
	AtlasAutoscalingCompute           bool               `yaml:"atlas_autoscaling_compute"`
	AtlasScaledownCompute             bool               `yaml:"atlas_scaledown_compute"`
	AtlasMaxInstanceSize              string             `yaml:"atlas_max_instance_size"`
	AtlasMinInstanceSize              string             `yaml:"atlas_min_instance_size"`
	AtlasAutoscalingDisk              bool               `yaml:"atlas_autoscaling_disk"`
	AtlasDiskSize                     int                `yaml:"atlas_disk_size" jsonschema:"minimum=8"`
	AtlasBackupEnabled                bool               `yaml:"atlas_backup_enabled"`
	AtlasPrometheusPassword           string             `yaml:"atlas_prometheus_password" secret:"true"`

	// NLP trainings ("Local NLP deployment") and ResolutionResources.
	NLPPackages map[string]string `yaml:"nlp_packages"`
	// Resolutions is the ResolutionResources version user-helper starts with.
	Resolutions string `yaml:"resolutions"`

	// Warnings are non-fatal findings; commands print them.
	Warnings []string `yaml:"-" json:"-"`
	// Derived holds the values computed from the keys (names.go).
	Derived Derived `yaml:"-" json:"-"`

	origins origins  // key path → where its value came from
	vaulted []string // values that came out of a vault
	cfgFile string
}

// LocalConfig configures provider local.
type LocalConfig struct {
	// An existing cluster to use instead of creating a local one.
	Kubeconfig string `yaml:"kubeconfig"`
	// Where the local provider keeps resource groups, storage and DNS.
	StateDir string `yaml:"state_dir"`
	// The Azure Blob endpoint (Azurite) workloads in the cluster reach the
	// storage accounts at; the provider itself keeps blobs as files.
	BlobEndpoint string `yaml:"blob_endpoint"`
}

// ChartsConfig says where deploy_system gets the Helm charts the release
// manifest names.
type ChartsConfig struct {
	// "repositories" (the real chart repositories), a directory holding
	// <chart>/ or <chart>-<version>.tgz, or an OCI registry path
	// oci://host[:port]/path. Empty: the provider's default, the
	// repositories on azure and the stand-in charts built into aura on local
	// (offline; see deploy/charts/local/README.md).
	Source string `yaml:"source"`
	// Talk to the OCI registry without TLS (a registry on this machine).
	PlainHTTP bool `yaml:"plain_http"`
}

// SMTP is the mail server of the alert emails.
type SMTP struct {
	Smarthost  string `yaml:"smarthost"` // host:port
	From       string `yaml:"from" jsonschema:"format=email"`
	Username   string `yaml:"username"`
	Password   string `yaml:"password" secret:"true"`
	RequireTLS bool   `yaml:"require_tls"`
}

// Webhook is one entry of notifications_webhooks.
type Webhook struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url" jsonschema:"format=uri" secret:"true"` // carries the receiver's token
	Severity string `yaml:"severity" jsonschema:"enum=warning,enum=critical,enum=info"`
}

// FourthPlatform is the Telefónica Kernel configuration.
type FourthPlatform struct {
	ClientID             string        `yaml:"client_id"`
	ClientSecret         string        `yaml:"client_secret" secret:"true"`
	ClientIDContext      string        `yaml:"client_id_context"`
	ClientSecretContext  string        `yaml:"client_secret_context" secret:"true"`
	APIGWURL             string        `yaml:"apigw_url"`
	APIGWURLContext      string        `yaml:"apigw_url_context"`
	AuthserverURL        string        `yaml:"authserver_url"`
	SynchronizerSDKRepos string        `yaml:"synchronizer_sdk_repos"`
	Conversations        Conversations `yaml:"conversations"`
}

// Conversations is where Kernel stores Aura conversations.
type Conversations struct {
	DaysToFind int    `yaml:"days_to_find" jsonschema:"minimum=1"`
	Platform   string `yaml:"platform" jsonschema:"enum=,enum=azure,enum=aws"`
	Bucket     string `yaml:"bucket"`
	AccessKey  string `yaml:"access_key"`
	SecretKey  string `yaml:"secret_key" secret:"true"`
}

// Genesys is the Genesys chat integration.
type Genesys struct {
	APIURL       string `yaml:"api_url"`
	PushProvider string `yaml:"push_provider"`
	User         string `yaml:"user"`
	Secret       string `yaml:"secret" secret:"true"`
}

// ContextAgent is one entry of context_agents; the three external account
// fields go together.
type ContextAgent struct {
	AzureAccount   string `yaml:"azure_account"`
	AzureSASToken  string `yaml:"azure_sas_token" secret:"true"`
	AzureContainer string `yaml:"azure_container"`
}

// ServiceWhitelistRanges lists the CIDRs allowed to each management page.
type ServiceWhitelistRanges struct {
	Dashboard []string `yaml:"dashboard"`
	Metrics   []string `yaml:"metrics"`
	Logs      []string `yaml:"logs"`
	RawLogs   []string `yaml:"raw_logs"`
	Alerts    []string `yaml:"alerts"`
}

// BackofficeUsers are the users of each management page.
type BackofficeUsers struct {
	Dashboards  []User     `yaml:"dashboards"`
	Logs        []LogsUser `yaml:"logs"`
	Metrics     []User     `yaml:"metrics"`
	Alerts      []User     `yaml:"alerts"`
	AuraManager []User     `yaml:"aura_manager"`
}

// User is a backoffice user.
type User struct {
	Name     string `yaml:"name"`
	Password string `yaml:"password" secret:"true"`
}

// LogsUser is a Kibana user; the guide shows both the older role string and
// the newer roles list.
type LogsUser struct {
	Name     string   `yaml:"name"`
	Password string   `yaml:"password" secret:"true"`
	Role     string   `yaml:"role"`
	Roles    []string `yaml:"roles"`
}

// Infrastructure holds the AKS node pools.
type Infrastructure struct {
	Compute Compute `yaml:"compute"`
}

// Compute holds the agent pools by name.
type Compute struct {
	AgentPools map[string]*AgentPool `yaml:"agentpools"`
}

// AgentPool is one AKS node pool.
type AgentPool struct {
	Mode    string `yaml:"mode" jsonschema:"enum=System,enum=User"`
	MinSize int    `yaml:"min_size" jsonschema:"minimum=0"`
	MaxSize int    `yaml:"max_size" jsonschema:"minimum=1"`
	Type    string `yaml:"type"`
}

// Storage is a disk size for Elasticsearch or Prometheus.
type Storage struct {
	StorageSizeGB int `yaml:"storage_size_gb" jsonschema:"minimum=1"`
}

// ExternalForwarding sends fluent-bit logs to remote servers.
type ExternalForwarding struct {
	SecretSharedKey string         `yaml:"secret_shared_key" secret:"true"`
	TLSConfig       TLSConfig      `yaml:"tls_config"`
	RemoteServers   []RemoteServer `yaml:"remote_servers"`
}

// TLSConfig of external forwarding.
type TLSConfig struct {
	TLSEnabled bool `yaml:"tls_enabled"`
}

// RemoteServer is a fluent-bit forward destination.
type RemoteServer struct {
	Hostname string `yaml:"hostname"`
	Port     int    `yaml:"port" jsonschema:"minimum=1,maximum=65535"`
}

// Nginx holds the NGINX SSL settings.
type Nginx struct {
	SSLProtocols           string `yaml:"ssl_protocols"`
	SSLCiphers             string `yaml:"ssl_ciphers"`
	SSLPreferServerCiphers string `yaml:"ssl_prefer_server_ciphers" jsonschema:"enum=True,enum=False"`
}

// NginxPlus holds the WAF security log settings.
type NginxPlus struct {
	LogConf string `yaml:"log_conf"`
	LogDest string `yaml:"log_dest"`
}

// Databricks configures the Databricks workspace, cluster and job.
type Databricks struct {
	Cluster DatabricksCluster `yaml:"cluster"`
	Job     DatabricksJob     `yaml:"job"`
	Params  DatabricksParams  `yaml:"params"`
}

// DatabricksCluster is the job cluster.
type DatabricksCluster struct {
	NodeTypeID string `yaml:"node_type_id"`
}

// DatabricksJob is the scheduled job (Quartz cron).
type DatabricksJob struct {
	Schedule string `yaml:"schedule"`
}

// DatabricksParams are the enhanced security compliance parameters.
type DatabricksParams struct {
	ComplianceStandards []string `yaml:"complianceStandards"`
}

// MaintenanceWindow is the Atlas maintenance window.
type MaintenanceWindow struct {
	DayOfWeek int `yaml:"day_of_week" jsonschema:"minimum=1,maximum=7"`
	HourOfDay int `yaml:"hour_of_day" jsonschema:"minimum=0,maximum=23"`
}
