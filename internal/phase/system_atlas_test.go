package phase

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/localcluster"
	"github.com/auracognitive/aurak8s/internal/testtool"
)

// Values deploy_system adds to the template context; fake but distinctive,
// so a leak into a non-Secret object is found by a plain substring search.
const (
	testStorageKey    = "c3RvcmFnZS1rZXktZm9yLXRlc3Rz" + "=="
	testAtlasAdminPw  = "atlas-admin-pw-7f3e"
	testRedisPw       = "redis-pw-19ab"
	testGrafanaSecret = "grafana-secret-key-2c4d"
)

var testOutboundIPs = []string{"20.50.1.2", "20.50.1.3"}

// atlasTestContext is the template context of deploy_system with the keys
// the phase learns from the provider and the cluster, faked.
func atlasTestContext(e *Env) map[string]any {
	return fakeSystemContext(e, testStorageKey, testOutboundIPs, testAtlasAdminPw, testRedisPw, testGrafanaSecret)
}

// atlasRender renders the pre-Helm (system) and post-Helm (system/stack)
// templates for the example configuration plus extra.
func atlasRender(t *testing.T, extra string) (e *Env, system, stack []*unstructured.Unstructured) {
	t.Helper()
	e = testEnv(t, extra)
	e.Templates = k8s.FS()
	ctx := atlasTestContext(e)
	var err error
	if system, err = e.renderer().Dir("system", ctx); err != nil {
		t.Fatal(err)
	}
	if stack, err = e.renderer().Dir("system/stack", ctx); err != nil {
		t.Fatal(err)
	}
	return e, system, stack
}

// The parts of the Atlas operator's v1 API (chart atlas-operator 2.x,
// mongodb/mongodb-atlas-kubernetes api/v1) that we render. Decoding with
// DisallowUnknownFields makes a misspelt or misplaced field fail the test,
// as the CRD's structural schema would prune it silently in a cluster.
type (
	atlasRef struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	}
	atlasMeta struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	}
	atlasProject struct {
		APIVersion string    `json:"apiVersion"`
		Kind       string    `json:"kind"`
		Metadata   atlasMeta `json:"metadata"`
		Spec       struct {
			Name                string    `json:"name"`
			ConnectionSecretRef *atlasRef `json:"connectionSecretRef"`
			ProjectIPAccessList []struct {
				CIDRBlock string `json:"cidrBlock,omitempty"`
				IPAddress string `json:"ipAddress,omitempty"`
				Comment   string `json:"comment,omitempty"`
			} `json:"projectIpAccessList"`
			MaintenanceWindow *struct {
				DayOfWeek *int `json:"dayOfWeek"`
				HourOfDay *int `json:"hourOfDay"`
			} `json:"maintenanceWindow"`
			Integrations []struct {
				Type             string    `json:"type"`
				Enabled          bool      `json:"enabled"`
				UserName         string    `json:"username"`
				PasswordRef      *atlasRef `json:"passwordRef"`
				ServiceDiscovery string    `json:"serviceDiscovery"`
			} `json:"integrations"`
		} `json:"spec"`
	}
	atlasSpecs struct {
		InstanceSize string `json:"instanceSize"`
		NodeCount    *int   `json:"nodeCount"`
	}
	atlasDeployment struct {
		APIVersion string    `json:"apiVersion"`
		Kind       string    `json:"kind"`
		Metadata   atlasMeta `json:"metadata"`
		Spec       struct {
			ProjectRef     *atlasRef `json:"projectRef"`
			DeploymentSpec *struct {
				Name                         string `json:"name"`
				ClusterType                  string `json:"clusterType"`
				MongoDBMajorVersion          string `json:"mongoDBMajorVersion"`
				TerminationProtectionEnabled *bool  `json:"terminationProtectionEnabled"`
				BackupEnabled                *bool  `json:"backupEnabled"`
				DiskSizeGB                   *int   `json:"diskSizeGB"`
				ReplicationSpecs             []struct {
					NumShards     int    `json:"numShards"`
					ZoneName      string `json:"zoneName"`
					RegionConfigs []struct {
						ProviderName   string      `json:"providerName"`
						RegionName     string      `json:"regionName"`
						Priority       *int        `json:"priority"`
						ElectableSpecs *atlasSpecs `json:"electableSpecs"`
						AutoScaling    *struct {
							DiskGB *struct {
								Enabled *bool `json:"enabled"`
							} `json:"diskGB"`
							Compute *struct {
								Enabled          *bool  `json:"enabled"`
								ScaleDownEnabled *bool  `json:"scaleDownEnabled"`
								MinInstanceSize  string `json:"minInstanceSize"`
								MaxInstanceSize  string `json:"maxInstanceSize"`
							} `json:"compute"`
						} `json:"autoScaling"`
					} `json:"regionConfigs"`
				} `json:"replicationSpecs"`
			} `json:"deploymentSpec"`
		} `json:"spec"`
	}
	atlasDatabaseUser struct {
		APIVersion string    `json:"apiVersion"`
		Kind       string    `json:"kind"`
		Metadata   atlasMeta `json:"metadata"`
		Spec       struct {
			ProjectRef        *atlasRef `json:"projectRef"`
			Username          string    `json:"username"`
			DatabaseName      string    `json:"databaseName"`
			PasswordSecretRef *atlasRef `json:"passwordSecretRef"`
			Roles             []struct {
				RoleName     string `json:"roleName"`
				DatabaseName string `json:"databaseName"`
			} `json:"roles"`
			Scopes []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"scopes"`
		} `json:"spec"`
	}
)

// atlasObject decodes the only object of that kind strictly.
func atlasObject[T any](t *testing.T, objs []*unstructured.Unstructured, kind string) *T {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s objects rendered, want 1", len(found), kind)
	}
	o := found[0]
	if o.GetAPIVersion() != "atlas.mongodb.com/v1" {
		t.Errorf("%s apiVersion %q, want atlas.mongodb.com/v1", kind, o.GetAPIVersion())
	}
	js, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	out := new(T)
	if err := dec.Decode(out); err != nil {
		t.Fatalf("%s %s: %v", kind, o.GetName(), err)
	}
	return out
}

// Port of the Atlas operator's kube.NormalizeIdentifier and the connection
// Secret name (v2.5.0 internal/kube/kube.go, pkg/controller/connectionsecret
// formatSecretName), to check backups.yaml against the objects we render.
var (
	invalidStartEnd     = regexp.MustCompile(`(^[^a-z0-9]+)|([^a-z0-9]+$)`)
	nonIdentifierRegexp = regexp.MustCompile(`[^a-z0-9.]+`)
)

func atlasNormalizeIdentifier(name string) string {
	if len(validation.IsDNS1123Subdomain(name)) == 0 {
		return name
	}
	if len(name) >= 253 {
		name = name[:253]
	}
	name = strings.ToLower(name)
	name = invalidStartEnd.ReplaceAllString(name, "")
	return nonIdentifierRegexp.ReplaceAllString(name, "-")
}

func atlasConnectionSecretName(project, deployment, user string) string {
	return atlasNormalizeIdentifier(atlasNormalizeIdentifier(project) + "-" +
		atlasNormalizeIdentifier(deployment) + "-" + atlasNormalizeIdentifier(user))
}

// atlasConnectionSecret is the name of the operator's connection Secret for
// the rendered project, deployment and database user of the example config.
func atlasConnectionSecret(t *testing.T, extra string) string {
	t.Helper()
	_, _, stack := atlasRender(t, extra)
	p := atlasObject[atlasProject](t, stack, "AtlasProject")
	d := atlasObject[atlasDeployment](t, stack, "AtlasDeployment")
	u := atlasObject[atlasDatabaseUser](t, stack, "AtlasDatabaseUser")
	return atlasConnectionSecretName(p.Spec.Name, d.Spec.DeploymentSpec.Name, u.Spec.Username)
}

func TestAtlasNormalizeIdentifierPort(t *testing.T) {
	for in, want := range map[string]string{
		"aura-project-ap-dev":       "aura-project-ap-dev",
		"Aura Project_DEV":          "aura-project-dev",
		"--My__Cluster!!":           "my-cluster",
		"a--b":                      "a--b", // valid: left alone
		"aura-project-x-dev80-user": "aura-project-x-dev80-user",
	} {
		if got := atlasNormalizeIdentifier(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAtlasExampleConfig(t *testing.T) {
	e, system, stack := atlasRender(t, "")
	ns := e.Cfg.Derived.SystemNamespace
	env := e.Cfg.Derived.EnvironmentName

	api := typed[corev1.Secret](t, find(system, "Secret", ns, "atlas-operator-api-key"))
	if api.Labels["atlas.mongodb.com/type"] != "credentials" {
		t.Errorf("api key Secret labels %v: the operator would not watch it", api.Labels)
	}
	if got := api.StringData; got["orgId"] != e.Cfg.AtlasOrgID || got["publicApiKey"] != e.Cfg.AtlasPublicAPIKey || got["privateApiKey"] != e.Cfg.AtlasPrivateAPIKey {
		t.Errorf("api key Secret keys %v do not hold atlas_orgId/atlas_public_apikey/atlas_private_apikey", slices.Sorted(maps.Keys(got)))
	}
	pw := typed[corev1.Secret](t, find(system, "Secret", ns, "mongodb-adminuser-password"))
	if pw.StringData["password"] != testAtlasAdminPw || pw.Labels["atlas.mongodb.com/type"] != "credentials" {
		t.Errorf("mongodb-adminuser-password: password from atlas_admin_password %v, labels %v", pw.StringData["password"] == testAtlasAdminPw, pw.Labels)
	}
	if find(system, "Secret", ns, "atlas-prometheus-password") != nil {
		t.Error("Prometheus integration Secret rendered without atlas_prometheus_password")
	}

	p := atlasObject[atlasProject](t, stack, "AtlasProject")
	if p.Metadata.Name != "aura-project" || p.Metadata.Namespace != ns {
		t.Errorf("AtlasProject %s/%s, want %s/aura-project", p.Metadata.Namespace, p.Metadata.Name, ns)
	}
	if p.Spec.Name != e.Cfg.AtlasProjectName || p.Spec.Name != "aura-project-"+env {
		t.Errorf("project name %q, want atlas_project_name %q", p.Spec.Name, e.Cfg.AtlasProjectName)
	}
	if r := p.Spec.ConnectionSecretRef; r == nil || r.Name != "atlas-operator-api-key" || r.Namespace != ns {
		t.Errorf("connectionSecretRef %+v", r)
	}
	var cidrs []string
	for _, a := range p.Spec.ProjectIPAccessList {
		cidrs = append(cidrs, a.CIDRBlock+a.IPAddress)
		if a.Comment == "" {
			t.Errorf("access list entry %+v has no comment", a)
		}
	}
	if want := []string{"20.50.1.2/32", "20.50.1.3/32"}; !slices.Equal(cidrs, want) {
		t.Errorf("access list %v, want the cluster's outbound IPs as /32 %v", cidrs, want)
	}
	if p.Spec.MaintenanceWindow != nil {
		t.Errorf("maintenance window %+v without atlas_maintenance_windows", p.Spec.MaintenanceWindow)
	}
	if len(p.Spec.Integrations) != 0 {
		t.Errorf("integrations %+v without atlas_prometheus_password", p.Spec.Integrations)
	}

	d := atlasObject[atlasDeployment](t, stack, "AtlasDeployment")
	if d.Metadata.Name != e.Cfg.AtlasClusterName || d.Metadata.Namespace != ns {
		t.Errorf("AtlasDeployment %s/%s, want %s/%s (the guide's migration reads it by atlas_cluster_name)", d.Metadata.Namespace, d.Metadata.Name, ns, e.Cfg.AtlasClusterName)
	}
	if r := d.Spec.ProjectRef; r == nil || r.Name != "aura-project" || r.Namespace != ns {
		t.Errorf("projectRef %+v", r)
	}
	ds := d.Spec.DeploymentSpec
	if ds == nil {
		t.Fatal("no deploymentSpec")
	}
	if ds.Name != e.Cfg.AtlasClusterName || ds.ClusterType != "REPLICASET" || ds.MongoDBMajorVersion != "8.0" {
		t.Errorf("deploymentSpec name %q type %q version %q", ds.Name, ds.ClusterType, ds.MongoDBMajorVersion)
	}
	if ds.TerminationProtectionEnabled == nil || !*ds.TerminationProtectionEnabled || ds.BackupEnabled == nil || !*ds.BackupEnabled {
		t.Errorf("terminationProtectionEnabled %v backupEnabled %v, want both true", ds.TerminationProtectionEnabled, ds.BackupEnabled)
	}
	if ds.DiskSizeGB != nil {
		t.Errorf("diskSizeGB %d set although disk autoscaling is on", *ds.DiskSizeGB)
	}
	if len(ds.ReplicationSpecs) != 1 || len(ds.ReplicationSpecs[0].RegionConfigs) != 1 {
		t.Fatalf("replicationSpecs %+v, want one spec with one region", ds.ReplicationSpecs)
	}
	rs := ds.ReplicationSpecs[0]
	if rs.NumShards != 1 {
		t.Errorf("numShards %d, want 1 for a replica set", rs.NumShards)
	}
	rc := rs.RegionConfigs[0]
	if rc.ProviderName != "AZURE" || rc.RegionName != "EUROPE_WEST" || rc.Priority == nil || *rc.Priority != 7 {
		t.Errorf("region config provider %q region %q priority %v, want AZURE EUROPE_WEST 7", rc.ProviderName, rc.RegionName, rc.Priority)
	}
	if s := rc.ElectableSpecs; s == nil || s.InstanceSize != "M30" || s.NodeCount == nil || *s.NodeCount != 3 {
		t.Errorf("electableSpecs %+v, want M30 x 3", s)
	}

	u := atlasObject[atlasDatabaseUser](t, stack, "AtlasDatabaseUser")
	if u.Metadata.Name != "mongodb-adminuser-password" || u.Metadata.Namespace != ns {
		t.Errorf("AtlasDatabaseUser %s/%s: the guide reads atlasdatabaseusers mongodb-adminuser-password", u.Metadata.Namespace, u.Metadata.Name)
	}
	if u.Spec.Username != "aura-admin-"+env || u.Spec.DatabaseName != "admin" {
		t.Errorf("username %q database %q", u.Spec.Username, u.Spec.DatabaseName)
	}
	if r := u.Spec.PasswordSecretRef; r == nil || r.Name != "mongodb-adminuser-password" {
		t.Errorf("passwordSecretRef %+v", r)
	}
	if r := u.Spec.ProjectRef; r == nil || r.Name != "aura-project" || r.Namespace != ns {
		t.Errorf("projectRef %+v", r)
	}
	var roles []string
	for _, r := range u.Spec.Roles {
		roles = append(roles, r.RoleName+"@"+r.DatabaseName)
	}
	if want := []string{"readWriteAnyDatabase@admin", "clusterMonitor@admin"}; !slices.Equal(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
	if len(u.Spec.Scopes) != 1 || u.Spec.Scopes[0].Name != e.Cfg.AtlasClusterName || u.Spec.Scopes[0].Type != "CLUSTER" {
		t.Errorf("scopes %+v, want the deployment only", u.Spec.Scopes)
	}

	for _, o := range stack {
		if strings.HasPrefix(o.GetAPIVersion(), "atlas.mongodb.com/") && o.GetAnnotations()["mongodb.com/atlas-resource-policy"] != "keep" {
			t.Errorf("%s %s lacks mongodb.com/atlas-resource-policy: keep: deleting it would delete the Atlas resource", o.GetKind(), o.GetName())
		}
	}
}

func TestAtlasShardedWindowNetworkPrometheus(t *testing.T) {
	e, system, stack := atlasRender(t, `
azure_region: northeurope
atlas_cluster_type: SHARDED
atlas_num_shards: 3
atlas_maintenance_windows:
  day_of_week: 2
  hour_of_day: 13
atlas_network_allowed:
  - "10.20.0.0/16"
  - "192.0.2.7"
atlas_prometheus_password: "prom-pw-5e6f"
`)
	ns := e.Cfg.Derived.SystemNamespace
	prom := typed[corev1.Secret](t, find(system, "Secret", ns, "atlas-prometheus-password"))
	if prom.StringData["password"] != "prom-pw-5e6f" || prom.Labels["atlas.mongodb.com/type"] != "credentials" {
		t.Errorf("Prometheus password Secret: right password %v, labels %v", prom.StringData["password"] == "prom-pw-5e6f", prom.Labels)
	}

	p := atlasObject[atlasProject](t, stack, "AtlasProject")
	type entry struct{ cidr, ip string }
	var got []entry
	for _, a := range p.Spec.ProjectIPAccessList {
		got = append(got, entry{a.CIDRBlock, a.IPAddress})
	}
	want := []entry{{"20.50.1.2/32", ""}, {"20.50.1.3/32", ""}, {"10.20.0.0/16", ""}, {"", "192.0.2.7"}}
	if !slices.Equal(got, want) {
		t.Errorf("access list %v, want %v (outbound IPs, then atlas_network_allowed: CIDR as cidrBlock, IP as ipAddress)", got, want)
	}
	w := p.Spec.MaintenanceWindow
	if w == nil || w.DayOfWeek == nil || *w.DayOfWeek != 2 || w.HourOfDay == nil || *w.HourOfDay != 13 {
		t.Errorf("maintenanceWindow %+v, want day 2 hour 13", w)
	}
	if len(p.Spec.Integrations) != 1 {
		t.Fatalf("integrations %+v, want the Prometheus one", p.Spec.Integrations)
	}
	in := p.Spec.Integrations[0]
	if in.Type != "PROMETHEUS" || !in.Enabled || in.UserName != "atlasprometheus" || in.ServiceDiscovery == "" ||
		in.PasswordRef == nil || in.PasswordRef.Name != "atlas-prometheus-password" || in.PasswordRef.Namespace != ns {
		t.Errorf("Prometheus integration %+v", in)
	}

	d := atlasObject[atlasDeployment](t, stack, "AtlasDeployment")
	ds := d.Spec.DeploymentSpec
	if ds.ClusterType != "SHARDED" || ds.ReplicationSpecs[0].NumShards != 3 {
		t.Errorf("clusterType %q numShards %d, want SHARDED 3", ds.ClusterType, ds.ReplicationSpecs[0].NumShards)
	}
	if r := ds.ReplicationSpecs[0].RegionConfigs[0].RegionName; r != "EUROPE_NORTH" {
		t.Errorf("region %q, want EUROPE_NORTH for northeurope", r)
	}
}

func TestAtlasRegionMapping(t *testing.T) {
	for azure, atlas := range map[string]string{
		"westeurope": "EUROPE_WEST", "northeurope": "EUROPE_NORTH", "brazilsouth": "BRAZIL_SOUTH",
		"westus": "US_WEST", "westus2": "US_WEST_2", "eastus": "US_EAST", "eastus2": "US_EAST_2",
		"westcentralus": "US_WEST_CENTRAL",
	} {
		t.Run(azure, func(t *testing.T) {
			e := testEnv(t, "")
			e.Templates = k8s.FS()
			ctx := atlasTestContext(e)
			ctx["azure_region"] = azure
			stack, err := e.renderer().Dir("system/stack", ctx)
			if err != nil {
				t.Fatal(err)
			}
			d := atlasObject[atlasDeployment](t, stack, "AtlasDeployment")
			if got := d.Spec.DeploymentSpec.ReplicationSpecs[0].RegionConfigs[0].RegionName; got != atlas {
				t.Errorf("Atlas region %q, want %q", got, atlas)
			}
		})
	}
	t.Run("unknown region fails naming azure_region", func(t *testing.T) {
		e := testEnv(t, "")
		e.Templates = k8s.FS()
		ctx := atlasTestContext(e)
		ctx["azure_region"] = "japaneast"
		_, err := e.renderer().Dir("system/stack", ctx)
		if err == nil || !strings.Contains(err.Error(), "azure_region") || !strings.Contains(err.Error(), "atlas.yaml") {
			t.Fatalf("err = %v, want an error naming azure_region and the template", err)
		}
	})
}

func TestAtlasAutoscaling(t *testing.T) {
	for _, tc := range []struct {
		name, extra         string
		disk, compute, down bool
		diskSize            int // 0: diskSizeGB absent
		minSize, maxSize    string
	}{
		{"example: disk on, compute off", "", true, false, false, 0, "", ""},
		{"disk off sets the size", "atlas_autoscaling_disk: false\natlas_disk_size: 256\n", false, false, false, 256, "", ""},
		{"compute up only", "atlas_autoscaling_compute: true\n", true, true, false, 0, "", "M40"},
		{"compute up and down, disk off", "atlas_autoscaling_compute: true\natlas_scaledown_compute: true\natlas_autoscaling_disk: false\natlas_disk_size: 1024\n", false, true, true, 1024, "M30", "M40"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, stack := atlasRender(t, tc.extra)
			ds := atlasObject[atlasDeployment](t, stack, "AtlasDeployment").Spec.DeploymentSpec
			switch {
			case tc.diskSize == 0 && ds.DiskSizeGB != nil:
				t.Errorf("diskSizeGB %d with disk autoscaling on", *ds.DiskSizeGB)
			case tc.diskSize != 0 && (ds.DiskSizeGB == nil || *ds.DiskSizeGB != tc.diskSize):
				t.Errorf("diskSizeGB %v, want atlas_disk_size %d", ds.DiskSizeGB, tc.diskSize)
			}
			as := ds.ReplicationSpecs[0].RegionConfigs[0].AutoScaling
			if as == nil || as.DiskGB == nil || as.DiskGB.Enabled == nil || as.Compute == nil || as.Compute.Enabled == nil {
				t.Fatalf("autoScaling %+v: diskGB.enabled and compute.enabled must be explicit", as)
			}
			if *as.DiskGB.Enabled != tc.disk || *as.Compute.Enabled != tc.compute {
				t.Errorf("diskGB.enabled %v compute.enabled %v, want %v %v", *as.DiskGB.Enabled, *as.Compute.Enabled, tc.disk, tc.compute)
			}
			c := as.Compute
			if down := c.ScaleDownEnabled != nil && *c.ScaleDownEnabled; down != tc.down || (tc.compute && c.ScaleDownEnabled == nil) {
				t.Errorf("scaleDownEnabled %v, want %v", c.ScaleDownEnabled, tc.down)
			}
			if c.MinInstanceSize != tc.minSize || c.MaxInstanceSize != tc.maxSize {
				t.Errorf("instance sizes min %q max %q, want %q %q", c.MinInstanceSize, c.MaxInstanceSize, tc.minSize, tc.maxSize)
			}
		})
	}
}

func TestAtlasDisabled(t *testing.T) {
	e, system, stack := atlasRender(t, "atlas_enabled: false\n")
	ns := e.Cfg.Derived.SystemNamespace
	for _, o := range append(slices.Clone(system), stack...) {
		if strings.HasPrefix(o.GetAPIVersion(), "atlas.mongodb.com/") || o.GetLabels()["atlas.mongodb.com/type"] != "" {
			t.Errorf("%s %s rendered without Atlas", o.GetKind(), o.GetName())
		}
		if o.GetKind() == "CronJob" && strings.HasPrefix(o.GetName(), "mongodb") {
			t.Errorf("CronJob %s rendered without a database", o.GetName())
		}
	}
	for _, name := range []string{"redis-backup", "redis-restore"} {
		if find(system, "CronJob", ns, name) == nil {
			t.Errorf("CronJob %s missing: Redis backups do not depend on Atlas", name)
		}
	}
	if find(system, "Secret", ns, "aura-backups-storage") == nil {
		t.Error("aura-backups-storage missing: the Redis CronJobs need it")
	}
}

// TestAtlasBackupsReadConnectionSecret: the MongoDB CronJobs read the URI
// from the Secret the Atlas operator writes for our database user.
func TestAtlasBackupsReadConnectionSecret(t *testing.T) {
	e, system, _ := atlasRender(t, "")
	ns := e.Cfg.Derived.SystemNamespace
	want := atlasConnectionSecret(t, "")
	if want != e.Cfg.AtlasProjectName+"-"+e.Cfg.AtlasClusterName+"-aura-admin-"+e.Cfg.Derived.EnvironmentName {
		t.Fatalf("connection Secret name %q: the example's names should pass through unchanged", want)
	}
	for _, name := range []string{"mongodb-backup", "mongodb-restore"} {
		cj := typed[batchv1.CronJob](t, find(system, "CronJob", ns, name))
		var ref *corev1.SecretKeySelector
		for _, v := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env {
			if v.Name == "MONGODB_URI" && v.ValueFrom != nil {
				ref = v.ValueFrom.SecretKeyRef
			}
		}
		if ref == nil || ref.Name != want || ref.Key != "connectionStringStandardSrv" {
			t.Errorf("%s MONGODB_URI from %+v, want Secret %s key connectionStringStandardSrv", name, ref, want)
		}
	}
}

func TestAtlasStorageSecrets(t *testing.T) {
	e, system, _ := atlasRender(t, "")
	ns := e.Cfg.Derived.SystemNamespace
	account := e.Cfg.Derived.CommonStorageAccount
	if account == "" {
		t.Fatal("no common storage account in the example config")
	}
	b := secretData(t, system, ns, "aura-backups-storage")
	if b["account"] != account || b["key"] != testStorageKey {
		t.Errorf("aura-backups-storage account %q (want %q), key from common_storage_account_key: %v", b["account"], account, b["key"] == testStorageKey)
	}
	s := secretData(t, system, ns, "eck-azure-snapshot")
	if s["azure.client.default.account"] != account || s["azure.client.default.key"] != testStorageKey || len(s) != 2 {
		t.Errorf("eck-azure-snapshot keys %d, account %q (want %q), key right: %v", len(s), s["azure.client.default.account"], account, s["azure.client.default.key"] == testStorageKey)
	}
}

// TestAtlasSecretsOnlyInSecrets: with every Atlas option on, no secret of
// the configuration or of the phase's context appears outside a Secret, and
// every object names its namespace.
func TestAtlasSecretsOnlyInSecrets(t *testing.T) {
	e, system, stack := atlasRender(t, `
atlas_prometheus_password: "prom-pw-5e6f"
atlas_maintenance_windows: {day_of_week: 1, hour_of_day: 0}
atlas_network_allowed: ["192.0.2.0/24"]
`)
	secrets := append(e.Cfg.SecretValues(), testStorageKey, testAtlasAdminPw)
	for _, must := range []string{"prom-pw-5e6f", e.Cfg.AtlasPrivateAPIKey} {
		if !slices.Contains(secrets, must) {
			t.Fatalf("SecretValues misses %q: the check below would prove nothing", must)
		}
	}
	atlas := 0
	for _, o := range append(slices.Clone(system), stack...) {
		if o.GetKind() != "Namespace" && o.GetNamespace() == "" {
			t.Errorf("%s %s has no metadata.namespace", o.GetKind(), o.GetName())
		}
		if strings.HasPrefix(o.GetAPIVersion(), "atlas.mongodb.com/") {
			atlas++
		}
		checkNoSecret(t, o, secrets)
	}
	if atlas != 3 {
		t.Errorf("%d Atlas objects rendered, want project, deployment and user", atlas)
	}
}

// TestAtlasBackupsNormaliseLikeTheOperator: names the config rules would
// reject today still give the Secret name the operator would write, so a
// relaxed rule cannot silently break the backups.
func TestAtlasBackupsNormaliseLikeTheOperator(t *testing.T) {
	e := testEnv(t, "")
	e.Templates = k8s.FS()
	ns := e.Cfg.Derived.SystemNamespace
	for _, tc := range []struct{ project, cluster string }{
		{"Aura Project_DEV", "Dev80"},
		{"--edge--", "x__y"},
		{"a--b", "c.d"},
	} {
		t.Run(tc.project, func(t *testing.T) {
			ctx := atlasTestContext(e)
			ctx["atlas_project_name"] = tc.project
			ctx["atlas_cluster_name"] = tc.cluster
			objs, err := e.renderer().Objects("system/backups.yaml", ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := atlasConnectionSecretName(tc.project, tc.cluster, "aura-admin-"+e.Cfg.Derived.EnvironmentName)
			cj := typed[batchv1.CronJob](t, find(objs, "CronJob", ns, "mongodb-backup"))
			for _, v := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env {
				if v.Name == "MONGODB_URI" {
					if got := v.ValueFrom.SecretKeyRef.Name; got != want {
						t.Errorf("Secret %q, want %q", got, want)
					}
					return
				}
			}
			t.Error("no MONGODB_URI")
		})
	}
}

// atlasOperatorModule is the Go module of the operator the atlas-operator
// chart pinned in internal/release/release.yaml (2.5.0) runs; its CRDs
// (config/crd/bases) are the ones the chart installs.
const atlasOperatorModule = "github.com/mongodb/mongodb-atlas-kubernetes/v2@v2.5.0"

// atlasCRDFiles fetches the operator's module through the Go module proxy
// (as CI may) and returns its CRDs.
func atlasCRDFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", atlasOperatorModule)
	cmd.Dir = t.TempDir() // outside this module: go.mod stays untouched
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err == nil && mod.Error != "" {
		err = errors.New(mod.Error)
	}
	if err != nil {
		testtool.Missing(t, fmt.Sprintf("Atlas operator CRDs: go mod download %s: %v", atlasOperatorModule, err))
	}
	dir := filepath.Join(mod.Dir, "config", "crd", "bases")
	var files []string
	for _, kind := range []string{"atlasprojects", "atlasdeployments", "atlasdatabaseusers"} {
		f := filepath.Join(dir, "atlas.mongodb.com_"+kind+".yaml")
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("Atlas operator %s has no CRD %s: %v", atlasOperatorModule, kind, err)
		}
		files = append(files, f)
	}
	return files
}

// TestAtlasObjectsAcceptedByOperatorCRDs creates the rendered Atlas objects
// in a real kube-apiserver that serves the operator's own CRDs, with strict
// field validation: an unknown or misplaced field, a wrong type, a value
// outside an enum or a broken CEL rule is rejected as it would be on AKS.
func TestAtlasObjectsAcceptedByOperatorCRDs(t *testing.T) {
	crds := atlasCRDFiles(t)
	if _, err := localcluster.FindBinaries(""); err != nil {
		if localcluster.IsMissingBinaries(err) && !testtool.InCI() {
			t.Skipf("%v (CI unset, so skipping)", err)
		}
		t.Fatal(err)
	}
	cl, err := localcluster.New(localcluster.Options{Dir: t.TempDir(), ControlPlaneOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if _, err := cl.Delete(context.Background()); err != nil {
			t.Errorf("delete control plane: %v", err)
		}
	})
	if _, err := cl.Create(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := cl.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: crds, ErrorIfPathMissing: true, MaxTime: time.Minute}); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	variants := []struct{ name, extra string }{
		{"example", ""},
		{"everything", `
azure_region: brazilsouth
atlas_cluster_type: SHARDED
atlas_num_shards: 3
atlas_maintenance_windows: {day_of_week: 7, hour_of_day: 23}
atlas_network_allowed: ["10.20.0.0/16", "192.0.2.7"]
atlas_prometheus_password: "prom-pw-5e6f"
atlas_autoscaling_compute: true
atlas_scaledown_compute: true
atlas_autoscaling_disk: false
atlas_disk_size: 256
atlas_termination_protection_enabled: false
atlas_backup_enabled: false
`},
	}
	for i, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			e := testEnv(t, v.extra)
			e.Templates = k8s.FS()
			c := atlasTestContext(e)
			ns := fmt.Sprintf("atlas-%d", i)
			c["kubernetes_system_namespace"] = ns
			objs, err := e.renderer().Dir("system/stack", c)
			if err != nil {
				t.Fatal(err)
			}
			nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
			if _, err := dyn.Resource(corev1.SchemeGroupVersion.WithResource("namespaces")).Create(ctx, nsObj, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, o := range objs {
				gv, err := schema.ParseGroupVersion(o.GetAPIVersion())
				if err != nil || gv.Group != "atlas.mongodb.com" {
					continue
				}
				n++
				res := gv.WithResource(strings.ToLower(o.GetKind()) + "s")
				got, err := dyn.Resource(res).Namespace(o.GetNamespace()).Create(ctx, o, metav1.CreateOptions{FieldValidation: "Strict"})
				if err != nil {
					t.Errorf("%s %s rejected: %v", o.GetKind(), o.GetName(), err)
					continue
				}
				// Nothing we set was pruned: every rendered spec field is kept.
				want, _, _ := unstructured.NestedMap(o.Object, "spec")
				kept, _, _ := unstructured.NestedMap(got.Object, "spec")
				if missing := atlasMissingFields(want, kept, "spec"); len(missing) > 0 {
					t.Errorf("%s %s: the API server dropped %v", o.GetKind(), o.GetName(), missing)
				}
			}
			if n != 3 {
				t.Errorf("%d Atlas objects created, want 3", n)
			}
		})
	}
}

// atlasMissingFields lists the paths of want that got lacks.
func atlasMissingFields(want, got map[string]any, path string) []string {
	var out []string
	for k, w := range want {
		g, ok := got[k]
		p := path + "." + k
		switch {
		case !ok:
			out = append(out, p)
		case isMap(w) && isMap(g):
			out = append(out, atlasMissingFields(w.(map[string]any), g.(map[string]any), p)...)
		case isList(w) && isList(g):
			wl, gl := w.([]any), g.([]any)
			for i := range min(len(wl), len(gl)) {
				if isMap(wl[i]) && isMap(gl[i]) {
					out = append(out, atlasMissingFields(wl[i].(map[string]any), gl[i].(map[string]any), fmt.Sprintf("%s[%d]", p, i))...)
				}
			}
			if len(gl) < len(wl) {
				out = append(out, p+" (items)")
			}
		}
	}
	return out
}

func isMap(v any) bool  { _, ok := v.(map[string]any); return ok }
func isList(v any) bool { _, ok := v.([]any); return ok }
