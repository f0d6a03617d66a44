package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindBot = "bot channel"
	kindAI  = "ai service"
)

// The local provider has no Bot Service or Azure AI: it records the desired
// resources so that phases, plans and idempotence behave as on Azure.

func (p *Provider) recordPath(rg, dir, name string) string {
	return filepath.Join(p.groupDir(rg), dir, name+".json")
}

// ensureRecord is the shared body of the record-only Ensure methods.
func (p *Provider) ensureRecord(ctx context.Context, kind, field, rg, dir, name string, v any) (provider.Change, error) {
	if err := checkNames("resource group name", rg, field, name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	if err := p.requireDir(p.groupDir(rg), kindGroup, rg); err != nil {
		return provider.Change{}, err
	}
	op, detail, err := p.upsert(p.recordPath(rg, dir, name), v)
	return provider.Change{Op: op, Kind: kind, Name: name, Detail: detail}, err
}

func (p *Provider) deleteRecord(ctx context.Context, kind, field, dir string, ref provider.ResourceRef) (provider.Change, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, field, ref.Name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(p.recordPath(ref.ResourceGroup, dir, ref.Name), false)
	return provider.Change{Op: op, Kind: kind, Name: ref.Name}, err
}

// EnsureBotChannel implements provider.Provider.
func (p *Provider) EnsureBotChannel(ctx context.Context, bc provider.BotChannel) (provider.Change, error) {
	return p.ensureRecord(ctx, kindBot, "bot channel name", bc.ResourceGroup, "botchannels", bc.Name, bc)
}

// DeleteBotChannel implements provider.Provider.
func (p *Provider) DeleteBotChannel(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	return p.deleteRecord(ctx, kindBot, "bot channel name", "botchannels", ref)
}

// EnsureAIService implements provider.Provider. Deployments are compared
// as a set, so their order in the config does not matter.
func (p *Provider) EnsureAIService(ctx context.Context, ai provider.AIService) (provider.Change, error) {
	if ai.Kind != provider.AIKindCLU && ai.Kind != provider.AIKindOpenAI {
		return provider.Change{}, fmt.Errorf("local provider: ai service %q: kind %q is not %q or %q", ai.Name, ai.Kind, provider.AIKindCLU, provider.AIKindOpenAI)
	}
	ai.Deployments = append([]provider.AIDeployment(nil), ai.Deployments...)
	sort.Slice(ai.Deployments, func(i, j int) bool { return ai.Deployments[i].Name < ai.Deployments[j].Name })
	return p.ensureRecord(ctx, kindAI, "ai service name", ai.ResourceGroup, "aiservices", ai.Name, ai)
}

// DeleteAIService implements provider.Provider.
func (p *Provider) DeleteAIService(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	return p.deleteRecord(ctx, kindAI, "ai service name", "aiservices", ref)
}

// AIServiceKeys implements provider.Provider: a made-up endpoint and a key
// derived from the names, stable across runs as Azure's are.
func (p *Provider) AIServiceKeys(ctx context.Context, ref provider.ResourceRef) (provider.AIKeys, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "ai service name", ref.Name); err != nil {
		return provider.AIKeys{}, err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return provider.AIKeys{}, err
	}
	defer unlock()
	ok, err := exists(p.recordPath(ref.ResourceGroup, "aiservices", ref.Name))
	if err != nil {
		return provider.AIKeys{}, err
	}
	if !ok {
		return provider.AIKeys{}, notFound(kindAI, ref.Name)
	}
	sum := sha256.Sum256([]byte("aura-local-ai-key\x00" + ref.ResourceGroup + "\x00" + ref.Name))
	return provider.AIKeys{Endpoint: "https://" + ref.Name + ".cognitiveservices.local/", Key: hex.EncodeToString(sum[:])}, nil
}

const kindDatabricks = "databricks workspace"

// EnsureDatabricksWorkspace implements provider.Provider.
func (p *Provider) EnsureDatabricksWorkspace(ctx context.Context, ws provider.DatabricksWorkspace) (provider.Change, error) {
	ws.ComplianceStandards = sortedUnique(ws.ComplianceStandards)
	return p.ensureRecord(ctx, kindDatabricks, "databricks workspace name", ws.ResourceGroup, "databricks", ws.Name, ws)
}

// DeleteDatabricksWorkspace implements provider.Provider.
func (p *Provider) DeleteDatabricksWorkspace(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	c, err := p.deleteRecord(ctx, kindDatabricks, "databricks workspace name", "databricks", ref)
	if err != nil || c.Op != provider.OpDelete || p.dry {
		return c, err
	}
	// Its jobs go with it, as in Databricks.
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return c, err
	}
	defer unlock()
	_, err = p.deletePath(filepath.Join(p.groupDir(ref.ResourceGroup), jobsDir(ref.Name)), true)
	return c, err
}
