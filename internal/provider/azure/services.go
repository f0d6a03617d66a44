package azure

import (
	"context"
	"fmt"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// The Bot Service and Azure AI (CLU, OpenAI) come in part 2 of
// the Azure provider: until then they fail before any request, so a phase
// stops with this message and nothing half-made.

func notInBuild(kind, name string) error {
	return fmt.Errorf("azure: %s %s: the Azure %s is %w yet", kind, name, kind, provider.ErrNotInBuild)
}

// EnsureBotChannel implements provider.Provider.
func (p *Provider) EnsureBotChannel(_ context.Context, bc provider.BotChannel) (provider.Change, error) {
	return provider.Change{}, notInBuild("bot channel", bc.Name)
}

// DeleteBotChannel implements provider.Provider.
func (p *Provider) DeleteBotChannel(_ context.Context, ref provider.ResourceRef) (provider.Change, error) {
	return provider.Change{}, notInBuild("bot channel", ref.Name)
}

// EnsureAIService implements provider.Provider.
func (p *Provider) EnsureAIService(_ context.Context, ai provider.AIService) (provider.Change, error) {
	return provider.Change{}, notInBuild("ai service", ai.Name)
}

// DeleteAIService implements provider.Provider.
func (p *Provider) DeleteAIService(_ context.Context, ref provider.ResourceRef) (provider.Change, error) {
	return provider.Change{}, notInBuild("ai service", ref.Name)
}
