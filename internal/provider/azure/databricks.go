package azure

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindDatabricks = "databricks workspace"
	// Customer-managed keys and infrastructure encryption need the premium tier.
	databricksSKU = "premium"

	keyDBXInfra    = "databricks_requireInfrastructureEncryption"
	keyDBXCMK      = "enable_customer_key_databricks_encryption"
	keyDBXSecurity = "databricks_enhanced_security_compliance"
)

func (p *Provider) getWorkspace(ctx context.Context, rg, name string) (*armdatabricks.Workspace, string, error) {
	res, err := p.workspaces.Get(ctx, rg, name, nil)
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
	return &res.Workspace, st, nil
}

// databricksKey is the Databricks encryption of a key vault key: Databricks
// takes the vault's URI, the key's name and its version apart.
func (p *Provider) databricksKey(ctx context.Context, ref *provider.KeyRef) (*armdatabricks.Encryption, error) {
	enc := &armdatabricks.Encryption{KeySource: to.Ptr(armdatabricks.KeySourceMicrosoftKeyvault), KeyName: to.Ptr(ref.Key)}
	k, err := p.GetKey(ctx, ref.Vault, ref.Key)
	if provider.IsNotFound(err) && p.dry {
		// Planned before deploy_common made the key: its URI is not known yet.
		return enc, nil
	}
	if err != nil {
		return nil, err
	}
	// https://VAULT.vault.azure.net/keys/NAME/VERSION
	u, perr := url.Parse(k.ID)
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if perr != nil || len(parts) != 3 || parts[0] != "keys" {
		return nil, fmt.Errorf("azure: key vault key %s/%s: its URI %q is not https://VAULT/keys/NAME/VERSION", ref.Vault.Name, ref.Key, k.ID)
	}
	enc.KeyVaultURI = to.Ptr(u.Scheme + "://" + u.Host + "/")
	enc.KeyVersion = to.Ptr(parts[2])
	return enc, nil
}

// workspaceEncryption is the customer-managed key a workspace holds, or nil.
func workspaceEncryption(w *armdatabricks.Workspace) *armdatabricks.Encryption {
	if w.Properties == nil || w.Properties.Parameters == nil || w.Properties.Parameters.Encryption == nil {
		return nil
	}
	e := w.Properties.Parameters.Encryption.Value
	if e == nil || e.KeySource == nil || !strings.EqualFold(string(*e.KeySource), string(armdatabricks.KeySourceMicrosoftKeyvault)) {
		return nil
	}
	return e
}

func workspaceInfraEncryption(w *armdatabricks.Workspace) bool {
	if w.Properties == nil || w.Properties.Parameters == nil || w.Properties.Parameters.RequireInfrastructureEncryption == nil {
		return false
	}
	return boolv(w.Properties.Parameters.RequireInfrastructureEncryption.Value)
}

// workspacePrepared: the workspace's storage has the identity a
// customer-managed key is used with (set at creation when aura makes it
// with a key; the key itself is set once that identity may use it).
func workspacePrepared(w *armdatabricks.Workspace) bool {
	return w.Properties != nil && w.Properties.Parameters != nil && w.Properties.Parameters.PrepareEncryption != nil &&
		boolv(w.Properties.Parameters.PrepareEncryption.Value)
}

func sameVault(a, b *string) bool {
	return strings.EqualFold(strings.TrimSuffix(str(a), "/"), strings.TrimSuffix(str(b), "/"))
}

// workspaceImmutable refuses a config that would change what a workspace
// keeps from its creation (guide, "Enable Confidential Computing
// Databricks": these settings cannot be disabled once the workspace has
// been created), naming the config key, before anything is written.
func workspaceImmutable(have *armdatabricks.Workspace, ws provider.DatabricksWorkspace, want *armdatabricks.Encryption, wantMRG string) error {
	what := "azure: databricks workspace " + ws.Name
	if hi := workspaceInfraEncryption(have); hi != ws.RequireInfrastructureEncryption {
		if hi {
			return fmt.Errorf("%s was created with infrastructure encryption; %s: false would turn it off, which Azure cannot do once the workspace exists: set %s back to true (or delete the workspace to recreate it without)", what, keyDBXInfra, keyDBXInfra)
		}
		return fmt.Errorf("%s was created without infrastructure encryption; %s: true cannot be applied to an existing workspace: set %s back to false (or delete the workspace to recreate it with it)", what, keyDBXInfra, keyDBXInfra)
	}
	he := workspaceEncryption(have)
	switch {
	case he != nil && want == nil:
		return fmt.Errorf("%s is encrypted with the customer-managed key %s; %s: false would turn it off, which cannot be done once the workspace exists: set %s back to true", what, str(he.KeyName), keyDBXCMK, keyDBXCMK)
	case he == nil && want != nil && !workspacePrepared(have):
		return fmt.Errorf("%s was created without a customer-managed key; %s: true cannot be applied to an existing workspace: set %s back to false (or delete the workspace to recreate it with the key)", what, keyDBXCMK, keyDBXCMK)
	case he != nil && (!strings.EqualFold(str(he.KeyName), str(want.KeyName)) || (want.KeyVaultURI != nil && !sameVault(he.KeyVaultURI, want.KeyVaultURI))):
		return fmt.Errorf("%s is encrypted with the key %s of %s, %s names the key %s of %s: the workspace's key cannot be changed by aura", what, str(he.KeyName), str(he.KeyVaultURI), keyDBXCMK, str(want.KeyName), str(want.KeyVaultURI))
	}
	if have.Properties != nil && !strings.EqualFold(str(have.Properties.ManagedResourceGroupID), wantMRG) {
		return fmt.Errorf("%s has the managed resource group %s, aura wants %s: a workspace's managed resource group cannot change", what, str(have.Properties.ManagedResourceGroupID), wantMRG)
	}
	return nil
}

// workspaceDrift names what aura owns that may change in place: the tags,
// and the version of the customer-managed key (a key rotated in the vault).
func workspaceDrift(have *armdatabricks.Workspace, ws provider.DatabricksWorkspace, want *armdatabricks.Encryption) []string {
	var d []string
	he := workspaceEncryption(have)
	switch {
	case he == nil && want != nil:
		d = append(d, "customer-managed key")
	case he != nil && want != nil && want.KeyVersion != nil && !strings.EqualFold(str(he.KeyVersion), *want.KeyVersion):
		d = append(d, "customer-managed key version")
	}
	if !tagsCover(have.Tags, ws.Tags) {
		d = append(d, "tags")
	}
	return d
}

// EnsureDatabricksWorkspace implements provider.Provider: a premium
// workspace with its managed resource group and the Confidential Computing
// settings of the config, which are set at creation only.
func (p *Provider) EnsureDatabricksWorkspace(ctx context.Context, ws provider.DatabricksWorkspace) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindDatabricks, Name: ws.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	if ws.EnhancedSecurityCompliance {
		// armdatabricks v1.1.0 (API 2023-05-01) has no enhancedSecurityCompliance:
		// ignoring it would deploy a workspace without what the config asks.
		return c, fmt.Errorf("azure: databricks workspace %s: %s: true (compliance standards %s) is %w: the Databricks API version of this build has no enhanced security compliance; set it to false, or enable it in the Azure portal after deploy_common",
			ws.Name, keyDBXSecurity, strings.Join(ws.ComplianceStandards, ", "), provider.ErrNotInBuild)
	}
	what := "databricks workspace " + ws.Name
	mrg := p.groupID(ws.ManagedResourceGroup)
	var want *armdatabricks.Encryption
	if ws.CustomerManagedKey != nil {
		var err error
		if want, err = p.databricksKey(ctx, ws.CustomerManagedKey); err != nil {
			return c, p.wrap(err, "read the customer-managed key of "+what, ws.Location)
		}
	}
	key := tokenKey("databricks", "put", ws.ResourceGroup, ws.Name)
	var body armdatabricks.Workspace
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.workspaces.BeginCreateOrUpdate(ctx, ws.ResourceGroup, ws.Name, body, &armdatabricks.WorkspacesClientBeginCreateOrUpdateOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); err != nil {
		return c, p.wrap(err, "create "+what, ws.Location)
	} else if found {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armdatabricks.Workspace, string, error) {
		return p.getWorkspace(ctx, ws.ResourceGroup, ws.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, ws.Location)
	}
	if have == nil {
		c.Op = provider.OpCreate
		body = newWorkspace(ws, mrg, want != nil)
		c.Detail = settings("location "+ws.Location, workspaceSettings(ws, want), tagList(ws.Tags))
	} else {
		if err := workspaceImmutable(have, ws, want, mrg); err != nil {
			return c, err
		}
		d := workspaceDrift(have, ws, want)
		if len(d) == 0 {
			return c, nil
		}
		c.Op, c.Detail = provider.OpUpdate, changed(d)
		body = updatedWorkspace(have, ws, want)
	}
	if p.dry {
		return c, nil
	}
	if have != nil && want != nil && workspaceEncryption(have) == nil {
		if err := p.grantWorkspaceKey(ctx, have, ws); err != nil {
			return c, err
		}
	}
	if err := run(ctx, p, key, c.Op, begin); err != nil || have != nil || want == nil {
		return c, p.wrap(err, string(c.Op)+" "+what, ws.Location)
	}
	// A new workspace with a customer-managed key: its storage's identity,
	// made by the create, may now be given the key, then the key set.
	if have, _, err = p.getWorkspace(ctx, ws.ResourceGroup, ws.Name); err != nil || have == nil {
		return c, p.wrap(err, "read "+what, ws.Location)
	}
	if err := p.grantWorkspaceKey(ctx, have, ws); err != nil {
		return c, err
	}
	body = updatedWorkspace(have, ws, want)
	return c, p.wrap(run(ctx, p, key, c.Op, begin), "set the customer-managed key of "+what, ws.Location)
}

// workspaceKeyRole lets the workspace's storage identity wrap and unwrap
// with the key.
const workspaceKeyRole = "Key Vault Crypto Service Encryption User"

// grantWorkspaceKey gives the workspace's storage identity the use of the
// customer-managed key (the vault authorizes by RBAC).
func (p *Provider) grantWorkspaceKey(ctx context.Context, have *armdatabricks.Workspace, ws provider.DatabricksWorkspace) error {
	what := "databricks workspace " + ws.Name
	var principal string
	if have.Properties != nil && have.Properties.StorageAccountIdentity != nil {
		principal = str(have.Properties.StorageAccountIdentity.PrincipalID)
	}
	if principal == "" {
		return fmt.Errorf("azure: %s: its storage has no managed identity to use the customer-managed key with (Azure makes it when the workspace is created with prepareEncryption)", what)
	}
	_, err := p.ensureAssignment(ctx, vaultID(p, ws.CustomerManagedKey.Vault), workspaceKeyRole, principal, workspaceKeyRole+" for the storage of "+what)
	return err
}

// updatedWorkspace is the PUT body of an existing workspace: what Azure
// holds, with aura's tags and key.
func updatedWorkspace(have *armdatabricks.Workspace, ws provider.DatabricksWorkspace, want *armdatabricks.Encryption) armdatabricks.Workspace {
	body := *have
	pr := *have.Properties
	// Read-only: Azure sets them.
	pr.ProvisioningState, pr.WorkspaceID, pr.WorkspaceURL, pr.CreatedDateTime = nil, nil, nil, nil
	pr.DiskEncryptionSetID, pr.PrivateEndpointConnections = nil, nil
	if want != nil && want.KeyVersion != nil {
		params := armdatabricks.WorkspaceCustomParameters{}
		if pr.Parameters != nil {
			params = *pr.Parameters
		}
		params.Encryption = &armdatabricks.WorkspaceEncryptionParameter{Value: want}
		pr.Parameters = &params
	}
	body.Properties = &pr
	body.ID, body.Name, body.Type, body.SystemData = nil, nil, nil, nil
	body.Tags = withTags(have.Tags, ws.Tags)
	return body
}

// newWorkspace is a create's body. With a customer-managed key, the
// workspace is prepared for it: Azure gives its storage the identity the
// key is then granted to; the key is set by a second PUT.
func newWorkspace(ws provider.DatabricksWorkspace, mrg string, cmk bool) armdatabricks.Workspace {
	params := &armdatabricks.WorkspaceCustomParameters{}
	if ws.RequireInfrastructureEncryption {
		params.RequireInfrastructureEncryption = &armdatabricks.WorkspaceCustomBooleanParameter{Value: to.Ptr(true)}
	}
	if cmk {
		params.PrepareEncryption = &armdatabricks.WorkspaceCustomBooleanParameter{Value: to.Ptr(true)}
	}
	return armdatabricks.Workspace{
		Location: to.Ptr(ws.Location),
		SKU:      &armdatabricks.SKU{Name: to.Ptr(databricksSKU)},
		Tags:     tagPtrs(ws.Tags),
		Properties: &armdatabricks.WorkspaceProperties{
			ManagedResourceGroupID: to.Ptr(mrg),
			Parameters:             params,
		},
	}
}

// workspaceSettings says what a new workspace is made with.
func workspaceSettings(ws provider.DatabricksWorkspace, enc *armdatabricks.Encryption) string {
	s := fmt.Sprintf("SKU %s, managed resource group %s", databricksSKU, ws.ManagedResourceGroup)
	if ws.RequireInfrastructureEncryption {
		s += ", infrastructure encryption"
	}
	if enc != nil {
		s += fmt.Sprintf(", customer-managed key %s/%s (its storage identity granted %s on the vault)", ws.CustomerManagedKey.Vault.Name, ws.CustomerManagedKey.Key, workspaceKeyRole)
	}
	return s
}

// DeleteDatabricksWorkspace implements provider.Provider; Databricks
// deletes the workspace's managed resource group with it.
func (p *Provider) DeleteDatabricksWorkspace(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindDatabricks, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "databricks workspace " + ref.Name
	key := tokenKey("databricks", "delete", ref.ResourceGroup, ref.Name)
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.workspaces.BeginDelete(ctx, ref.ResourceGroup, ref.Name, &armdatabricks.WorkspacesClientBeginDeleteOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); found || err != nil {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
		return c, p.wrap(err, "delete "+what, "")
	}
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armdatabricks.Workspace, string, error) {
		return p.getWorkspace(ctx, ref.ResourceGroup, ref.Name)
	})
	if err != nil || have == nil {
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op = provider.OpDelete
	if have.Properties != nil && have.Properties.ManagedResourceGroupID != nil {
		id := *have.Properties.ManagedResourceGroupID
		c.Detail = "with its managed resource group " + id[strings.LastIndexByte(id, '/')+1:]
	}
	if p.dry {
		return c, nil
	}
	return c, p.wrap(run(ctx, p, key, c.Op, begin), "delete "+what, "")
}
