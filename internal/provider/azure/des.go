package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	// The disk encryption set is read and written through the generic
	// resources client: armcompute would cost minutes of compile time for
	// one resource type.
	desAPIVersion = "2023-04-02"
	// desRole lets the disk encryption set's identity wrap and unwrap keys.
	desRole = "Key Vault Crypto Service Encryption User"
)

func (p *Provider) desID(ref provider.ClusterRef) string {
	return p.groupID(ref.ResourceGroup) + "/providers/Microsoft.Compute/diskEncryptionSets/" + ref.Name + "-des"
}

func vaultID(p *Provider, v provider.VaultRef) string {
	return p.groupID(v.ResourceGroup) + "/providers/Microsoft.KeyVault/vaults/" + v.Name
}

// desKeyURL is the key a disk encryption set encrypts with.
func desKeyURL(r *armresources.GenericResource) string {
	props, _ := r.Properties.(map[string]any)
	active, _ := props["activeKey"].(map[string]any)
	u, _ := active["keyUrl"].(string)
	return u
}

// ensureDiskEncryptionSet makes the cluster's disk encryption set use the
// customer-managed key (enable_customer_key_encryption) and lets its
// identity use the key. It returns the set's ID ("" without a key) and what
// it changed.
func (p *Provider) ensureDiskEncryptionSet(ctx context.Context, spec provider.ClusterSpec) (string, string, error) {
	cmk := spec.CustomerManagedKey
	if cmk == nil {
		return "", "", nil
	}
	id := p.desID(spec.Ref())
	what := "disk encryption set of cluster " + spec.Name
	key, err := p.GetKey(ctx, cmk.Vault, cmk.Key)
	if provider.IsNotFound(err) && p.dry {
		return id, "create " + what + " (once key " + cmk.Key + " exists)", nil
	}
	if err != nil {
		return "", "", err
	}
	have, err := p.resources.GetByID(ctx, id, desAPIVersion, nil)
	var detail string
	switch {
	case is404(err):
		detail = "create " + what
	case err != nil:
		return "", "", p.wrap(err, "read "+what, spec.Location)
	case desKeyURL(&have.GenericResource) != key.ID:
		detail = "update " + what + " to key version " + key.ID
	}
	if detail != "" {
		if p.dry {
			return id, detail, nil
		}
		body := armresources.GenericResource{
			Location: to.Ptr(spec.Location),
			Tags:     tagPtrs(spec.Tags),
			Identity: &armresources.Identity{Type: to.Ptr(armresources.ResourceIdentityTypeSystemAssigned)},
			Properties: map[string]any{
				"encryptionType": "EncryptionAtRestWithCustomerKey",
				"activeKey":      map[string]any{"keyUrl": key.ID, "sourceVault": map[string]any{"id": vaultID(p, cmk.Vault)}},
			},
		}
		key := tokenKey("des", "put", spec.ResourceGroup, spec.Name)
		begin := func(ctx context.Context, tok string) (operation, error) {
			return begun(p.resources.BeginCreateOrUpdateByID(ctx, id, desAPIVersion, body, &armresources.ClientBeginCreateOrUpdateByIDOptions{ResumeToken: tok}))
		}
		if err := run(ctx, p, key, provider.OpUpdate, begin); err != nil {
			return "", "", p.wrap(err, detail, spec.Location)
		}
		if have, err = p.resources.GetByID(ctx, id, desAPIVersion, nil); err != nil {
			return "", "", p.wrap(err, "read "+what, spec.Location)
		}
	}
	if have.Identity == nil || str(have.Identity.PrincipalID) == "" {
		if p.dry {
			return id, detail, nil
		}
		return "", "", fmt.Errorf("azure: %s has no managed identity", what)
	}
	op, err := p.ensureAssignment(ctx, vaultID(p, cmk.Vault), desRole, *have.Identity.PrincipalID, desRole+" for "+what)
	if err != nil {
		return "", "", err
	}
	if op != provider.OpNone && detail == "" {
		detail = "grant " + what + " the " + desRole + " role on key vault " + cmk.Vault.Name
	}
	return id, detail, nil
}

// deleteDiskEncryptionSet removes the cluster's set, if it has one, once
// the cluster is gone.
func (p *Provider) deleteDiskEncryptionSet(ctx context.Context, ref provider.ClusterRef) error {
	id := p.desID(ref)
	if _, err := p.resources.GetByID(ctx, id, desAPIVersion, nil); is404(err) {
		return nil
	} else if err != nil {
		return err
	}
	key := tokenKey("des", "delete", ref.ResourceGroup, ref.Name)
	return run(ctx, p, key, provider.OpDelete, func(ctx context.Context, tok string) (operation, error) {
		return begun(p.resources.BeginDeleteByID(ctx, id, desAPIVersion, &armresources.ClientBeginDeleteByIDOptions{ResumeToken: tok}))
	})
}
