package config

// BotMessagingEndpoint is the messaging endpoint of the environment's bot
// channel, or of its -next twin: aura-bot's route on the services name.
func (c *Config) BotMessagingEndpoint(next bool) string {
	host := c.DNSName("services")
	if next {
		host = c.NextDNSName("services")
	}
	return "https://" + host + "/api/messages"
}

// activeBotChannel is template value "bot_channel": the channel aura-groot
// and authentication-api use. While next_bot_channel_enabled is on it is
// the -next one, so the new deployment is tested through its own channel
// before the DNS switch; with the flag off again, `deploy_core -t
// aura-groot authentication-api` moves them back (guide: "Next Azure Bot
// Channel").
func (c *Config) activeBotChannel() map[string]any {
	name := c.Derived.BotChannelName
	if c.NextBotChannelEnabled {
		name = c.Derived.NextBotChannelName
	}
	return map[string]any{"name": name, "endpoint": c.BotMessagingEndpoint(c.NextBotChannelEnabled)}
}
