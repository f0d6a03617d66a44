package azure

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/botservice/armbotservice"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindBot = "bot channel"
	// botSKU is the Standard tier: the free one limits the premium channels
	// (Direct Line, Teams) aura-groot uses to a trial quota.
	botSKU = armbotservice.SKUNameS1
)

func (p *Provider) getBot(ctx context.Context, rg, name string) (*armbotservice.Bot, string, error) {
	res, err := p.bots.Get(ctx, rg, name, nil)
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
	return &res.Bot, st, nil
}

// botApp is the bot's Microsoft App: the channel's own, else the service
// principal's, registered single-tenant in its tenant (multi-tenant bot
// registrations are retired by Azure).
func (p *Provider) botApp(bc provider.BotChannel) (string, error) {
	app := bc.AppID
	if app == "" {
		app = p.opts.ClientID
	}
	if app == "" {
		return "", fmt.Errorf("azure: bot channel %s: no app id (the service principal's AZURE_CLIENT_ID)", bc.Name)
	}
	return app, nil
}

// checkEndpoint: Azure Bot Service posts only to HTTPS endpoints; a typo
// here would make a channel nobody can talk to.
func checkEndpoint(bc provider.BotChannel) error {
	u, err := url.Parse(bc.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("azure: bot channel %s: endpoint %q is not an https:// URL (Azure Bot Service accepts only HTTPS messaging endpoints)", bc.Name, bc.Endpoint)
	}
	return nil
}

func (p *Provider) newBot(bc provider.BotChannel, app string) armbotservice.Bot {
	loc := bc.Location
	if loc == "" {
		loc = "global"
	}
	return armbotservice.Bot{
		Kind:     to.Ptr(armbotservice.KindAzurebot),
		Location: to.Ptr(loc),
		SKU:      &armbotservice.SKU{Name: to.Ptr(botSKU)},
		Tags:     tagPtrs(bc.Tags),
		Properties: &armbotservice.BotProperties{
			DisplayName:    to.Ptr(bc.Name),
			Endpoint:       to.Ptr(bc.Endpoint),
			MsaAppID:       to.Ptr(app),
			MsaAppType:     to.Ptr(armbotservice.MsaAppTypeSingleTenant),
			MsaAppTenantID: to.Ptr(p.opts.TenantID),
		},
	}
}

// botDrift names what differs of what aura owns (endpoint, tags) and sets
// it in have, which becomes the PUT body.
func botDrift(have *armbotservice.Bot, bc provider.BotChannel) []string {
	var d []string
	if have.Properties == nil {
		have.Properties = &armbotservice.BotProperties{}
	}
	pr := have.Properties
	if str(pr.Endpoint) != bc.Endpoint {
		d = append(d, fmt.Sprintf("endpoint %s → %s", str(pr.Endpoint), bc.Endpoint))
		pr.Endpoint = to.Ptr(bc.Endpoint)
	}
	if !tagsCover(have.Tags, bc.Tags) {
		d = append(d, "tags")
		have.Tags = withTags(have.Tags, bc.Tags)
	}
	return d
}

// EnsureBotChannel implements provider.Provider: an Azure Bot registered
// with the app and messaging endpoint of bc. The app cannot change on an
// existing registration: a different one is an error, not a rewrite.
func (p *Provider) EnsureBotChannel(ctx context.Context, bc provider.BotChannel) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindBot, Name: bc.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	if err := checkEndpoint(bc); err != nil {
		return c, err
	}
	app, err := p.botApp(bc)
	if err != nil {
		return c, err
	}
	what := "bot channel " + bc.Name
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armbotservice.Bot, string, error) {
		return p.getBot(ctx, bc.ResourceGroup, bc.Name)
	})
	if err != nil {
		return c, p.wrap(err, "read "+what, "")
	}
	var body armbotservice.Bot
	if have == nil {
		c.Op, c.Detail = provider.OpCreate, settings("endpoint "+bc.Endpoint, "app "+app+" (single tenant)", "SKU "+string(botSKU), tagList(bc.Tags))
		body = p.newBot(bc, app)
	} else {
		if have.Properties != nil && !strings.EqualFold(str(have.Properties.MsaAppID), app) {
			return c, fmt.Errorf("azure: %s is registered with the app %s, aura wants %s: Azure cannot change a bot's app; run delete_core --full, then deploy_core",
				what, str(have.Properties.MsaAppID), app)
		}
		d := botDrift(have, bc)
		if len(d) == 0 {
			return c, nil
		}
		c.Op, c.Detail = provider.OpUpdate, changed(d)
		body = *have
		// Read-only: Azure sets them.
		body.ID, body.Name, body.Type, body.Zones, body.Etag = nil, nil, nil, nil, nil
		pr := *body.Properties
		pr.ProvisioningState, pr.ConfiguredChannels, pr.EnabledChannels, pr.EndpointVersion = nil, nil, nil, nil
		pr.MigrationToken, pr.PrivateEndpointConnections, pr.CmekEncryptionStatus, pr.IsDeveloperAppInsightsAPIKeySet = nil, nil, nil, nil
		body.Properties = &pr
	}
	if p.dry {
		return c, nil
	}
	_, err = p.bots.Create(ctx, bc.ResourceGroup, bc.Name, body, nil)
	return c, p.wrap(err, string(c.Op)+" "+what, "")
}

// DeleteBotChannel implements provider.Provider.
func (p *Provider) DeleteBotChannel(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindBot, Name: ref.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "bot channel " + ref.Name
	have, err := settle(ctx, p, what, func(ctx context.Context) (*armbotservice.Bot, string, error) {
		return p.getBot(ctx, ref.ResourceGroup, ref.Name)
	})
	if err != nil || have == nil {
		return c, p.wrap(err, "read "+what, "")
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	_, err = p.bots.Delete(ctx, ref.ResourceGroup, ref.Name, nil)
	if is404(err) {
		err = nil
	}
	return c, p.wrap(err, "delete "+what, "")
}
