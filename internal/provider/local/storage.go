package local

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindAccount = "storage account"
	kindBlob    = "blob"
)

type accountRecord struct {
	Name     string                `json:"name"`
	Location string                `json:"location,omitempty"`
	Expiry   []provider.BlobExpiry `json:"expiry,omitempty"`
	Tags     map[string]string     `json:"tags,omitempty"`
}

func (p *Provider) accountDir(rg, account string) string {
	return filepath.Join(p.groupDir(rg), "storageaccounts", account)
}

func (p *Provider) containerDir(c provider.ContainerRef) string {
	return filepath.Join(p.accountDir(c.ResourceGroup, c.Account), "containers", c.Container)
}

// EnsureStorageAccount implements provider.Provider. Containers not listed
// are kept: they may hold backups.
func (p *Provider) EnsureStorageAccount(ctx context.Context, sa provider.StorageAccount) (provider.Change, error) {
	if err := checkNames("resource group name", sa.ResourceGroup, "storage account name", sa.Name); err != nil {
		return provider.Change{}, err
	}
	for _, c := range sa.Containers {
		if err := checkName("storage container name", c); err != nil {
			return provider.Change{}, err
		}
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	if err := p.requireDir(p.groupDir(sa.ResourceGroup), kindGroup, sa.ResourceGroup); err != nil {
		return provider.Change{}, err
	}
	// Containers first, the account record last: a crash in between is
	// repaired by the next run, which still sees work to do.
	var added []string
	for _, c := range sortedUnique(sa.Containers) {
		dir := p.containerDir(provider.ContainerRef{ResourceGroup: sa.ResourceGroup, Account: sa.Name, Container: c})
		ok, err := exists(dir)
		if err != nil {
			return provider.Change{}, err
		}
		if ok {
			continue
		}
		added = append(added, c)
		if !p.dry {
			if err := os.MkdirAll(dir, dirPerm); err != nil {
				return provider.Change{}, err
			}
		}
	}
	op, detail, err := p.upsert(filepath.Join(p.accountDir(sa.ResourceGroup, sa.Name), "account.json"),
		accountRecord{Name: sa.Name, Location: sa.Location, Expiry: sortedExpiry(sa.Expiry), Tags: sa.Tags})
	if err != nil {
		return provider.Change{}, err
	}
	if len(added) > 0 {
		if op == provider.OpNone {
			op, detail = provider.OpUpdate, ""
		}
		detail = strings.TrimPrefix(detail+"; containers added: "+strings.Join(added, ", "), "; ")
	}
	return provider.Change{Op: op, Kind: kindAccount, Name: sa.Name, Detail: detail}, nil
}

// DeleteStorageAccount implements provider.Provider.
func (p *Provider) DeleteStorageAccount(ctx context.Context, ref provider.ResourceRef) (provider.Change, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "storage account name", ref.Name); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(p.accountDir(ref.ResourceGroup, ref.Name), true)
	return provider.Change{Op: op, Kind: kindAccount, Name: ref.Name}, err
}

func (p *Provider) checkContainer(c provider.ContainerRef) error {
	return checkNames("resource group name", c.ResourceGroup, "storage account name", c.Account, "storage container name", c.Container)
}

func (p *Provider) blobPath(b provider.BlobRef) (string, error) {
	if err := p.checkContainer(b.ContainerRef()); err != nil {
		return "", err
	}
	if err := checkBlobName(b.Name); err != nil {
		return "", err
	}
	return filepath.Join(p.containerDir(b.ContainerRef()), filepath.FromSlash(b.Name)), nil
}

// PutBlob implements provider.Provider; the container must exist.
func (p *Provider) PutBlob(ctx context.Context, ref provider.BlobRef, data []byte) (provider.Change, error) {
	path, err := p.blobPath(ref)
	if err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	c := provider.Change{Kind: kindBlob, Name: ref.String()}
	if err := p.requireDir(p.containerDir(ref.ContainerRef()), "storage container", ref.Account+"/"+ref.Container); err != nil {
		return c, err
	}
	have, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Op = provider.OpCreate
	case err != nil:
		return c, err
	case string(have) == string(data):
		c.Op = provider.OpNone
		return c, nil
	default:
		c.Op = provider.OpUpdate
	}
	c.Detail = fmt.Sprintf("%d bytes", len(data))
	if p.dry {
		return c, nil
	}
	return c, p.writeFile(path, data)
}

// GetBlob implements provider.Provider.
func (p *Provider) GetBlob(ctx context.Context, ref provider.BlobRef) ([]byte, error) {
	path, err := p.blobPath(ref)
	if err != nil {
		return nil, err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(kindBlob, ref.String())
	}
	return data, err
}

// ListBlobs implements provider.Provider.
func (p *Provider) ListBlobs(ctx context.Context, ref provider.ContainerRef, prefix string) ([]string, error) {
	if err := p.checkContainer(ref); err != nil {
		return nil, err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	root := p.containerDir(ref)
	if ok, err := exists(root); err != nil || !ok {
		if err == nil && !p.dry {
			err = notFound("storage container", ref.Account+"/"+ref.Container)
		}
		return nil, err
	}
	var names []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if name := filepath.ToSlash(rel); strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}

// DeleteBlob implements provider.Provider.
func (p *Provider) DeleteBlob(ctx context.Context, ref provider.BlobRef) (provider.Change, error) {
	path, err := p.blobPath(ref)
	if err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	op, err := p.deletePath(path, false)
	if err == nil && op == provider.OpDelete && !p.dry {
		p.pruneEmptyDirs(filepath.Dir(path), p.containerDir(ref.ContainerRef()))
	}
	return provider.Change{Op: op, Kind: kindBlob, Name: ref.String()}, err
}

// pruneEmptyDirs removes the virtual folders a deleted blob leaves empty, so
// that the container looks like Azure's (folders exist only through blobs).
func (p *Provider) pruneEmptyDirs(dir, stop string) {
	for dir != stop && strings.HasPrefix(dir, stop) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// sortedExpiry orders the rules so that their order in the config does not
// change the record.
func sortedExpiry(in []provider.BlobExpiry) []provider.BlobExpiry {
	out := append([]provider.BlobExpiry(nil), in...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Prefix != out[j].Prefix {
			return out[i].Prefix < out[j].Prefix
		}
		return out[i].Days < out[j].Days
	})
	return out
}

func sortedUnique(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	j := 0
	for i, s := range out {
		if i == 0 || s != out[j-1] {
			out[j] = s
			j++
		}
	}
	return out[:j]
}

// StorageAccountKey implements provider.Provider. Local storage is a
// directory with no access control, so the key only has to be stable and
// look like an Azure key (64 bytes, base64): it is derived from the account's
// identity instead of being stored.
func (p *Provider) StorageAccountKey(ctx context.Context, ref provider.ResourceRef) (string, error) {
	if err := checkNames("resource group name", ref.ResourceGroup, "storage account name", ref.Name); err != nil {
		return "", err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return "", err
	}
	defer unlock()
	ok, err := exists(filepath.Join(p.accountDir(ref.ResourceGroup, ref.Name), "account.json"))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", notFound(kindAccount, ref.Name)
	}
	sum := sha512.Sum512([]byte("aura-local-storage-key\x00" + ref.ResourceGroup + "\x00" + ref.Name))
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}
