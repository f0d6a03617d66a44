package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindRole = "role assignment"

// The local provider has no identities: role assignments are recorded so
// that plans and idempotence behave as on Azure (Capabilities says so).

func (p *Provider) rolePath(ra provider.RoleAssignment) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{ra.Cluster.ResourceGroup, ra.Cluster.Name, ra.Identity, ra.Role,
		ra.Scope.ResourceGroup, string(ra.Scope.Kind), ra.Scope.Name}, "\x00")))
	return filepath.Join(p.groupDir(ra.Cluster.ResourceGroup), "roleassignments", hex.EncodeToString(sum[:16])+".json")
}

func checkRole(ra provider.RoleAssignment) error {
	if err := checkNames("resource group name", ra.Cluster.ResourceGroup, "cluster name", ra.Cluster.Name,
		"role assignment scope resource group", ra.Scope.ResourceGroup); err != nil {
		return err
	}
	if ra.Identity != provider.IdentityCluster && ra.Identity != provider.IdentityKubelet {
		return errorf("role assignment %s: identity %q is not %q or %q", ra, ra.Identity, provider.IdentityCluster, provider.IdentityKubelet)
	}
	if strings.TrimSpace(ra.Role) == "" {
		return errorf("role assignment %s: role is empty", ra)
	}
	if ra.Scope.Kind != provider.ScopeResourceGroup {
		return checkName("role assignment scope name", ra.Scope.Name)
	}
	return nil
}

// EnsureRoleAssignment implements provider.Provider.
func (p *Provider) EnsureRoleAssignment(ctx context.Context, ra provider.RoleAssignment) (provider.Change, error) {
	if err := checkRole(ra); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	if err := p.requireDir(p.groupDir(ra.Cluster.ResourceGroup), kindGroup, ra.Cluster.ResourceGroup); err != nil {
		return provider.Change{}, err
	}
	op, detail, err := p.upsert(p.rolePath(ra), ra)
	return provider.Change{Op: op, Kind: kindRole, Name: ra.String(), Detail: detail}, err
}

// DeleteRoleAssignment implements provider.Provider.
func (p *Provider) DeleteRoleAssignment(ctx context.Context, ra provider.RoleAssignment) (provider.Change, error) {
	if err := checkRole(ra); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(p.rolePath(ra), false)
	return provider.Change{Op: op, Kind: kindRole, Name: ra.String()}, err
}
