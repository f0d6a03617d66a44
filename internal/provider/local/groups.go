package local

import (
	"context"
	"path/filepath"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindGroup = "resource group"

// EnsureResourceGroup implements provider.Provider.
func (p *Provider) EnsureResourceGroup(ctx context.Context, rg provider.ResourceGroup) (provider.Change, error) {
	if err := checkName("resource group name", rg.Name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, detail, err := p.upsert(filepath.Join(p.groupDir(rg.Name), "resourcegroup.json"), rg)
	return provider.Change{Op: op, Kind: kindGroup, Name: rg.Name, Detail: detail}, err
}

// DeleteResourceGroup removes the group and everything in it, as Azure does.
func (p *Provider) DeleteResourceGroup(ctx context.Context, name string) (provider.Change, error) {
	if err := checkName("resource group name", name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(p.groupDir(name), true)
	return provider.Change{Op: op, Kind: kindGroup, Name: name}, err
}
