package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindCluster = "cluster"
	kindPool    = "agent pool"
	// adminUser is the nodes' Linux user that aura.pem logs in as.
	adminUser = "azureuser"
	// publicIPAPIVersion reads the cluster's outbound public IPs through the
	// generic resources client (armnetwork costs minutes of compile time).
	publicIPAPIVersion = "2024-05-01"
)

func (p *Provider) getCluster(ctx context.Context, ref provider.ClusterRef) (*armcontainerservice.ManagedCluster, string, error) {
	res, err := p.clusters.Get(ctx, ref.ResourceGroup, ref.Name, nil)
	if is404(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	mc := &res.ManagedCluster
	st := ""
	if mc.Properties != nil {
		st = str(mc.Properties.ProvisioningState)
		// A pool being scaled or upgraded makes the cluster busy too.
		for _, ap := range mc.Properties.AgentPoolProfiles {
			if s := str(ap.ProvisioningState); terminal(st) && !terminal(s) {
				st = s
			}
		}
	}
	return mc, st, nil
}

func stopped(mc *armcontainerservice.ManagedCluster) bool {
	return mc.Properties != nil && mc.Properties.PowerState != nil && mc.Properties.PowerState.Code != nil &&
		*mc.Properties.PowerState.Code == armcontainerservice.CodeStopped
}

// skuTier maps aks_sku_tier (the guide's Paid and Free; AKS renamed Paid to
// Standard) to AKS's tier; "" leaves the tier to AKS.
func skuTier(t string) (armcontainerservice.ManagedClusterSKUTier, error) {
	switch strings.ToLower(t) {
	case "":
		return "", nil
	case "paid", "standard":
		return armcontainerservice.ManagedClusterSKUTierStandard, nil
	case "free":
		return armcontainerservice.ManagedClusterSKUTierFree, nil
	case "premium":
		return armcontainerservice.ManagedClusterSKUTierPremium, nil
	}
	return "", fmt.Errorf("azure: cluster: aks_sku_tier %q is not Paid or Free", t)
}

// authorizedRanges is kubernetes_api_allowed_sources as AKS takes it:
// "*" (the guide's default) means no restriction, which AKS spells as none.
func authorizedRanges(spec provider.ClusterSpec) []string {
	if slices.Contains(spec.APIServerAuthorizedRanges, "*") {
		return nil
	}
	return spec.APIServerAuthorizedRanges
}

func poolProfile(np provider.NodePool, spec provider.ClusterSpec) *armcontainerservice.ManagedClusterAgentPoolProfile {
	ap := &armcontainerservice.ManagedClusterAgentPoolProfile{
		Name:                   to.Ptr(np.Name),
		Mode:                   to.Ptr(armcontainerservice.AgentPoolMode(np.Mode)),
		VMSize:                 to.Ptr(np.VMSize),
		Count:                  to.Ptr(int32(np.MinSize)),
		OSType:                 to.Ptr(armcontainerservice.OSTypeLinux),
		Type:                   to.Ptr(armcontainerservice.AgentPoolTypeVirtualMachineScaleSets),
		EnableAutoScaling:      to.Ptr(np.Autoscaling()),
		EnableEncryptionAtHost: to.Ptr(spec.EncryptionInTransit),
		Tags:                   tagPtrs(spec.Tags),
	}
	if len(spec.Zones) > 0 {
		ap.AvailabilityZones = ptrs(spec.Zones)
	}
	if np.Autoscaling() {
		ap.MinCount, ap.MaxCount = to.Ptr(int32(np.MinSize)), to.Ptr(int32(np.MaxSize))
	}
	return ap
}

// newCluster is the body that creates the cluster.
func (p *Provider) newCluster(spec provider.ClusterSpec, tier armcontainerservice.ManagedClusterSKUTier, desID string) armcontainerservice.ManagedCluster {
	mc := armcontainerservice.ManagedCluster{
		Location: to.Ptr(spec.Location),
		Tags:     tagPtrs(spec.Tags),
		Identity: &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeSystemAssigned)},
		Properties: &armcontainerservice.ManagedClusterProperties{
			DNSPrefix:  to.Ptr(spec.Name),
			EnableRBAC: to.Ptr(true),
			NetworkProfile: &armcontainerservice.NetworkProfile{
				LoadBalancerSKU: to.Ptr(armcontainerservice.LoadBalancerSKUStandard),
				OutboundType:    to.Ptr(armcontainerservice.OutboundTypeLoadBalancer),
			},
		},
	}
	if spec.KubernetesVersion != "" {
		mc.Properties.KubernetesVersion = to.Ptr(spec.KubernetesVersion)
	}
	if tier != "" {
		mc.SKU = &armcontainerservice.ManagedClusterSKU{Name: to.Ptr(armcontainerservice.ManagedClusterSKUNameBase), Tier: to.Ptr(tier)}
	}
	if r := authorizedRanges(spec); len(r) > 0 {
		mc.Properties.APIServerAccessProfile = &armcontainerservice.ManagedClusterAPIServerAccessProfile{AuthorizedIPRanges: ptrs(r)}
	}
	if spec.SSHPublicKey != "" {
		mc.Properties.LinuxProfile = sshProfile(spec.SSHPublicKey)
	}
	if desID != "" {
		mc.Properties.DiskEncryptionSetID = to.Ptr(desID)
	}
	for _, np := range spec.Pools {
		mc.Properties.AgentPoolProfiles = append(mc.Properties.AgentPoolProfiles, poolProfile(np, spec))
	}
	return mc
}

func sshProfile(key string) *armcontainerservice.LinuxProfile {
	return &armcontainerservice.LinuxProfile{AdminUsername: to.Ptr(adminUser),
		SSH: &armcontainerservice.SSHConfiguration{PublicKeys: []*armcontainerservice.SSHPublicKey{{KeyData: to.Ptr(strings.TrimSpace(key))}}}}
}

func sshKey(mc *armcontainerservice.ManagedCluster) string {
	lp := mc.Properties.LinuxProfile
	if lp == nil || lp.SSH == nil || len(lp.SSH.PublicKeys) == 0 {
		return ""
	}
	return strings.TrimSpace(str(lp.SSH.PublicKeys[0].KeyData))
}

// clusterDrift changes have, in place, into what aura wants of the cluster
// itself (not its pools) and names what it changed.
func clusterDrift(have *armcontainerservice.ManagedCluster, spec provider.ClusterSpec, tier armcontainerservice.ManagedClusterSKUTier) []string {
	var d []string
	pr := have.Properties
	if spec.KubernetesVersion != "" && str(pr.KubernetesVersion) != spec.KubernetesVersion {
		d = append(d, fmt.Sprintf("kubernetes version %s → %s", str(pr.KubernetesVersion), spec.KubernetesVersion))
		pr.KubernetesVersion = to.Ptr(spec.KubernetesVersion)
		// The pools follow in the same operation; otherwise AKS upgrades
		// only the control plane.
		for _, ap := range pr.AgentPoolProfiles {
			ap.OrchestratorVersion = to.Ptr(spec.KubernetesVersion)
		}
	}
	if tier != "" {
		var cur armcontainerservice.ManagedClusterSKUTier
		if have.SKU != nil && have.SKU.Tier != nil {
			cur = *have.SKU.Tier
		}
		if cur != tier {
			d = append(d, fmt.Sprintf("sku tier %s → %s", cur, tier))
			have.SKU = &armcontainerservice.ManagedClusterSKU{Name: to.Ptr(armcontainerservice.ManagedClusterSKUNameBase), Tier: to.Ptr(tier)}
		}
	}
	var ranges []string
	if pr.APIServerAccessProfile != nil {
		ranges = strs(pr.APIServerAccessProfile.AuthorizedIPRanges)
	}
	if want := authorizedRanges(spec); !sameSet(ranges, want) {
		d = append(d, "api server authorized ranges")
		if pr.APIServerAccessProfile == nil {
			pr.APIServerAccessProfile = &armcontainerservice.ManagedClusterAPIServerAccessProfile{}
		}
		// An empty list (not null) is how AKS is told to drop the ranges.
		pr.APIServerAccessProfile.AuthorizedIPRanges = ptrs(append([]string{}, want...))
	}
	if spec.SSHPublicKey != "" && sshKey(have) != strings.TrimSpace(spec.SSHPublicKey) {
		d = append(d, "ssh public key")
		pr.LinuxProfile = sshProfile(spec.SSHPublicKey)
	}
	if !tagsCover(have.Tags, spec.Tags) {
		d = append(d, "tags")
		have.Tags = withTags(have.Tags, spec.Tags)
	}
	return d
}

// poolChange is what one pool needs: nothing, a new pool, or an update of
// the fields AKS can change in place.
func poolChange(have *armcontainerservice.ManagedClusterAgentPoolProfile, np provider.NodePool, spec provider.ClusterSpec) (body *armcontainerservice.ManagedClusterAgentPoolProfile, detail string, err error) {
	want := poolProfile(np, spec)
	if have == nil {
		return want, "add pool " + np.Name, nil
	}
	what := fmt.Sprintf("azure: cluster %s: agent pool %s", spec.Name, np.Name)
	switch {
	case !strings.EqualFold(str(have.VMSize), np.VMSize):
		return nil, "", fmt.Errorf("%s has VM size %s, the config wants %s: AKS cannot change a pool's VM size; add a pool of another name with the new type and remove this one", what, str(have.VMSize), np.VMSize)
	case !sameSet(strs(have.AvailabilityZones), spec.Zones):
		return nil, "", fmt.Errorf("%s is in zones %v, the config wants %v (aks_multi_az): AKS cannot move a pool; add a pool of another name", what, strs(have.AvailabilityZones), spec.Zones)
	case boolv(have.EnableEncryptionAtHost) != spec.EncryptionInTransit:
		return nil, "", fmt.Errorf("%s has encryption at host %v, the config wants %v (enable_encryption_in_transit): AKS sets it only when a pool is created; add a pool of another name", what, boolv(have.EnableEncryptionAtHost), spec.EncryptionInTransit)
	}
	var d []string
	upd := *have
	if have.Mode == nil || !strings.EqualFold(string(*have.Mode), np.Mode) {
		d = append(d, "mode")
		upd.Mode = want.Mode
	}
	if boolv(have.EnableAutoScaling) != np.Autoscaling() {
		d = append(d, "autoscaling")
	}
	if np.Autoscaling() {
		if i32(have.MinCount) != np.MinSize || i32(have.MaxCount) != np.MaxSize {
			d = append(d, fmt.Sprintf("size %d-%d → %d-%d", i32(have.MinCount), i32(have.MaxCount), np.MinSize, np.MaxSize))
		}
		upd.EnableAutoScaling, upd.MinCount, upd.MaxCount = to.Ptr(true), want.MinCount, want.MaxCount
		// The autoscaler owns the count between min and max.
		if n := i32(have.Count); n < np.MinSize || n > np.MaxSize {
			upd.Count = to.Ptr(int32(min(max(n, np.MinSize), np.MaxSize)))
		}
	} else {
		if i32(have.Count) != np.MinSize {
			d = append(d, fmt.Sprintf("count %d → %d", i32(have.Count), np.MinSize))
		}
		upd.EnableAutoScaling, upd.MinCount, upd.MaxCount, upd.Count = to.Ptr(false), nil, nil, want.Count
	}
	if len(d) == 0 {
		return nil, "", nil
	}
	upd.ProvisioningState, upd.PowerState = nil, nil
	return &upd, "pool " + np.Name + ": " + strings.Join(d, ", "), nil
}

func asAgentPool(ap *armcontainerservice.ManagedClusterAgentPoolProfile) (armcontainerservice.AgentPool, error) {
	// Both types share their JSON form (the profile has a name besides).
	data, err := json.Marshal(ap)
	if err != nil {
		return armcontainerservice.AgentPool{}, err
	}
	var props armcontainerservice.ManagedClusterAgentPoolProfileProperties
	if err := json.Unmarshal(data, &props); err != nil {
		return armcontainerservice.AgentPool{}, err
	}
	return armcontainerservice.AgentPool{Properties: &props}, nil
}

func (p *Provider) clusterKey(op string, ref provider.ClusterRef, extra ...string) string {
	return tokenKey(append([]string{"aks", op, ref.ResourceGroup, ref.Name}, extra...)...)
}

func (p *Provider) beginPutCluster(ref provider.ClusterRef, body *armcontainerservice.ManagedCluster) beginFunc {
	return func(ctx context.Context, tok string) (operation, error) {
		return begun(p.clusters.BeginCreateOrUpdate(ctx, ref.ResourceGroup, ref.Name, *body, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{ResumeToken: tok}))
	}
}

func (p *Provider) beginPower(ref provider.ClusterRef, on bool) beginFunc {
	return func(ctx context.Context, tok string) (operation, error) {
		if on {
			return begun(p.clusters.BeginStart(ctx, ref.ResourceGroup, ref.Name, &armcontainerservice.ManagedClustersClientBeginStartOptions{ResumeToken: tok}))
		}
		return begun(p.clusters.BeginStop(ctx, ref.ResourceGroup, ref.Name, &armcontainerservice.ManagedClustersClientBeginStopOptions{ResumeToken: tok}))
	}
}

// EnsureCluster implements provider.Provider: create the cluster, start it
// when stopped, then bring what aura owns of it and of its pools to the
// spec, one write per difference.
func (p *Provider) EnsureCluster(ctx context.Context, spec provider.ClusterSpec) (provider.Change, error) {
	ref := spec.Ref()
	c := provider.Change{Op: provider.OpNone, Kind: kindCluster, Name: spec.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	tier, err := skuTier(spec.SKUTier)
	if err != nil {
		return c, err
	}
	what := "cluster " + spec.Name
	var details []string
	note := func(op provider.Op, d string) {
		if c.Op == provider.OpNone || c.Op == provider.OpUpdate {
			c.Op = op
		}
		if d != "" {
			details = append(details, d)
		}
	}
	// Operations an earlier run started and did not see end.
	var body armcontainerservice.ManagedCluster
	if op, found, err := resume(ctx, p, p.clusterKey("put", ref), p.beginPutCluster(ref, &body)); err != nil {
		return c, p.wrap(err, "create or update "+what, spec.Location)
	} else if found {
		note(op, "resumed an operation an earlier run started")
	}
	if _, found, err := resume(ctx, p, p.clusterKey("start", ref), p.beginPower(ref, true)); err != nil {
		return c, p.wrap(err, "start "+what, spec.Location)
	} else if found {
		note(provider.OpUpdate, "resumed starting it")
	}
	for _, np := range spec.Pools {
		var pool armcontainerservice.AgentPool
		if _, found, err := resume(ctx, p, p.clusterKey("pool", ref, np.Name), p.beginPutPool(ref, np.Name, &pool)); err != nil {
			return c, p.wrap(err, "update agent pool "+np.Name+" of "+what, spec.Location)
		} else if found {
			note(provider.OpUpdate, "resumed updating pool "+np.Name)
		}
	}

	// Pool deletes run one at a time, so one key holds the pending one;
	// the poller resumes from its token alone, whatever the pool's name.
	if _, found, err := resume(ctx, p, p.clusterKey("pooldel", ref), p.beginDeletePool(ref, "")); err != nil {
		return c, p.wrap(err, "delete an agent pool of "+what, spec.Location)
	} else if found {
		note(provider.OpUpdate, "resumed deleting a pool")
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armcontainerservice.ManagedCluster, string, error) {
		return p.getCluster(ctx, ref)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, spec.Location)
	}
	desID, desChange, err := p.ensureDiskEncryptionSet(ctx, spec)
	if err != nil {
		return c, err
	}
	if desChange != "" {
		note(provider.OpUpdate, desChange)
	}
	if have == nil {
		// What the operator reads before paying for it; the pools and
		// the rest of the spec are the phase's to describe.
		c.Op, c.Detail = provider.OpCreate, settings("location "+spec.Location, desChange, tagList(spec.Tags))
		if p.dry {
			return c, nil
		}
		body = p.newCluster(spec, tier, desID)
		err := run(ctx, p, p.clusterKey("put", ref), c.Op, p.beginPutCluster(ref, &body))
		return c, p.wrap(err, "create "+what, spec.Location)
	}
	if have.Properties == nil {
		have.Properties = &armcontainerservice.ManagedClusterProperties{}
	}
	if desID != "" && !strings.EqualFold(str(have.Properties.DiskEncryptionSetID), desID) {
		return c, fmt.Errorf("azure: %s encrypts its disks with %q, the config wants %q (enable_customer_key_encryption): AKS sets this only when a cluster is created; run delete_infra, then deploy_infra",
			what, str(have.Properties.DiskEncryptionSetID), desID)
	}
	if stopped(have) {
		note(provider.OpUpdate, "start (was stopped)")
		if !p.dry {
			if err := run(ctx, p, p.clusterKey("start", ref), provider.OpUpdate, p.beginPower(ref, true)); err != nil {
				return c, p.wrap(err, "start "+what, spec.Location)
			}
		}
	}
	// Pool changes are checked before any write, so an impossible one
	// (a VM size) stops the run with nothing changed.
	type poolWrite struct {
		name string
		body *armcontainerservice.ManagedClusterAgentPoolProfile
	}
	var poolWrites []poolWrite
	for _, np := range spec.Pools {
		var cur *armcontainerservice.ManagedClusterAgentPoolProfile
		for _, ap := range have.Properties.AgentPoolProfiles {
			if strings.EqualFold(str(ap.Name), np.Name) {
				cur = ap
			}
		}
		body, d, err := poolChange(cur, np, spec)
		if err != nil {
			return c, err
		}
		if body != nil {
			poolWrites = append(poolWrites, poolWrite{np.Name, body})
			details = append(details, d)
		}
	}
	// Pools the config no longer names go after every other write, so the
	// system pool the spec keeps exists before one that held system pods
	// is removed.
	var poolDeletes []string
	for _, ap := range have.Properties.AgentPoolProfiles {
		if !spec.HasPool(str(ap.Name)) {
			poolDeletes = append(poolDeletes, str(ap.Name))
			details = append(details, "delete pool "+str(ap.Name)+" (not in infrastructure.compute.agentpools)")
		}
	}
	if d := clusterDrift(have, spec, tier); len(d) > 0 {
		note(provider.OpUpdate, changed(d))
		if !p.dry {
			body = *have
			if err := run(ctx, p, p.clusterKey("put", ref), provider.OpUpdate, p.beginPutCluster(ref, &body)); err != nil {
				return c, p.wrap(err, "update "+what, spec.Location)
			}
		}
	}
	for _, w := range poolWrites {
		note(provider.OpUpdate, "")
		if p.dry {
			continue
		}
		pool, err := asAgentPool(w.body)
		if err != nil {
			return c, err
		}
		if err := run(ctx, p, p.clusterKey("pool", ref, w.name), provider.OpUpdate, p.beginPutPool(ref, w.name, &pool)); err != nil {
			return c, p.wrap(err, "update agent pool "+w.name+" of "+what, spec.Location)
		}
	}
	for _, name := range poolDeletes {
		note(provider.OpUpdate, "")
		if p.dry {
			continue
		}
		if err := run(ctx, p, p.clusterKey("pooldel", ref), provider.OpUpdate, p.beginDeletePool(ref, name)); err != nil {
			return c, p.wrap(err, "delete agent pool "+name+" of "+what, spec.Location)
		}
	}
	c.Detail = strings.Join(details, "; ")
	return c, nil
}

func (p *Provider) beginDeletePool(ref provider.ClusterRef, name string) beginFunc {
	return func(ctx context.Context, tok string) (operation, error) {
		return begun(p.pools.BeginDelete(ctx, ref.ResourceGroup, ref.Name, name, &armcontainerservice.AgentPoolsClientBeginDeleteOptions{ResumeToken: tok}))
	}
}

func (p *Provider) beginPutPool(ref provider.ClusterRef, name string, body *armcontainerservice.AgentPool) beginFunc {
	return func(ctx context.Context, tok string) (operation, error) {
		return begun(p.pools.BeginCreateOrUpdate(ctx, ref.ResourceGroup, ref.Name, name, *body, &armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions{ResumeToken: tok}))
	}
}

// DeleteCluster implements provider.Provider, waiting until AKS deleted it.
func (p *Provider) DeleteCluster(ctx context.Context, ref provider.ClusterRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindCluster, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "cluster " + ref.Name
	key := p.clusterKey("delete", ref)
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.clusters.BeginDelete(ctx, ref.ResourceGroup, ref.Name, &armcontainerservice.ManagedClustersClientBeginDeleteOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); found || err != nil {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
		return c, p.wrap(err, "delete "+what, "")
	}
	have, _, err := p.getCluster(ctx, ref)
	if err != nil || have == nil {
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	err = run(ctx, p, key, c.Op, begin)
	if err == nil {
		err = p.deleteDiskEncryptionSet(ctx, ref)
	}
	return c, p.wrap(err, "delete "+what, "")
}

// StopCluster implements provider.Provider.
func (p *Provider) StopCluster(ctx context.Context, ref provider.ClusterRef) (provider.Change, error) {
	return p.setPower(ctx, ref, false)
}

// StartCluster implements provider.Provider.
func (p *Provider) StartCluster(ctx context.Context, ref provider.ClusterRef) (provider.Change, error) {
	return p.setPower(ctx, ref, true)
}

func (p *Provider) setPower(ctx context.Context, ref provider.ClusterRef, on bool) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindCluster, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	verb, want := "stop", provider.ClusterStopped
	if on {
		verb, want = "start", provider.ClusterRunning
	}
	what := "cluster " + ref.Name
	key := p.clusterKey(verb, ref)
	if _, found, err := resume(ctx, p, key, p.beginPower(ref, on)); found || err != nil {
		c.Op, c.Detail = provider.OpUpdate, verb+" (resumed)"
		return c, p.wrap(err, verb+" "+what, "")
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armcontainerservice.ManagedCluster, string, error) {
		return p.getCluster(ctx, ref)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, "")
	}
	if have == nil {
		return c, fmt.Errorf("azure: %s: %w", what, provider.ErrNotFound)
	}
	if stopped(have) == !on {
		c.Detail = "already " + string(want)
		return c, nil
	}
	c.Op, c.Detail = provider.OpUpdate, verb
	if p.dry {
		return c, nil
	}
	err = run(ctx, p, key, c.Op, p.beginPower(ref, on))
	return c, p.wrap(err, verb+" "+what, "")
}

// ClusterState implements provider.Provider.
func (p *Provider) ClusterState(ctx context.Context, ref provider.ClusterRef) (provider.ClusterState, error) {
	if err := start(ctx); err != nil {
		return "", err
	}
	have, _, err := p.getCluster(ctx, ref)
	switch {
	case err != nil:
		return "", p.wrap(err, "read cluster "+ref.Name, "")
	case have == nil:
		return provider.ClusterAbsent, nil
	case stopped(have):
		return provider.ClusterStopped, nil
	}
	return provider.ClusterRunning, nil
}

// Kubeconfig implements provider.Provider: the admin kubeconfig, or the
// user one when the cluster has local accounts disabled.
func (p *Provider) Kubeconfig(ctx context.Context, ref provider.ClusterRef) ([]byte, error) {
	if err := start(ctx); err != nil {
		return nil, err
	}
	what := "kubeconfig of cluster " + ref.Name
	var creds armcontainerservice.CredentialResults
	admin, err := p.clusters.ListClusterAdminCredentials(ctx, ref.ResourceGroup, ref.Name, nil)
	if err == nil {
		creds = admin.CredentialResults
	} else if isLocalAccountsDisabled(err) {
		user, uerr := p.clusters.ListClusterUserCredentials(ctx, ref.ResourceGroup, ref.Name, nil)
		creds, err = user.CredentialResults, uerr
	}
	if err != nil {
		return nil, p.wrap(err, what, "")
	}
	for _, k := range creds.Kubeconfigs {
		if k != nil && len(k.Value) > 0 {
			return k.Value, nil
		}
	}
	return nil, fmt.Errorf("azure: %s: AKS returned none", what)
}

func isLocalAccountsDisabled(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "local accounts")
}

// ClusterOutboundIPs implements provider.Provider: the addresses of the
// public IPs the cluster's load balancer sends traffic from.
func (p *Provider) ClusterOutboundIPs(ctx context.Context, ref provider.ClusterRef) ([]string, error) {
	if err := start(ctx); err != nil {
		return nil, err
	}
	what := "outbound IPs of cluster " + ref.Name
	have, _, err := p.getCluster(ctx, ref)
	if err != nil {
		return nil, p.wrap(err, what, "")
	}
	if have == nil {
		return nil, fmt.Errorf("azure: %s: cluster %w", what, provider.ErrNotFound)
	}
	var ids []string
	if pr := have.Properties; pr != nil && pr.NetworkProfile != nil && pr.NetworkProfile.LoadBalancerProfile != nil {
		for _, r := range pr.NetworkProfile.LoadBalancerProfile.EffectiveOutboundIPs {
			if r != nil && r.ID != nil {
				ids = append(ids, *r.ID)
			}
		}
	}
	var ips []string
	for _, id := range ids {
		res, err := p.resources.GetByID(ctx, id, publicIPAPIVersion, nil)
		if err != nil {
			return nil, p.wrap(err, what+": public IP "+id, "")
		}
		if props, ok := res.Properties.(map[string]any); ok {
			if ip, ok := props["ipAddress"].(string); ok && ip != "" {
				ips = append(ips, ip)
			}
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("azure: %s: the cluster's load balancer has no outbound public IP (yet)", what)
	}
	sort.Strings(ips)
	return ips, nil
}
