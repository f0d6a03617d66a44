package fakecloud

import (
	"context"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/botservice/armbotservice"
	botfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/botservice/armbotservice/fake"
)

// Bot returns a copy of a bot registration, or nil.
func (c *Cloud) Bot(rg, name string) *armbotservice.Bot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.svc.bots[key(rg, name)]; ok {
		return clone(b)
	}
	return nil
}

// SetBotState makes a bot registration look busy (e.g. "Updating") or
// settled ("Succeeded"), as if someone else ran an operation on it.
func (c *Cloud) SetBotState(rg, name, state string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.svc.bots[key(rg, name)]; ok {
		b.Properties.ProvisioningState = ptr(state)
	}
}

func (c *Cloud) botsServer() botfake.BotsServer {
	return botfake.BotsServer{
		Get: func(_ context.Context, rg, name string, _ *armbotservice.BotsClientGetOptions) (resp azfake.Responder[armbotservice.BotsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			b, ok := c.svc.bots[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armbotservice.BotsClientGetResponse{Bot: *clone(b)}), errResp
		},
		Create: func(_ context.Context, rg, name string, body armbotservice.Bot, _ *armbotservice.BotsClientCreateOptions) (resp azfake.Responder[armbotservice.BotsClientCreateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			pr := body.Properties
			// What Azure refuses: the required fields, a messaging
			// endpoint that is not HTTPS, another app on an existing bot.
			if pr == nil || str(pr.DisplayName) == "" || str(pr.MsaAppID) == "" || body.Kind == nil || body.SKU == nil ||
				!strings.HasPrefix(str(pr.Endpoint), "https://") {
				return resp, fail(http.StatusBadRequest, "InvalidBotData")
			}
			if old, ok := c.svc.bots[key(rg, name)]; ok && !strings.EqualFold(str(old.Properties.MsaAppID), str(pr.MsaAppID)) {
				return resp, fail(http.StatusBadRequest, "InvalidBotData")
			}
			b := clone(&body)
			b.ID = ptr(c.groupID(rg) + "/providers/Microsoft.BotService/botServices/" + name)
			b.Name, b.Type, b.Etag = ptr(name), ptr("Microsoft.BotService/botServices"), c.etag()
			b.Properties.ProvisioningState = ptr("Succeeded")
			b.Properties.EndpointVersion = ptr("3.0")
			b.Properties.ConfiguredChannels = []*string{ptr("webchat"), ptr("directline")}
			c.svc.bots[key(rg, name)] = b
			return respond(armbotservice.BotsClientCreateResponse{Bot: *clone(b)}), errResp
		},
		Delete: func(_ context.Context, rg, name string, _ *armbotservice.BotsClientDeleteOptions) (resp azfake.Responder[armbotservice.BotsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.svc.bots[key(rg, name)]; !ok {
				return resp, notFound("ResourceNotFound")
			}
			delete(c.svc.bots, key(rg, name))
			return respond(armbotservice.BotsClientDeleteResponse{}), errResp
		},
	}
}
