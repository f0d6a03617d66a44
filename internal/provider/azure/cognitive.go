package azure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/cognitiveservices/armcognitiveservices/v2"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindAI = "ai service"
	// defaultDeploymentSKU is the regional pay-as-you-go deployment type.
	defaultDeploymentSKU = "Standard"
)

// aiKind is how Azure names a kind of account, and the SKU aura gives it
// when the config names none.
type aiKind struct{ kind, sku string }

var aiKinds = map[provider.AIKind]aiKind{
	// CLU is a feature of the Language service, whose kind is TextAnalytics.
	provider.AIKindCLU:    {kind: "TextAnalytics", sku: "S"},
	provider.AIKindOpenAI: {kind: "OpenAI", sku: "S0"},
}

func (p *Provider) getAIAccount(ctx context.Context, rg, name string) (*armcognitiveservices.Account, string, error) {
	res, err := p.aiAccounts.Get(ctx, rg, name, nil)
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

func (p *Provider) getDeployment(ctx context.Context, rg, account, name string) (*armcognitiveservices.Deployment, string, error) {
	res, err := p.aiModels.Get(ctx, rg, account, name, nil)
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
	return &res.Deployment, st, nil
}

// normalRange spells a single address the way Azure keeps it (no /32),
// so a range given either way compares equal.
func normalRange(r string) string { return strings.TrimSuffix(strings.TrimSpace(r), "/32") }

func normalRanges(rs []string) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if n := normalRange(r); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// networkRules deny everything but the allowed ranges: the guide's "CLU
// resource will just be allowed from the cluster IP" plus the config's.
func networkRules(ranges []string) *armcognitiveservices.NetworkRuleSet {
	rules := &armcognitiveservices.NetworkRuleSet{DefaultAction: to.Ptr(armcognitiveservices.NetworkRuleActionDeny), IPRules: []*armcognitiveservices.IPRule{}}
	for _, r := range normalRanges(ranges) {
		rules.IPRules = append(rules.IPRules, &armcognitiveservices.IPRule{Value: to.Ptr(r)})
	}
	return rules
}

func aiAccountRanges(a *armcognitiveservices.Account) (deny bool, ranges []string) {
	if a.Properties == nil || a.Properties.NetworkACLs == nil {
		return false, nil
	}
	acl := a.Properties.NetworkACLs
	for _, r := range acl.IPRules {
		if r != nil {
			ranges = append(ranges, normalRange(str(r.Value)))
		}
	}
	return acl.DefaultAction != nil && *acl.DefaultAction == armcognitiveservices.NetworkRuleActionDeny, ranges
}

func checkAIService(ai provider.AIService) (aiKind, error) {
	k, ok := aiKinds[ai.Kind]
	if !ok {
		return k, fmt.Errorf("azure: ai service %s: kind %q is not %q or %q", ai.Name, ai.Kind, provider.AIKindCLU, provider.AIKindOpenAI)
	}
	if ai.Location == "" {
		return k, fmt.Errorf("azure: ai service %s: no location (azure_region)", ai.Name)
	}
	if ai.Kind != provider.AIKindOpenAI && len(ai.Deployments) > 0 {
		return k, fmt.Errorf("azure: ai service %s: only OpenAI accounts have model deployments", ai.Name)
	}
	for _, d := range ai.Deployments {
		if d.Name == "" || d.Model == "" || d.Capacity < 1 {
			return k, fmt.Errorf("azure: ai service %s: deployment %q needs a name, a model and a capacity of at least 1 (model %q, capacity %d)", ai.Name, d.Name, d.Model, d.Capacity)
		}
	}
	if ai.SKU != "" {
		k.sku = ai.SKU
	}
	return k, nil
}

func (p *Provider) newAccount(ai provider.AIService, k aiKind) armcognitiveservices.Account {
	return armcognitiveservices.Account{
		Kind:     to.Ptr(k.kind),
		Location: to.Ptr(ai.Location),
		SKU:      &armcognitiveservices.SKU{Name: to.Ptr(k.sku)},
		Tags:     tagPtrs(ai.Tags),
		Properties: &armcognitiveservices.AccountProperties{
			// Network rules and Entra sign-in need the account's own
			// subdomain; Azure sets it at creation only.
			CustomSubDomainName: to.Ptr(ai.Name),
			PublicNetworkAccess: to.Ptr(armcognitiveservices.PublicNetworkAccessEnabled),
			NetworkACLs:         networkRules(ai.AllowedRanges),
		},
	}
}

// aiAccountDrift names what differs of what aura owns (SKU, network rules,
// tags) and sets it in have, which becomes the PUT body.
func aiAccountDrift(have *armcognitiveservices.Account, ai provider.AIService, k aiKind) []string {
	var d []string
	if have.SKU == nil || !strings.EqualFold(str(have.SKU.Name), k.sku) {
		cur := ""
		if have.SKU != nil {
			cur = str(have.SKU.Name)
		}
		d = append(d, fmt.Sprintf("sku %s → %s", cur, k.sku))
		have.SKU = &armcognitiveservices.SKU{Name: to.Ptr(k.sku)}
	}
	if deny, ranges := aiAccountRanges(have); !deny || !sameSet(ranges, normalRanges(ai.AllowedRanges)) {
		d = append(d, fmt.Sprintf("allowed ranges [%s] → [%s]", strings.Join(ranges, " "), strings.Join(normalRanges(ai.AllowedRanges), " ")))
		if have.Properties == nil {
			have.Properties = &armcognitiveservices.AccountProperties{}
		}
		acl := networkRules(ai.AllowedRanges)
		if old := have.Properties.NetworkACLs; old != nil {
			// Virtual network rules are not aura's.
			acl.VirtualNetworkRules, acl.Bypass = old.VirtualNetworkRules, old.Bypass
		}
		have.Properties.NetworkACLs = acl
	}
	if !tagsCover(have.Tags, ai.Tags) {
		d = append(d, "tags")
		have.Tags = withTags(have.Tags, ai.Tags)
	}
	return d
}

// aiAccountBody is the PUT body of an existing account: what Azure holds
// without what only Azure sets.
func aiAccountBody(have *armcognitiveservices.Account) armcognitiveservices.Account {
	body := *have
	body.ID, body.Name, body.Type, body.Etag, body.SystemData = nil, nil, nil, nil, nil
	if have.Properties != nil {
		pr := *have.Properties
		pr.AbusePenalty, pr.CallRateLimit, pr.Capabilities, pr.CommitmentPlanAssociations = nil, nil, nil, nil
		pr.DateCreated, pr.DeletionDate, pr.Endpoint, pr.Endpoints, pr.InternalID = nil, nil, nil, nil, nil
		pr.IsMigrated, pr.PrivateEndpointConnections, pr.ProvisioningState, pr.QuotaLimit = nil, nil, nil, nil
		pr.SKUChangeInfo, pr.ScheduledPurgeDate = nil, nil
		body.Properties = &pr
	}
	return body
}

func deploymentSKU(d provider.AIDeployment) string {
	if d.SKU == "" {
		return defaultDeploymentSKU
	}
	return d.SKU
}

func deploymentSettings(d provider.AIDeployment) string {
	s := "model " + d.Model
	if d.Version != "" {
		s += " " + d.Version
	}
	return fmt.Sprintf("%s, %s capacity %d", s, deploymentSKU(d), d.Capacity)
}

func newDeployment(d provider.AIDeployment) armcognitiveservices.Deployment {
	m := &armcognitiveservices.DeploymentModel{Format: to.Ptr("OpenAI"), Name: to.Ptr(d.Model)}
	if d.Version != "" {
		m.Version = to.Ptr(d.Version)
	}
	return armcognitiveservices.Deployment{
		SKU:        &armcognitiveservices.SKU{Name: to.Ptr(deploymentSKU(d)), Capacity: to.Ptr(int32(d.Capacity))},
		Properties: &armcognitiveservices.DeploymentProperties{Model: m},
	}
}

// deploymentDrift names what differs of the model, version, type and
// capacity, and sets it in have, which becomes the PUT body.
func deploymentDrift(have *armcognitiveservices.Deployment, d provider.AIDeployment) []string {
	var out []string
	if have.Properties == nil {
		have.Properties = &armcognitiveservices.DeploymentProperties{}
	}
	pr := have.Properties
	if pr.Model == nil {
		pr.Model = &armcognitiveservices.DeploymentModel{Format: to.Ptr("OpenAI")}
	}
	if str(pr.Model.Name) != d.Model || (d.Version != "" && str(pr.Model.Version) != d.Version) {
		out = append(out, fmt.Sprintf("model %s %s → %s %s", str(pr.Model.Name), str(pr.Model.Version), d.Model, d.Version))
		pr.Model.Name = to.Ptr(d.Model)
		if d.Version != "" {
			pr.Model.Version = to.Ptr(d.Version)
		}
	}
	var sku, capacity = "", 0
	if have.SKU != nil {
		sku, capacity = str(have.SKU.Name), i32(have.SKU.Capacity)
	}
	if !strings.EqualFold(sku, deploymentSKU(d)) || capacity != d.Capacity {
		out = append(out, fmt.Sprintf("%s capacity %d → %s capacity %d", sku, capacity, deploymentSKU(d), d.Capacity))
		have.SKU = &armcognitiveservices.SKU{Name: to.Ptr(deploymentSKU(d)), Capacity: to.Ptr(int32(d.Capacity))}
	}
	if len(out) > 0 {
		have.ID, have.Name, have.Type, have.Etag, have.SystemData = nil, nil, nil, nil, nil
		pr.ProvisioningState, pr.RateLimits, pr.Capabilities, pr.CallRateLimit = nil, nil, nil, nil
		if pr.ScaleSettings != nil {
			pr.ScaleSettings.ActiveCapacity = nil
		}
	}
	return out
}

func (p *Provider) aiKey(op string, rg, name string, extra ...string) string {
	return tokenKey(append([]string{"cognitive", op, rg, name}, extra...)...)
}

// EnsureAIService implements provider.Provider: the account with its SKU,
// network rules and tags, then, one at a time (Azure runs one operation
// per account), each model deployment. Deployments the service does not
// list are kept: someone made them by hand and may use them.
func (p *Provider) EnsureAIService(ctx context.Context, ai provider.AIService) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindAI, Name: ai.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	k, err := checkAIService(ai)
	if err != nil {
		return c, err
	}
	what := "ai service " + ai.Name
	var details []string
	note := func(op provider.Op, d string) {
		if c.Op == provider.OpNone || (c.Op == provider.OpUpdate && op == provider.OpCreate) {
			c.Op = op
		}
		if d != "" {
			details = append(details, d)
		}
	}
	key := p.aiKey("put", ai.ResourceGroup, ai.Name)
	var body armcognitiveservices.Account
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.aiAccounts.BeginCreate(ctx, ai.ResourceGroup, ai.Name, body, &armcognitiveservices.AccountsClientBeginCreateOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); err != nil {
		return c, p.wrap(err, "create or update "+what, ai.Location)
	} else if found {
		note(op, "resumed an operation an earlier run started")
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armcognitiveservices.Account, string, error) {
		return p.getAIAccount(ctx, ai.ResourceGroup, ai.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, ai.Location)
	}
	if have == nil {
		body = p.newAccount(ai, k)
		restore := ""
		if _, err := p.aiDeleted.Get(ctx, ai.Location, ai.ResourceGroup, ai.Name, nil); err == nil {
			// Azure keeps a deleted account for 48 hours and refuses a new
			// one of its name meanwhile: bring it back instead.
			body.Properties.Restore = to.Ptr(true)
			restore = "restores the account deleted earlier"
		} else if !is404(err) {
			return c, p.wrap(err, "read the deleted accounts for "+what, ai.Location)
		}
		note(provider.OpCreate, settings(k.kind, "SKU "+k.sku, "location "+ai.Location,
			"allowed ranges "+strings.Join(normalRanges(ai.AllowedRanges), " "), restore, tagList(ai.Tags)))
		if !p.dry {
			if err := run(ctx, p, key, provider.OpCreate, begin); err != nil {
				return c, p.wrap(err, "create "+what, ai.Location)
			}
		}
	} else {
		if !strings.EqualFold(str(have.Kind), k.kind) {
			return c, fmt.Errorf("azure: %s is a %s account, aura wants %s: an account's kind cannot change; delete it (delete_core --full) or rename it", what, str(have.Kind), k.kind)
		}
		if d := aiAccountDrift(have, ai, k); len(d) > 0 {
			note(provider.OpUpdate, changed(d))
			body = aiAccountBody(have)
			if !p.dry {
				if err := run(ctx, p, key, provider.OpUpdate, begin); err != nil {
					return c, p.wrap(err, "update "+what, ai.Location)
				}
			}
		}
	}
	for _, d := range ai.Deployments {
		op, detail, err := p.ensureDeployment(ctx, ai, d)
		if err != nil {
			return c, err
		}
		if op != provider.OpNone {
			note(provider.OpUpdate, detail)
		}
	}
	c.Detail = strings.Join(details, "; ")
	return c, nil
}

func (p *Provider) ensureDeployment(ctx context.Context, ai provider.AIService, d provider.AIDeployment) (provider.Op, string, error) {
	what := fmt.Sprintf("deployment %s (%s) of ai service %s", d.Name, deploymentSettings(d), ai.Name)
	key := p.aiKey("deployment", ai.ResourceGroup, ai.Name, d.Name)
	var body armcognitiveservices.Deployment
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.aiModels.BeginCreateOrUpdate(ctx, ai.ResourceGroup, ai.Name, d.Name, body, &armcognitiveservices.DeploymentsClientBeginCreateOrUpdateOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); err != nil {
		return "", "", p.aiWrap(err, "create or update "+what, ai.Location)
	} else if found {
		return op, "deployment " + d.Name + ": resumed an operation an earlier run started", nil
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armcognitiveservices.Deployment, string, error) {
		return p.getDeployment(ctx, ai.ResourceGroup, ai.Name, d.Name)
	})
	if err != nil {
		return "", "", p.aiWrap(err, "read "+what, ai.Location)
	}
	op, detail := provider.OpCreate, "deployment "+d.Name+": "+deploymentSettings(d)
	if have == nil {
		body = newDeployment(d)
	} else {
		diff := deploymentDrift(have, d)
		if len(diff) == 0 {
			return provider.OpNone, "", nil
		}
		op, detail, body = provider.OpUpdate, "deployment "+d.Name+": "+strings.Join(diff, ", "), *have
	}
	if p.dry {
		return op, detail, nil
	}
	return op, detail, p.aiWrap(run(ctx, p, key, op, begin), string(op)+" "+what, ai.Location)
}

// aiWrap explains a refused deployment: quota is per model and region,
// not the VM quota the generic hint speaks of.
func (p *Provider) aiWrap(err error, what, region string) error {
	err = p.wrap(err, what, region)
	var e *Error
	if errors.As(err, &e) && (quotaCodes[e.Code] || e.Code == "InsufficientQuota" || strings.Contains(strings.ToLower(e.Msg), "quota")) {
		e.Hint = "the subscription's Azure OpenAI quota for this model in region " + region +
			" is too small: ask for more (Azure AI Foundry → Quotas) or choose another azure_region; the model deployments and their capacities come from the release manifest (openai_deployments)"
	}
	return err
}

// softDeletedAccount finds a deleted, not yet purged account of that
// group and name, and its location (which its purge needs).
func (p *Provider) softDeletedAccount(ctx context.Context, ref provider.ResourceRef) (string, bool, error) {
	pager := p.aiDeleted.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", false, err
		}
		for _, a := range page.Value {
			if a != nil && strings.EqualFold(str(a.Name), ref.Name) &&
				strings.Contains(strings.ToLower(str(a.ID)), "/resourcegroups/"+strings.ToLower(ref.ResourceGroup)+"/") {
				return str(a.Location), true, nil
			}
		}
	}
	return "", false, nil
}

// AIServiceKeys implements provider.Provider: the account's endpoint and
// its first key.
func (p *Provider) AIServiceKeys(ctx context.Context, ref provider.ResourceRef) (provider.AIKeys, error) {
	if err := start(ctx); err != nil {
		return provider.AIKeys{}, err
	}
	what := "keys of ai service " + ref.Name
	have, _, err := p.getAIAccount(ctx, ref.ResourceGroup, ref.Name)
	if err != nil {
		return provider.AIKeys{}, p.wrap(err, what, "")
	}
	if have == nil {
		return provider.AIKeys{}, fmt.Errorf("azure: %s: account %w", what, provider.ErrNotFound)
	}
	keys, err := p.aiAccounts.ListKeys(ctx, ref.ResourceGroup, ref.Name, nil)
	if err != nil {
		return provider.AIKeys{}, p.wrap(err, what, "")
	}
	if have.Properties == nil || str(have.Properties.Endpoint) == "" || str(keys.Key1) == "" {
		return provider.AIKeys{}, fmt.Errorf("azure: %s: Azure gave no endpoint or key (yet)", what)
	}
	return provider.AIKeys{Endpoint: *have.Properties.Endpoint, Key: *keys.Key1}, nil
}

// DeleteAIService implements provider.Provider: the account and its
// deployments, then its purge, so nothing is left holding the name or
// the model quota (Azure keeps deleted accounts for 48 hours otherwise).
func (p *Provider) DeleteAIService(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindAI, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "ai service " + ref.Name
	key, purgeKey := p.aiKey("delete", ref.ResourceGroup, ref.Name), p.aiKey("purge", ref.ResourceGroup, ref.Name)
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.aiAccounts.BeginDelete(ctx, ref.ResourceGroup, ref.Name, &armcognitiveservices.AccountsClientBeginDeleteOptions{ResumeToken: tok}))
	}
	var location string
	purge := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.aiDeleted.BeginPurge(ctx, location, ref.ResourceGroup, ref.Name, &armcognitiveservices.DeletedAccountsClientBeginPurgeOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); err != nil {
		return c, p.wrap(err, "delete "+what, "")
	} else if found {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
	}
	if op, found, err := resume(ctx, p, purgeKey, purge); err != nil {
		return c, p.wrap(err, "purge "+what, "")
	} else if found {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armcognitiveservices.Account, string, error) {
		return p.getAIAccount(ctx, ref.ResourceGroup, ref.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, "")
	}
	if have == nil {
		// Deleted by an earlier run that stopped before the purge, or by
		// hand: the purge is still due.
		loc, found, err := p.softDeletedAccount(ctx, ref)
		if err != nil || !found {
			return c, p.wrap(err, "read the deleted accounts for "+what, "")
		}
		location = loc
		c.Op, c.Detail = provider.OpDelete, "purge the account deleted earlier"
		if p.dry {
			return c, nil
		}
		return c, p.wrap(run(ctx, p, purgeKey, c.Op, purge), "purge "+what, location)
	}
	location = str(have.Location)
	c.Op, c.Detail = provider.OpDelete, "and purge it"
	if p.dry {
		return c, nil
	}
	if err := run(ctx, p, key, c.Op, begin); err != nil {
		return c, p.wrap(err, "delete "+what, location)
	}
	return c, p.wrap(run(ctx, p, purgeKey, c.Op, purge), "purge "+what, location)
}
