package azure

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const kindBlob = "blob"

// blobAccount is the data-plane client of one storage account, signed with
// the account key read through ARM (Contributor may list keys; no data role
// is needed).
type blobAccount struct {
	client *azblob.Client
}

// blobClient returns the account's client; found is false when the account
// does not exist.
func (p *Provider) blobClient(ctx context.Context, ref provider.ResourceRef) (*azblob.Client, bool, error) {
	p.blobMu.Lock()
	ba := p.blobCache[ref]
	p.blobMu.Unlock()
	if ba != nil {
		return ba.client, true, nil
	}
	acct, _, err := p.getAccount(ctx, ref.ResourceGroup, ref.Name)
	if err != nil || acct == nil {
		return nil, false, p.wrap(err, "read storage account "+ref.Name, "")
	}
	key, err := p.StorageAccountKey(ctx, ref)
	if err != nil {
		return nil, false, err
	}
	endpoint := ""
	if acct.Properties != nil && acct.Properties.PrimaryEndpoints != nil {
		endpoint = str(acct.Properties.PrimaryEndpoints.Blob)
	}
	if endpoint == "" {
		endpoint = p.BlobAccountURL(ref.Name) + "/"
	}
	cred, err := azblob.NewSharedKeyCredential(ref.Name, key)
	if err != nil {
		return nil, false, fmt.Errorf("azure: storage account %s: its key is malformed: %w", ref.Name, err)
	}
	o := &azblob.ClientOptions{ClientOptions: policy.ClientOptions{Transport: p.opts.Transport}}
	if p.opts.Retry != nil {
		o.Retry = *p.opts.Retry
	}
	client, err := azblob.NewClientWithSharedKeyCredential(endpoint, cred, o)
	if err != nil {
		return nil, false, fmt.Errorf("azure: storage account %s: %w", ref.Name, err)
	}
	p.blobMu.Lock()
	p.blobCache[ref] = &blobAccount{client: client}
	p.blobMu.Unlock()
	return client, true, nil
}

// BlobAccountURL is an account's Blob endpoint in the configured cloud,
// for workloads in the cluster (aura-operator): Azure China, US Government
// and a Custom cloud each have their own storage suffix. aura itself uses
// the endpoint ARM reports for the account, this only when it reports none.
func (p *Provider) BlobAccountURL(account string) string {
	return "https://" + account + ".blob." + p.opts.Cloud.StorageSuffix()
}

func (p *Provider) forgetBlobAccount(ref provider.ResourceRef) {
	p.blobMu.Lock()
	delete(p.blobCache, ref)
	p.blobMu.Unlock()
}

func accountOf(b provider.BlobRef) provider.ResourceRef {
	return provider.ResourceRef{ResourceGroup: b.ResourceGroup, Name: b.Account}
}

func (p *Provider) blobErr(err error, what string) error {
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound, bloberror.ResourceNotFound) {
		return fmt.Errorf("azure: %s: %w", what, provider.ErrNotFound)
	}
	return p.wrap(err, what, "")
}

// blobState is what PutBlob compares: the content's MD5, which aura sends
// with every upload so that Azure stores it.
func (p *Provider) blobMD5(ctx context.Context, c *azblob.Client, ref provider.BlobRef) (sum []byte, found bool, err error) {
	props, err := c.ServiceClient().NewContainerClient(ref.Container).NewBlobClient(ref.Name).GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound, bloberror.ResourceNotFound) || is404(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if len(props.ContentMD5) > 0 {
		return props.ContentMD5, true, nil
	}
	// Written by someone else without an MD5: compare the content itself.
	data, err := p.download(ctx, c, ref)
	if err != nil {
		return nil, false, err
	}
	s := md5.Sum(data)
	return s[:], true, nil
}

// PutBlob implements provider.Provider; the container must exist.
func (p *Provider) PutBlob(ctx context.Context, ref provider.BlobRef, data []byte) (provider.Change, error) {
	c := provider.Change{Kind: kindBlob, Name: ref.String(), Op: provider.OpNone}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "blob " + ref.String()
	client, found, err := p.blobClient(ctx, accountOf(ref))
	if err != nil {
		return c, err
	}
	want := md5.Sum(data)
	c.Detail = fmt.Sprintf("%d bytes", len(data))
	if !found {
		if p.dry {
			c.Op = provider.OpCreate
			return c, nil
		}
		return c, fmt.Errorf("azure: %s: storage account %s does not exist: %w", what, ref.Account, provider.ErrNotFound)
	}
	have, exists, err := p.blobMD5(ctx, client, ref)
	switch {
	case err != nil:
		return c, p.blobErr(err, "read "+what)
	case exists && bytes.Equal(have, want[:]):
		c.Detail = ""
		return c, nil
	case exists:
		c.Op = provider.OpUpdate
	default:
		c.Op = provider.OpCreate
	}
	if p.dry {
		return c, nil
	}
	bb := client.ServiceClient().NewContainerClient(ref.Container).NewBlockBlobClient(ref.Name)
	_, err = bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{
		HTTPHeaders: &blob.HTTPHeaders{BlobContentMD5: want[:]},
	})
	return c, p.blobErr(err, "write "+what)
}

func (p *Provider) download(ctx context.Context, c *azblob.Client, ref provider.BlobRef) ([]byte, error) {
	res, err := c.DownloadStream(ctx, ref.Container, ref.Name, nil)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

// GetBlob implements provider.Provider.
func (p *Provider) GetBlob(ctx context.Context, ref provider.BlobRef) ([]byte, error) {
	if err := start(ctx); err != nil {
		return nil, err
	}
	client, found, err := p.blobClient(ctx, accountOf(ref))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("azure: blob %s: storage account %s does not exist: %w", ref, ref.Account, provider.ErrNotFound)
	}
	data, err := p.download(ctx, client, ref)
	if err != nil {
		return nil, p.blobErr(err, "read blob "+ref.String())
	}
	return data, nil
}

// ListBlobs implements provider.Provider.
func (p *Provider) ListBlobs(ctx context.Context, ref provider.ContainerRef, prefix string) ([]string, error) {
	if err := start(ctx); err != nil {
		return nil, err
	}
	what := "list blobs of " + ref.Account + "/" + ref.Container
	client, found, err := p.blobClient(ctx, provider.ResourceRef{ResourceGroup: ref.ResourceGroup, Name: ref.Account})
	if err != nil {
		return nil, err
	}
	if !found {
		if p.dry {
			return nil, nil
		}
		return nil, fmt.Errorf("azure: %s: storage account %s does not exist: %w", what, ref.Account, provider.ErrNotFound)
	}
	var names []string
	pager := client.NewListBlobsFlatPager(ref.Container, &azblob.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if p.dry && bloberror.HasCode(err, bloberror.ContainerNotFound) {
				return nil, nil
			}
			return nil, p.blobErr(err, what)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name != nil && strings.HasPrefix(*b.Name, prefix) {
				names = append(names, *b.Name)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// DeleteBlob implements provider.Provider.
func (p *Provider) DeleteBlob(ctx context.Context, ref provider.BlobRef) (provider.Change, error) {
	c := provider.Change{Kind: kindBlob, Name: ref.String(), Op: provider.OpNone}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "blob " + ref.String()
	client, found, err := p.blobClient(ctx, accountOf(ref))
	if err != nil || !found {
		return c, err
	}
	_, exists, err := p.blobMD5(ctx, client, ref)
	if err != nil || !exists {
		return c, p.blobErr(err, "read "+what)
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	_, err = client.DeleteBlob(ctx, ref.Container, ref.Name, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		err = nil
	}
	return c, p.blobErr(err, "delete "+what)
}

var _ azcore.TokenCredential = (*namedCredential)(nil)
