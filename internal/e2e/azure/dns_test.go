package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// The DNS part of the life cycle (guide: "Next environment", "DNS switch",
// "New core namespace", "Core undeployment"), run by TestLifecycle once the
// usual core namespace is deployed. The zone also holds records aura does
// not own: another environment's, and metadata an operator put on one of
// this environment's; every step leaves them as they were, byte for byte.

// otherEnvRecord is another environment's name in the shared zone.
const otherEnvRecord = "services-es-pro"

// dnsZone is the environment's zone as the fake cloud holds it: the raw
// JSON of each record set by "name/type", without its ETag (Azure gives a
// new one on every write, so a restore cannot keep it).
func (w *world) dnsZone() map[string]string {
	w.t.Helper()
	var snap struct {
		Records map[string]map[string]json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal([]byte(w.cloud.Snapshot()), &snap); err != nil {
		w.t.Fatal(err)
	}
	prefix := strings.ToLower(w.config.Derived.CommonResourceGroup + "/" + config.DNSZone + "/")
	out := map[string]string{}
	for k, rs := range snap.Records {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		delete(rs, "etag")
		data, err := json.Marshal(rs)
		if err != nil {
			w.t.Fatal(err)
		}
		out[strings.TrimPrefix(k, prefix)] = string(data)
	}
	return out
}

// sameZoneBut: every record set outside changed is in after exactly as in
// before.
func (w *world) sameZoneBut(step string, before, after map[string]string, changed []string) {
	w.t.Helper()
	for _, m := range []map[string]string{before, after} {
		for k := range m {
			if !slices.Contains(changed, k) && before[k] != after[k] {
				w.t.Errorf("%s changed record set %s, which it does not own:\nbefore %s\nafter  %s", step, k, before[k], after[k])
			}
		}
	}
}

// expectWrites: the command's ARM writes are exactly want, record set
// writes written "PUT name/type" (or DELETE), any other write as the fake
// logged it.
func (w *world) expectWrites(r result, want []string) {
	w.t.Helper()
	var got []string
	for _, wr := range r.writes {
		method, path, _ := strings.Cut(wr, " ")
		_, rest, ok := strings.Cut(strings.ToLower(path), "/dnszones/"+config.DNSZone+"/")
		if parts := strings.Split(rest, "/"); ok && len(parts) == 2 {
			wr = method + " " + parts[1] + "/" + parts[0]
		}
		got = append(got, wr)
	}
	sort.Strings(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		w.t.Errorf("aura %s: ARM writes\n%s\nwant\n%s", strings.Join(r.args, " "), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// hosts are the service hosts (services, gateway, …) of the enabled
// components: one name each in the zone.
func (w *world) hosts() []string {
	w.t.Helper()
	var out []string
	for _, c := range w.release().Components {
		if c.Ingress != nil && w.config.Derived.Components[c.Name] && !slices.Contains(out, c.Ingress.Host) {
			out = append(out, c.Ingress.Host)
		}
	}
	if len(out) == 0 {
		w.t.Fatal("no enabled component has a public name")
	}
	return out
}

// names are the record set keys ("name/cname") of the environment's names,
// or of their -next twins.
func (w *world) names(next bool) []string {
	var out []string
	for _, h := range w.hosts() {
		n := w.config.DNSName(h)
		if next {
			n = w.config.NextDNSName(h)
		}
		out = append(out, strings.TrimSuffix(n, "."+config.DNSZone)+"/cname")
	}
	return out
}

// releaseAccountPath is the ARM path of the release namespace's own
// storage account: deploy_core --ns makes it, delete_core --ns removes it.
func (w *world) releaseAccountPath() string {
	return "/subscriptions/" + fakecloud.Subscription + "/resourceGroups/" + w.config.Derived.ClusterResourceGroup +
		"/providers/Microsoft.Storage/storageAccounts/" + w.config.ReleaseStorageAccount(w.releaseNS())
}

func prefixed(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + k
	}
	return out
}

// target is the ingress name a deployment's records point to (aura's
// naming: namespace, cluster, the zone's ingress subdomain).
func (w *world) target(namespace, cluster string) string {
	return fmt.Sprintf("%s.%s.ingress.%s", namespace, cluster, config.DNSZone)
}

// servicesName is the environment's services name (its record set key),
// which the bot channel's endpoint uses.
func (w *world) servicesName() (name, key string) {
	w.t.Helper()
	name = strings.TrimSuffix(w.config.DNSName("services"), "."+config.DNSZone)
	if !slices.Contains(w.names(false), name+"/cname") {
		w.t.Fatalf("no enabled component is served at %s", name)
	}
	return name, name + "/cname"
}

// loweredName is the name whose TTL foreignRecords lowers: not the
// services one, which has its metadata.
func (w *world) loweredName() string {
	w.t.Helper()
	_, services := w.servicesName()
	for _, k := range w.names(false) {
		if k != services {
			name, _, _ := strings.Cut(k, "/")
			return name
		}
	}
	w.t.Fatal("the environment has no public name but services")
	return ""
}

func (w *world) usualTarget() string {
	return w.target(w.config.Derived.CoreNamespace, w.config.ClusterName)
}

func (w *world) releaseNS() string { return w.config.ReleaseNamespace(w.release().Version) }

// cname is where a record set of the zone points ("": absent).
func (w *world) cname(k string) string {
	name, _, _ := strings.Cut(k, "/")
	rs := w.cloud.RecordSet(w.config.Derived.CommonResourceGroup, config.DNSZone, name, armdns.RecordTypeCNAME)
	if rs == nil || rs.Properties == nil || rs.Properties.CnameRecord == nil {
		return ""
	}
	return str(rs.Properties.CnameRecord.Cname)
}

func (w *world) pointAt(step string, keys []string, target string) {
	w.t.Helper()
	for _, k := range keys {
		if got := w.cname(k); got != target {
			w.t.Errorf("after %s %s points to %q, want %s", step, k, got, target)
		}
	}
}

// putByHand writes a record set as another tool would; update edits the
// one the zone holds (nil: a new CNAME named name).
func (w *world) putByHand(name string, update func(*armdns.RecordSet)) {
	w.t.Helper()
	rg := w.config.Derived.CommonResourceGroup
	rs := w.cloud.RecordSet(rg, config.DNSZone, name, armdns.RecordTypeCNAME)
	if rs == nil {
		rs = &armdns.RecordSet{Name: &name, Properties: &armdns.RecordSetProperties{}}
	}
	update(rs)
	if err := w.cloud.SetRecordSet(rg, config.DNSZone, armdns.RecordTypeCNAME, *rs); err != nil {
		w.t.Fatal(err)
	}
}

// foreignRecords: another environment's name in the zone, metadata an
// operator put on this environment's services name (aura owns its target
// and TTL, not its metadata), and the TTL of another name lowered by hand,
// as one does before a switch: the name still points at this deployment.
func (w *world) foreignRecords() {
	w.t.Helper()
	w.putByHand(otherEnvRecord, func(rs *armdns.RecordSet) {
		target, ttl := "aura-es-pro.auraclusterpro.ingress."+config.DNSZone, int64(3600)
		rs.Properties.TTL, rs.Properties.CnameRecord = &ttl, &armdns.CnameRecord{Cname: &target}
		owner := "es-pro"
		rs.Properties.Metadata = map[string]*string{"owner": &owner}
	})
	services, _ := w.servicesName()
	w.putByHand(services, func(rs *armdns.RecordSet) {
		team := "aura-ops"
		rs.Properties.Metadata = map[string]*string{"team": &team}
	})
	w.putByHand(w.loweredName(), func(rs *armdns.RecordSet) {
		ttl := int64(60)
		rs.Properties.TTL = &ttl
	})
}

// nextDomainsOff: the deploy_core that turned next_domains_enabled off
// (the end of nextBotChannel; the -next names pointed at this namespace)
// deleted those record sets, and only them: a -next name left pointing at
// a deployment nobody tests on is a trap. A re-run writes nothing.
func (w *world) nextDomainsOff(off result) {
	w.t.Helper()
	w.expectWrites(off, prefixed("DELETE ", w.names(true)))
	w.pointAt("next_domains_enabled off", w.names(true), "")
	w.pointAt("next_domains_enabled off", w.names(false), w.usualTarget())
	w.rerunWritesNothing("deploy_core")
}

// releaseNamespace: with next_domains_enabled, deploy_core --ns deploys the
// release into its own namespace beside the usual one (guide: "New core
// namespace") and points the -next names at it — exactly those record sets
// written — while the environment's names stay on the usual namespace
// until `aura dns`. The -next VirtualServers route to the new namespace.
func (w *world) releaseNamespace() {
	w.t.Helper()
	w.writeOverlay(baseOverlay + "next_domains_enabled: true\n")
	before := w.dnsZone()
	r := w.ok("deploy_core", "--ns")
	w.expectWrites(r, append(prefixed("PUT ", w.names(true)), "PUT "+w.releaseAccountPath()))
	w.sameZoneBut("deploy_core --ns", before, w.dnsZone(), w.names(true))
	w.pointAt("deploy_core --ns", w.names(true), w.target(w.releaseNS(), w.config.ClusterName))

	dyn, err := dynamic.NewForConfig(w.kube)
	if err != nil {
		w.t.Fatal(err)
	}
	vs := dyn.Resource(schema.GroupVersionResource{Group: "k8s.nginx.org", Version: "v1", Resource: "virtualservers"}).
		Namespace(w.config.Derived.SystemNamespace)
	for _, h := range w.hosts() {
		name := h + "-next-" + w.config.Derived.EnvironmentName
		got, err := vs.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			w.t.Errorf("-next VirtualServer %s: %v", name, err)
			continue
		}
		host, _, _ := unstructured.NestedString(got.Object, "spec", "host")
		routes, _, _ := unstructured.NestedSlice(got.Object, "spec", "routes")
		if host != w.config.NextDNSName(h) || len(routes) == 0 {
			w.t.Errorf("-next VirtualServer %s: host %q, %d routes; want host %s", name, host, len(routes), w.config.NextDNSName(h))
		}
		for _, rt := range routes {
			if to, _ := rt.(map[string]any)["route"].(string); !strings.HasPrefix(to, w.releaseNS()+"/") {
				w.t.Errorf("-next VirtualServer %s routes to %q, not to the release namespace %s", name, to, w.releaseNS())
			}
		}
	}
	w.rerunWritesNothing("deploy_core", "--ns")
}

// dnsSwitch: `aura dns --ns` points the environment's names at the
// release namespace — exactly those record sets written, the operator's
// metadata kept — after saving the previous ones; a second run writes
// nothing; `--rollback` puts the zone back byte for byte.
func (w *world) dnsSwitch() {
	w.t.Helper()
	before := w.dnsZone()
	r := w.dryRunFirst("dns", "--ns")
	w.expectWrites(r, prefixed("PUT ", w.names(false)))
	after := w.dnsZone()
	w.sameZoneBut("dns --ns", before, after, w.names(false))
	w.pointAt("dns --ns", w.names(false), w.target(w.releaseNS(), w.config.ClusterName))
	if _, k := w.servicesName(); !strings.Contains(after[k], `"team":"aura-ops"`) {
		w.t.Errorf("dns --ns dropped the metadata of %s: %s", k, after[k])
	}

	var backup provider.DNSBackup
	raw := w.blob(w.config.Derived.CommonStorageAccount, "aura-dns-backups", w.config.Derived.EnvironmentName+".json")
	if err := json.Unmarshal([]byte(raw), &backup); err != nil {
		w.t.Fatalf("the DNS backup: %v\n%s", err, raw)
	}
	var saved []string
	for _, s := range backup.Records {
		k := strings.ToLower(s.Key.Name + "/" + s.Key.Type)
		saved = append(saved, k)
		if !s.Present || s.Record == nil || !slices.Equal(s.Record.Values, []string{w.usualTarget()}) {
			w.t.Errorf("the DNS backup holds %s as %+v, want it pointing to %s", k, s.Record, w.usualTarget())
		}
	}
	if slices.Sort(saved); !slices.Equal(saved, slices.Sorted(slices.Values(w.names(false)))) {
		w.t.Errorf("the DNS backup holds %q, want the environment's names %q", saved, w.names(false))
	}

	w.rerunWritesNothing("dns", "--ns")
	r = w.dryRunFirst("dns", "--rollback")
	w.expectWrites(r, prefixed("PUT ", w.names(false)))
	w.sameZoneBut("dns --rollback", before, w.dnsZone(), nil)
	w.rerunWritesNothing("dns", "--rollback")
}

// dryRunFirst runs a command with --dry-run, then for real: the dry run
// writes nothing, to ARM or to the DNS backup, and announces exactly the
// changes the run then reports.
func (w *world) dryRunFirst(args ...string) result {
	w.t.Helper()
	backup := func() string {
		return w.blob(w.config.Derived.CommonStorageAccount, "aura-dns-backups", w.config.Derived.EnvironmentName+".json")
	}
	saved := backup()
	dry := w.ok(append(args, "--dry-run")...)
	w.expectWrites(dry, nil)
	if backup() != saved {
		w.t.Errorf("aura %s --dry-run rewrote the DNS backup", strings.Join(args, " "))
	}
	r := w.ok(args...)
	if d, c := dry.changed(), r.changed(); !slices.Equal(d, c) || len(c) == 0 {
		w.t.Errorf("aura %s --dry-run announced\n%s\nthe run changed\n%s", strings.Join(args, " "), strings.Join(d, "\n"), strings.Join(c, "\n"))
	}
	return r
}

// deleteReleaseNamespace: delete_core --ns (without --full) deletes the
// release namespace and the -next names pointing at it, though
// next_domains_enabled is off by then (the user stopped testing on -next
// before giving the release up); the environment's names, on the usual
// namespace, stay, and so do the bot channels and AI accounts the usual
// namespace uses. The -next VirtualServers stay too (guide: they are in
// the system namespace).
func (w *world) deleteReleaseNamespace() {
	w.t.Helper()
	w.writeOverlay(baseOverlay)
	before := w.dnsZone()
	r := w.ok("delete_core", "--ns")
	w.expectWrites(r, append(prefixed("DELETE ", w.names(true)), "DELETE "+w.releaseAccountPath()))
	after := w.dnsZone()
	w.sameZoneBut("delete_core --ns", before, after, w.names(true))
	w.pointAt("delete_core --ns", w.names(true), "")

	cs, err := kubernetes.NewForConfig(w.kube)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), w.releaseNS(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		w.t.Errorf("delete_core --ns: namespace %s: %v, want it gone", w.releaseNS(), err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), w.config.Derived.CoreNamespace, metav1.GetOptions{}); err != nil {
		w.t.Errorf("delete_core --ns took the usual namespace: %v", err)
	}
	if w.cloud.Bot(w.config.Derived.ClusterResourceGroup, w.config.Derived.BotChannelName) == nil {
		w.t.Error("delete_core --ns deleted the environment's bot channel")
	}
	dyn, err := dynamic.NewForConfig(w.kube)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, h := range w.hosts() {
		name := h + "-next-" + w.config.Derived.EnvironmentName
		if _, err := dyn.Resource(schema.GroupVersionResource{Group: "k8s.nginx.org", Version: "v1", Resource: "virtualservers"}).
			Namespace(w.config.Derived.SystemNamespace).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
			w.t.Errorf("delete_core --ns: -next VirtualServer %s: %v, want it kept", name, err)
		}
	}
	w.rerunWritesNothing("delete_core", "--ns")
}

// beforeFullDelete: the -next names on the usual namespace again
// (deploy_core with next_domains_enabled: exactly those record sets
// written), then a new cluster's `aura dns` takes the services name (as
// the guide's parallel cluster does). delete_core --full --dry-run then
// writes nothing. It returns the zone then and the record set deletes the
// dry run announced.
func (w *world) beforeFullDelete() (map[string]string, []string) {
	w.t.Helper()
	w.writeOverlay(baseOverlay + "next_domains_enabled: true\n")
	r := w.ok("deploy_core")
	w.expectWrites(r, prefixed("PUT ", w.names(true)))
	w.pointAt("deploy_core", w.names(true), w.usualTarget())
	services, _ := w.servicesName()
	w.putByHand(services, func(rs *armdns.RecordSet) {
		target := w.target(w.config.Derived.CoreNamespace, "auraclusternew")
		rs.Properties.CnameRecord = &armdns.CnameRecord{Cname: &target}
	})
	zone := w.dnsZone()
	dry := w.ok("delete_core", "--full", "--dry-run")
	w.expectWrites(dry, nil)
	w.sameZoneBut("delete_core --full --dry-run", zone, w.dnsZone(), nil)
	return zone, recordChanges(dry)
}

// recordChanges are the record set changes a command reported.
func recordChanges(r result) []string {
	var out []string
	for _, c := range r.changed() {
		if strings.Contains(c, "dns record set") {
			out = append(out, c)
		}
	}
	return out
}

// afterFullDelete: delete_core --full deleted the environment's names and
// the -next names that point at this deployment, and nothing else: the
// name the new cluster took and the other environment's stay byte for
// byte. The dry run announced exactly those deletes.
func (w *world) afterFullDelete(before map[string]string, planned []string, r result) {
	w.t.Helper()
	if got := recordChanges(r); !slices.Equal(got, planned) || len(got) == 0 {
		w.t.Errorf("delete_core --full --dry-run announced\n%s\ndelete_core --full changed\n%s", strings.Join(planned, "\n"), strings.Join(got, "\n"))
	}
	_, services := w.servicesName()
	own := w.names(true)
	for _, k := range w.names(false) {
		if k != services {
			own = append(own, k)
		}
	}
	var want []string
	for _, wr := range r.writes {
		if !strings.Contains(strings.ToLower(wr), "/dnszones/") {
			want = append(want, wr) // the bot channels and AI accounts, checked by TestLifecycle
		}
	}
	w.expectWrites(r, append(want, prefixed("DELETE ", own)...))
	after := w.dnsZone()
	w.sameZoneBut("delete_core --full", before, after, own)
	w.pointAt("delete_core --full", own, "")
	for _, k := range []string{services, strings.ToLower(otherEnvRecord) + "/cname"} {
		if after[k] == "" {
			w.t.Errorf("delete_core --full deleted %s, which does not point at this deployment", k)
		}
	}
}
