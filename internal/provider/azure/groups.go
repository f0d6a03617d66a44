package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindGroup = "resource group"

func (p *Provider) getGroup(ctx context.Context, name string) (*armresources.ResourceGroup, string, error) {
	res, err := p.groups.Get(ctx, name, nil)
	if is404(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	st := ""
	if res.Properties != nil {
		st = str(res.Properties.ProvisioningState)
	}
	return &res.ResourceGroup, st, nil
}

// EnsureResourceGroup implements provider.Provider. A group in another
// region than the config's is an error: Azure cannot move it.
func (p *Provider) EnsureResourceGroup(ctx context.Context, rg provider.ResourceGroup) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindGroup, Name: rg.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "resource group " + rg.Name
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armresources.ResourceGroup, string, error) {
		return p.getGroup(ctx, rg.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, rg.Location)
	}
	body := armresources.ResourceGroup{Location: to.Ptr(rg.Location), Tags: tagPtrs(rg.Tags)}
	switch {
	case have == nil:
		c.Op, c.Detail = provider.OpCreate, settings("location "+rg.Location, tagList(rg.Tags))
	case rg.Location != "" && !strings.EqualFold(str(have.Location), rg.Location):
		return c, fmt.Errorf("azure: %s is in %s, the config's azure_region is %s: Azure cannot move a resource group; delete it or set azure_region: %s",
			what, str(have.Location), rg.Location, str(have.Location))
	case tagsCover(have.Tags, rg.Tags):
		return c, nil
	default:
		c.Op, c.Detail = provider.OpUpdate, "changed: tags"
		body = *have
		body.Tags = withTags(have.Tags, rg.Tags)
		body.Properties = nil // read-only
	}
	if p.dry {
		return c, nil
	}
	if _, err := p.groups.CreateOrUpdate(ctx, rg.Name, body, nil); err != nil {
		return c, p.wrap(err, string(c.Op)+" "+what, rg.Location)
	}
	return c, nil
}

// DeleteResourceGroup implements provider.Provider: the group and
// everything in it, waiting until Azure has deleted them.
func (p *Provider) DeleteResourceGroup(ctx context.Context, name string) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindGroup, Name: name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "resource group " + name
	key := tokenKey("group", "delete", name)
	begin := func(ctx context.Context, tok string) (operation, error) {
		return begun(p.groups.BeginDelete(ctx, name, &armresources.ResourceGroupsClientBeginDeleteOptions{ResumeToken: tok}))
	}
	if op, found, err := resume(ctx, p, key, begin); found || err != nil {
		c.Op, c.Detail = op, "resumed an operation an earlier run started"
		return c, p.wrap(err, "delete "+what, "")
	}
	have, _, err := p.getGroup(ctx, name)
	if err != nil || have == nil {
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	return c, p.wrap(run(ctx, p, key, c.Op, begin), "delete "+what, "")
}
