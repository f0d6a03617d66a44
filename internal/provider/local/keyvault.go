package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindVault = "key vault"

// vaultRecord is the whole vault in one 0600 file: keys change together
// with the vault, atomically.
type vaultRecord struct {
	Name     string                       `json:"name"`
	Location string                       `json:"location,omitempty"`
	Tags     map[string]string            `json:"tags,omitempty"`
	Keys     map[string]provider.VaultKey `json:"keys,omitempty"`
}

func (p *Provider) vaultPath(ref provider.VaultRef) string {
	return filepath.Join(p.groupDir(ref.ResourceGroup), "keyvaults", ref.Name+".json")
}

// EnsureKeyVault implements provider.Provider; existing keys are kept.
func (p *Provider) EnsureKeyVault(ctx context.Context, kv provider.KeyVault) (provider.Change, error) {
	if err := checkNames("resource group name", kv.ResourceGroup, "key vault name", kv.Name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	if err := p.requireDir(p.groupDir(kv.ResourceGroup), kindGroup, kv.ResourceGroup); err != nil {
		return provider.Change{}, err
	}
	path := p.vaultPath(provider.VaultRef{ResourceGroup: kv.ResourceGroup, Name: kv.Name})
	var rec vaultRecord
	if _, err := readJSON(path, &rec); err != nil {
		return provider.Change{}, err
	}
	rec.Name, rec.Location, rec.Tags = kv.Name, kv.Location, kv.Tags
	op, detail, err := p.upsert(path, rec)
	return provider.Change{Op: op, Kind: kindVault, Name: kv.Name, Detail: detail}, err
}

// DeleteKeyVault implements provider.Provider.
func (p *Provider) DeleteKeyVault(ctx context.Context, ref provider.VaultRef) (provider.Change, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "key vault name", ref.Name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(p.vaultPath(ref), false)
	return provider.Change{Op: op, Kind: kindVault, Name: ref.Name}, err
}

const kindKey = "key vault key"

// EnsureKey implements provider.Provider. The key's ID is derived from its
// identity, as a local vault holds no key material.
func (p *Provider) EnsureKey(ctx context.Context, ref provider.VaultRef, key provider.VaultKey) (provider.Change, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "key vault name", ref.Name, "key vault key name", key.Name); err != nil {
		return provider.Change{}, err
	}
	key = key.WithDefaults()
	key.ID = ""
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	c := provider.Change{Kind: kindKey, Name: ref.Name + "/" + key.Name}
	var rec vaultRecord
	found, err := readJSON(p.vaultPath(ref), &rec)
	if err != nil {
		return c, err
	}
	if !found {
		if !p.dry {
			return c, notFound(kindVault, ref.Name)
		}
		rec.Name = ref.Name
	}
	if have, ok := rec.Keys[key.Name]; ok {
		have.ID = ""
		if have != key {
			return c, fmt.Errorf("local provider: key vault key %s/%s is %s-%d, config wants %s-%d: a key cannot change type or size; create a key of another name",
				ref.Name, key.Name, have.Type, have.Size, key.Type, key.Size)
		}
		c.Op = provider.OpNone
		return c, nil
	}
	c.Op, c.Detail = provider.OpCreate, fmt.Sprintf("%s-%d", key.Type, key.Size)
	if p.dry {
		return c, nil
	}
	if rec.Keys == nil {
		rec.Keys = map[string]provider.VaultKey{}
	}
	sum := sha256.Sum256([]byte(ref.ResourceGroup + "\x00" + ref.Name + "\x00" + key.Name))
	key.ID = "https://" + ref.Name + ".vault.local/keys/" + key.Name + "/" + hex.EncodeToString(sum[:16])
	rec.Keys[key.Name] = key
	data, err := encode(rec)
	if err != nil {
		return c, err
	}
	return c, p.writeFile(p.vaultPath(ref), data)
}

// GetKey implements provider.Provider.
func (p *Provider) GetKey(ctx context.Context, ref provider.VaultRef, name string) (provider.VaultKey, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "key vault name", ref.Name, "key vault key name", name); err != nil {
		return provider.VaultKey{}, err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return provider.VaultKey{}, err
	}
	defer unlock()
	var rec vaultRecord
	found, err := readJSON(p.vaultPath(ref), &rec)
	if err != nil {
		return provider.VaultKey{}, err
	}
	if !found {
		return provider.VaultKey{}, notFound(kindVault, ref.Name)
	}
	k, ok := rec.Keys[name]
	if !ok {
		return provider.VaultKey{}, notFound(kindKey, ref.Name+"/"+name)
	}
	return k, nil
}
