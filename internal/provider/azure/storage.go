package azure

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/v3"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindAccount = "storage account"
	// expiryRulePrefix names the lifecycle rules aura owns; other rules of
	// the account's policy are kept as they are.
	expiryRulePrefix = "auraexpiry"
)

func (p *Provider) getAccount(ctx context.Context, rg, name string) (*armstorage.Account, string, error) {
	res, err := p.accounts.GetProperties(ctx, rg, name, nil)
	if is404(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	st := ""
	if res.Properties != nil && res.Properties.ProvisioningState != nil {
		st = string(*res.Properties.ProvisioningState)
	}
	return &res.Account, st, nil
}

// accountDrift names the settings aura owns that an account lacks: StorageV2
// only over TLS 1.2+ and HTTPS, no anonymous blob access, the config's tags.
func accountDrift(a *armstorage.Account, tags map[string]string) []string {
	var d []string
	pr := a.Properties
	if pr == nil {
		pr = &armstorage.AccountProperties{}
	}
	if pr.MinimumTLSVersion == nil || *pr.MinimumTLSVersion != armstorage.MinimumTLSVersionTLS12 {
		d = append(d, "minimum TLS version")
	}
	if pr.AllowBlobPublicAccess == nil || *pr.AllowBlobPublicAccess {
		d = append(d, "public blob access")
	}
	if pr.EnableHTTPSTrafficOnly == nil || !*pr.EnableHTTPSTrafficOnly {
		d = append(d, "https only")
	}
	if !tagsCover(a.Tags, tags) {
		d = append(d, "tags")
	}
	return d
}

// EnsureStorageAccount implements provider.Provider: a StorageV2 account
// (TLS 1.2, HTTPS only, no public blob access), its containers (private),
// and the lifecycle rules that delete expired blobs.
func (p *Provider) EnsureStorageAccount(ctx context.Context, sa provider.StorageAccount) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindAccount, Name: sa.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	if err := checkExpiry(sa); err != nil {
		return c, err
	}
	what := "storage account " + sa.Name
	key := tokenKey("storage", "create", sa.ResourceGroup, sa.Name)
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.accounts.BeginCreate(ctx, sa.ResourceGroup, sa.Name, newAccount(sa), &armstorage.AccountsClientBeginCreateOptions{ResumeToken: tok}))
	}
	var details []string
	if op, found, err := resume(ctx, p, key, begin); err != nil {
		return c, p.wrap(err, "create "+what, sa.Location)
	} else if found {
		c.Op = op
		details = append(details, "resumed an operation an earlier run started")
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armstorage.Account, string, error) {
		return p.getAccount(ctx, sa.ResourceGroup, sa.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, sa.Location)
	}
	switch {
	case have == nil:
		c.Op = provider.OpCreate
		if !p.dry {
			if err := run(ctx, p, key, c.Op, begin); err != nil {
				return c, p.wrap(err, "create "+what, sa.Location)
			}
		}
	default:
		if d := accountDrift(have, sa.Tags); len(d) > 0 {
			c.Op = provider.OpUpdate
			details = append(details, changed(d))
			if !p.dry {
				// A PATCH: Azure keeps every property it is not sent.
				upd := armstorage.AccountUpdateParameters{Tags: withTags(have.Tags, sa.Tags), Properties: &armstorage.AccountPropertiesUpdateParameters{
					MinimumTLSVersion: to.Ptr(armstorage.MinimumTLSVersionTLS12), AllowBlobPublicAccess: to.Ptr(false), EnableHTTPSTrafficOnly: to.Ptr(true),
				}}
				if _, err := p.accounts.Update(ctx, sa.ResourceGroup, sa.Name, upd, nil); err != nil {
					return c, p.wrap(err, "update "+what, sa.Location)
				}
			}
		}
	}
	// On a dry run of an account not created yet, its parts are all to do.
	absent := have == nil && p.dry
	added, err := p.ensureContainers(ctx, sa, absent)
	if err != nil {
		return c, err
	}
	if len(added) > 0 {
		details = append(details, "containers added: "+strings.Join(added, ", "))
	}
	expiry, err := p.ensureExpiry(ctx, sa, absent)
	if err != nil {
		return c, err
	}
	if expiry != "" {
		details = append(details, expiry)
	}
	if c.Op == provider.OpNone && (len(added) > 0 || expiry != "") {
		c.Op = provider.OpUpdate
	}
	if c.Op == provider.OpCreate {
		details = []string{"location " + sa.Location, accountSettings(newAccount(sa))}
		if len(sa.Containers) > 0 {
			details = append(details, "containers: "+strings.Join(sa.Containers, ", "))
		}
		details = append(details, expiry, tagList(sa.Tags))
	}
	c.Detail = settings(details...)
	return c, nil
}

// accountSettings says what a new account is made with.
func accountSettings(a armstorage.AccountCreateParameters) string {
	s := fmt.Sprintf("%s %s, access tier %s, minimum %s", *a.Kind, *a.SKU.Name, *a.Properties.AccessTier, *a.Properties.MinimumTLSVersion)
	if boolv(a.Properties.EnableHTTPSTrafficOnly) {
		s += ", HTTPS only"
	}
	if !boolv(a.Properties.AllowBlobPublicAccess) {
		s += ", no public blob access"
	}
	return s
}

func newAccount(sa provider.StorageAccount) armstorage.AccountCreateParameters {
	return armstorage.AccountCreateParameters{
		Kind:     to.Ptr(armstorage.KindStorageV2),
		SKU:      &armstorage.SKU{Name: to.Ptr(armstorage.SKUNameStandardLRS)},
		Location: to.Ptr(sa.Location),
		Tags:     tagPtrs(sa.Tags),
		Properties: &armstorage.AccountPropertiesCreateParameters{
			AccessTier:             to.Ptr(armstorage.AccessTierHot),
			MinimumTLSVersion:      to.Ptr(armstorage.MinimumTLSVersionTLS12),
			AllowBlobPublicAccess:  to.Ptr(false),
			EnableHTTPSTrafficOnly: to.Ptr(true),
		},
	}
}

// ensureContainers creates the missing containers; absent: the account
// itself is still to be created (dry run), so all are missing.
func (p *Provider) ensureContainers(ctx context.Context, sa provider.StorageAccount, absent bool) ([]string, error) {
	var added []string
	names := slices.Clone(sa.Containers)
	sort.Strings(names)
	for _, name := range slices.Compact(names) {
		if !absent {
			_, err := p.containers.Get(ctx, sa.ResourceGroup, sa.Name, name, nil)
			if err == nil {
				continue
			}
			if !is404(err) {
				return added, p.wrap(err, "read storage container "+sa.Name+"/"+name, sa.Location)
			}
		}
		added = append(added, name)
		if p.dry {
			continue
		}
		body := armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{PublicAccess: to.Ptr(armstorage.PublicAccessNone)}}
		if _, err := p.containers.Create(ctx, sa.ResourceGroup, sa.Name, name, body, nil); err != nil {
			return added, p.wrap(err, "create storage container "+sa.Name+"/"+name, sa.Location)
		}
	}
	return added, nil
}

func checkExpiry(sa provider.StorageAccount) error {
	for _, e := range sa.Expiry {
		if e.Days < 1 || !strings.Contains(e.Prefix, "/") || strings.HasPrefix(e.Prefix, "/") {
			return fmt.Errorf("azure: storage account %s: blob expiry %q after %d days: the prefix must start with a container name and \"/\", the days must be at least 1", sa.Name, e.Prefix, e.Days)
		}
	}
	return nil
}

// expiryRule is the lifecycle rule of one BlobExpiry; its name is derived
// from the prefix so that the rules aura owns are recognised.
func expiryRule(e provider.BlobExpiry) *armstorage.ManagementPolicyRule {
	name := expiryRulePrefix + nonAlnumRE.ReplaceAllString(e.Prefix, "")
	return &armstorage.ManagementPolicyRule{
		Name: to.Ptr(name), Enabled: to.Ptr(true), Type: to.Ptr(armstorage.RuleTypeLifecycle),
		Definition: &armstorage.ManagementPolicyDefinition{
			Actions: &armstorage.ManagementPolicyAction{BaseBlob: &armstorage.ManagementPolicyBaseBlob{
				Delete: &armstorage.DateAfterModification{DaysAfterModificationGreaterThan: to.Ptr(float32(e.Days))},
			}},
			Filters: &armstorage.ManagementPolicyFilter{BlobTypes: []*string{to.Ptr("blockBlob")}, PrefixMatch: []*string{to.Ptr(e.Prefix)}},
		},
	}
}

// ruleKey is what aura owns of a rule: its name, prefix and days.
func ruleKey(r *armstorage.ManagementPolicyRule) string {
	var prefixes []string
	days := float32(-1)
	if d := r.Definition; d != nil {
		if d.Filters != nil {
			prefixes = strs(d.Filters.PrefixMatch)
		}
		if d.Actions != nil && d.Actions.BaseBlob != nil && d.Actions.BaseBlob.Delete != nil && d.Actions.BaseBlob.Delete.DaysAfterModificationGreaterThan != nil {
			days = *d.Actions.BaseBlob.Delete.DaysAfterModificationGreaterThan
		}
	}
	sort.Strings(prefixes)
	return fmt.Sprintf("%s %v %g %v", str(r.Name), prefixes, days, boolv(r.Enabled))
}

// ensureExpiry makes the account's lifecycle policy hold exactly the
// expiry rules of sa among those aura owns; it returns what it changed.
func (p *Provider) ensureExpiry(ctx context.Context, sa provider.StorageAccount, absent bool) (string, error) {
	what := "lifecycle policy of storage account " + sa.Name
	var have []*armstorage.ManagementPolicyRule
	if !absent {
		res, err := p.policies.Get(ctx, sa.ResourceGroup, sa.Name, armstorage.ManagementPolicyNameDefault, nil)
		switch {
		case is404(err):
		case err != nil:
			return "", p.wrap(err, "read "+what, sa.Location)
		case res.Properties != nil && res.Properties.Policy != nil:
			have = res.Properties.Policy.Rules
		}
	}
	var keep, ours []*armstorage.ManagementPolicyRule
	for _, r := range have {
		if strings.HasPrefix(str(r.Name), expiryRulePrefix) {
			ours = append(ours, r)
		} else {
			keep = append(keep, r)
		}
	}
	var want []*armstorage.ManagementPolicyRule
	for _, e := range sa.Expiry {
		want = append(want, expiryRule(e))
	}
	keys := func(rs []*armstorage.ManagementPolicyRule) []string {
		var k []string
		for _, r := range rs {
			k = append(k, ruleKey(r))
		}
		return k
	}
	if sameSet(keys(ours), keys(want)) {
		return "", nil
	}
	var days []string
	for _, e := range sa.Expiry {
		days = append(days, fmt.Sprintf("%s after %d days", e.Prefix, e.Days))
	}
	detail := "blob expiry: " + strings.Join(days, ", ")
	if len(days) == 0 {
		detail = "blob expiry removed"
	}
	if p.dry {
		return detail, nil
	}
	rules := append(keep, want...)
	if len(rules) == 0 {
		// Azure refuses a policy without rules: the policy goes instead.
		if _, err := p.policies.Delete(ctx, sa.ResourceGroup, sa.Name, armstorage.ManagementPolicyNameDefault, nil); err != nil && !is404(err) {
			return "", p.wrap(err, "delete "+what, sa.Location)
		}
		return detail, nil
	}
	body := armstorage.ManagementPolicy{Properties: &armstorage.ManagementPolicyProperties{Policy: &armstorage.ManagementPolicySchema{Rules: rules}}}
	if _, err := p.policies.CreateOrUpdate(ctx, sa.ResourceGroup, sa.Name, armstorage.ManagementPolicyNameDefault, body, nil); err != nil {
		return "", p.wrap(err, "update "+what, sa.Location)
	}
	return detail, nil
}

// DeleteStorageAccount implements provider.Provider.
func (p *Provider) DeleteStorageAccount(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindAccount, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "storage account " + ref.Name
	have, _, err := p.getAccount(ctx, ref.ResourceGroup, ref.Name)
	if err != nil || have == nil {
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	p.forgetBlobAccount(ref)
	if _, err := p.accounts.Delete(ctx, ref.ResourceGroup, ref.Name, nil); err != nil && !is404(err) {
		return c, p.wrap(err, "delete "+what, "")
	}
	return c, nil
}

// StorageAccountKey implements provider.Provider.
func (p *Provider) StorageAccountKey(ctx context.Context, ref provider.ResourceRef) (string, error) {
	if err := start(ctx); err != nil {
		return "", err
	}
	res, err := p.accounts.ListKeys(ctx, ref.ResourceGroup, ref.Name, nil)
	if err != nil {
		return "", p.wrap(err, "keys of storage account "+ref.Name, "")
	}
	for _, k := range res.Keys {
		if k != nil && str(k.Value) != "" {
			return *k.Value, nil
		}
	}
	return "", fmt.Errorf("azure: storage account %s has no key", ref.Name)
}

// Lifecycle rule names are alphanumeric only.
var nonAlnumRE = regexp.MustCompile(`[^A-Za-z0-9]+`)
