package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindVault = "key vault"
	kindKey   = "key vault key"
	// softDeleteDays is how long a deleted vault can be recovered (and, with
	// purge protection, how long its name stays taken).
	softDeleteDays = 90
)

func (p *Provider) getVault(ctx context.Context, rg, name string) (*armkeyvault.Vault, string, error) {
	res, err := p.vaults.Get(ctx, rg, name, nil)
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
	return &res.Vault, st, nil
}

// vaultDrift names what aura owns that a vault lacks: soft delete, purge
// protection (the customer-managed keys of Confidential Computing need
// both), RBAC authorization, the config's tags.
func vaultDrift(v *armkeyvault.Vault, tags map[string]string) []string {
	var d []string
	pr := v.Properties
	if pr == nil {
		pr = &armkeyvault.VaultProperties{}
	}
	if pr.EnableSoftDelete != nil && !*pr.EnableSoftDelete {
		d = append(d, "soft delete")
	}
	if !boolv(pr.EnablePurgeProtection) {
		d = append(d, "purge protection")
	}
	if !boolv(pr.EnableRbacAuthorization) {
		d = append(d, "rbac authorization")
	}
	if !tagsCover(v.Tags, tags) {
		d = append(d, "tags")
	}
	return d
}

// EnsureKeyVault implements provider.Provider. A vault of this name that
// was deleted (and is kept by soft delete) is recovered, not recreated.
func (p *Provider) EnsureKeyVault(ctx context.Context, kv provider.KeyVault) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindVault, Name: kv.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "key vault " + kv.Name
	key := tokenKey("vault", "put", kv.ResourceGroup, kv.Name)
	var body armkeyvault.VaultCreateOrUpdateParameters
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.vaults.BeginCreateOrUpdate(ctx, kv.ResourceGroup, kv.Name, body, &armkeyvault.VaultsClientBeginCreateOrUpdateOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); err != nil {
		return c, p.wrap(err, "create "+what, kv.Location)
	} else if found {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armkeyvault.Vault, string, error) {
		return p.getVault(ctx, kv.ResourceGroup, kv.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, kv.Location)
	}
	if have == nil {
		c.Op = provider.OpCreate
		body = armkeyvault.VaultCreateOrUpdateParameters{Location: to.Ptr(kv.Location), Tags: tagPtrs(kv.Tags), Properties: &armkeyvault.VaultProperties{
			TenantID:                  to.Ptr(p.opts.TenantID),
			SKU:                       &armkeyvault.SKU{Family: to.Ptr(armkeyvault.SKUFamilyA), Name: to.Ptr(armkeyvault.SKUNameStandard)},
			EnableSoftDelete:          to.Ptr(true),
			SoftDeleteRetentionInDays: to.Ptr(int32(softDeleteDays)),
			EnablePurgeProtection:     to.Ptr(true),
			EnableRbacAuthorization:   to.Ptr(true),
			EnabledForDiskEncryption:  to.Ptr(true),
			AccessPolicies:            []*armkeyvault.AccessPolicyEntry{},
		}}
		c.Detail = settings("location "+kv.Location, vaultSettings(body.Properties), tagList(kv.Tags))
		deleted, err := p.vaults.GetDeleted(ctx, kv.Name, kv.Location, nil)
		switch {
		case err == nil && deleted.Properties != nil:
			body.Properties.CreateMode = to.Ptr(armkeyvault.CreateModeRecover)
			c.Detail = "recovered from soft delete"
		case err != nil && !is404(err):
			return c, p.wrap(err, "read deleted "+what, kv.Location)
		}
	} else {
		d := vaultDrift(have, kv.Tags)
		if len(d) == 0 {
			return c, nil
		}
		c.Op, c.Detail = provider.OpUpdate, changed(d)
		pr := *have.Properties
		pr.ProvisioningState, pr.VaultURI = nil, nil
		pr.EnableSoftDelete, pr.EnablePurgeProtection, pr.EnableRbacAuthorization = to.Ptr(true), to.Ptr(true), to.Ptr(true)
		body = armkeyvault.VaultCreateOrUpdateParameters{Location: have.Location, Tags: withTags(have.Tags, kv.Tags), Properties: &pr}
	}
	if p.dry {
		return c, nil
	}
	return c, p.wrap(run(ctx, p, key, c.Op, begin), string(c.Op)+" "+what, kv.Location)
}

// vaultSettings says what a new vault is made with.
func vaultSettings(pr *armkeyvault.VaultProperties) string {
	s := fmt.Sprintf("SKU %s", *pr.SKU.Name)
	if boolv(pr.EnableSoftDelete) {
		s += fmt.Sprintf(", soft delete %d days", i32(pr.SoftDeleteRetentionInDays))
	}
	if boolv(pr.EnablePurgeProtection) {
		s += ", purge protection"
	}
	if boolv(pr.EnableRbacAuthorization) {
		s += ", RBAC authorization"
	}
	if boolv(pr.EnabledForDiskEncryption) {
		s += ", for disk encryption"
	}
	return s
}

// DeleteKeyVault implements provider.Provider. Azure keeps the deleted vault
// (soft delete, purge protection) for 90 days; EnsureKeyVault recovers it.
func (p *Provider) DeleteKeyVault(ctx context.Context, ref provider.VaultRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindVault, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "key vault " + ref.Name
	have, _, err := p.getVault(ctx, ref.ResourceGroup, ref.Name)
	if err != nil || have == nil {
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op, c.Detail = provider.OpDelete, fmt.Sprintf("soft-deleted: recoverable for %d days, its name stays taken", softDeleteDays)
	if p.dry {
		return c, nil
	}
	if _, err := p.vaults.Delete(ctx, ref.ResourceGroup, ref.Name, nil); err != nil && !is404(err) {
		return c, p.wrap(err, "delete "+what, "")
	}
	return c, nil
}

func keyOf(k *armkeyvault.Key) provider.VaultKey {
	v := provider.VaultKey{Name: str(k.Name)}
	if pr := k.Properties; pr != nil {
		if pr.Kty != nil {
			v.Type = string(*pr.Kty)
		}
		v.Size = i32(pr.KeySize)
		v.ID = str(pr.KeyURIWithVersion)
	}
	return v
}

// EnsureKey implements provider.Provider, through ARM (Contributor may
// create keys; no data-plane role is needed).
func (p *Provider) EnsureKey(ctx context.Context, ref provider.VaultRef, key provider.VaultKey) (provider.Change, error) {
	key = key.WithDefaults()
	c := provider.Change{Op: provider.OpNone, Kind: kindKey, Name: ref.Name + "/" + key.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "key vault key " + ref.Name + "/" + key.Name
	res, err := p.keys.Get(ctx, ref.ResourceGroup, ref.Name, key.Name, nil)
	switch {
	case err == nil:
		have := keyOf(&res.Key)
		if have.Type != key.Type || have.Size != key.Size {
			return c, fmt.Errorf("azure: %s is %s-%d, aura wants %s-%d: a key cannot change type or size; create a key of another name",
				what, have.Type, have.Size, key.Type, key.Size)
		}
		return c, nil
	case !is404(err):
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op, c.Detail = provider.OpCreate, fmt.Sprintf("%s-%d", key.Type, key.Size)
	if p.dry {
		return c, nil
	}
	body := armkeyvault.KeyCreateParameters{Properties: &armkeyvault.KeyProperties{
		Kty:     to.Ptr(armkeyvault.JSONWebKeyType(key.Type)),
		KeySize: to.Ptr(int32(key.Size)),
		KeyOps:  []*armkeyvault.JSONWebKeyOperation{to.Ptr(armkeyvault.JSONWebKeyOperationWrapKey), to.Ptr(armkeyvault.JSONWebKeyOperationUnwrapKey)},
	}}
	_, err = p.keys.CreateIfNotExist(ctx, ref.ResourceGroup, ref.Name, key.Name, body, nil)
	return c, p.wrap(err, "create "+what, "")
}

// GetKey implements provider.Provider.
func (p *Provider) GetKey(ctx context.Context, ref provider.VaultRef, name string) (provider.VaultKey, error) {
	if err := start(ctx); err != nil {
		return provider.VaultKey{}, err
	}
	res, err := p.keys.Get(ctx, ref.ResourceGroup, ref.Name, name, nil)
	if err != nil {
		return provider.VaultKey{}, p.wrap(err, "read key vault key "+ref.Name+"/"+name, "")
	}
	return keyOf(&res.Key), nil
}
