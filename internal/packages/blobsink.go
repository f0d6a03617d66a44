package packages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// Streaming buffers: at most blockSize*concurrency bytes of a package are in
// memory at once, whatever its size.
const (
	blockSize   = 4 << 20
	concurrency = 2
)

// Metadata keys written on each published blob.
const (
	metaSHA256 = "sha256"
	metaSource = "source"
	metaETag   = "source_etag"
)

// BlobOptions configures the Azure Blob sink. Exactly one way to authenticate:
// a connection string, an account key, or a container URL carrying a SAS token.
type BlobOptions struct {
	AccountURL       string // https://<account>.blob.core.windows.net (or Azurite's http://127.0.0.1:port/devstoreaccount1)
	Container        string
	AccountName      string // with AccountKey
	AccountKey       string
	ConnectionString string
	HTTPClient       *http.Client
}

// BlobSink writes packages to one Azure Blob container.
type BlobSink struct{ c *container.Client }

// NewBlobSink builds a container client from opts.
func NewBlobSink(opts BlobOptions) (*BlobSink, error) {
	var co container.ClientOptions
	if opts.HTTPClient != nil {
		co.Transport = opts.HTTPClient
	}
	co.Retry = policy.RetryOptions{MaxRetries: 2}
	var (
		c   *container.Client
		err error
	)
	switch {
	case opts.Container == "":
		return nil, errors.New("blob container name is empty")
	case opts.ConnectionString != "":
		c, err = container.NewClientFromConnectionString(opts.ConnectionString, opts.Container, &co)
	case opts.AccountURL == "":
		return nil, errors.New("blob account URL is empty (and no connection string was given)")
	case opts.AccountKey != "":
		cred, cerr := container.NewSharedKeyCredential(opts.AccountName, opts.AccountKey)
		if cerr != nil {
			// The SDK's message could echo the key: say only what is wrong.
			return nil, errors.New("blob account key is not valid base64")
		}
		c, err = container.NewClientWithSharedKeyCredential(containerURL(opts), cred, &co)
	default:
		c, err = container.NewClientWithNoCredential(containerURL(opts), &co)
	}
	if err != nil {
		return nil, fmt.Errorf("blob container %s: %w", opts.Container, err)
	}
	return &BlobSink{c: c}, nil
}

// containerURL appends the container to the account URL's path, keeping a SAS
// token in its query.
func containerURL(opts BlobOptions) string {
	u, err := url.Parse(opts.AccountURL)
	if err != nil {
		return strings.TrimRight(opts.AccountURL, "/") + "/" + opts.Container
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/" + opts.Container
	return u.String()
}

// URL is the container's URL without its query, so without any SAS token.
func (b *BlobSink) URL() string {
	u, err := url.Parse(b.c.URL())
	if err != nil {
		return "<unparsable container URL>"
	}
	u.RawQuery = ""
	return u.String()
}

// CreateContainer creates the container if it does not exist (tests and first runs).
func (b *BlobSink) CreateContainer(ctx context.Context) error {
	_, err := b.c.Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return fmt.Errorf("create blob container: %w", err)
	}
	return nil
}

// blobInfo describes a published blob.
type blobInfo struct {
	Size     int64
	Metadata map[string]string
}

// stat returns the blob's size and metadata, or ok=false when it does not exist.
func (b *BlobSink) stat(ctx context.Context, name string) (blobInfo, bool, error) {
	p, err := b.c.NewBlobClient(name).GetProperties(ctx, nil)
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound) || isStatus(err, http.StatusNotFound) {
			return blobInfo{}, false, nil
		}
		return blobInfo{}, false, fmt.Errorf("blob %s: %w", name, err)
	}
	md := map[string]string{}
	for k, v := range p.Metadata {
		if v != nil {
			md[lower(k)] = *v
		}
	}
	var size int64
	if p.ContentLength != nil {
		size = *p.ContentLength
	}
	return blobInfo{Size: size, Metadata: md}, true, nil
}

// upload streams r to the blob name. Block blobs become visible only when the
// block list is committed at the end, so a failed upload leaves any previous
// blob of that name as it was.
func (b *BlobSink) upload(ctx context.Context, name string, r io.Reader) error {
	_, err := b.c.NewBlockBlobClient(name).UploadStream(ctx, r, &blockblob.UploadStreamOptions{
		BlockSize:   blockSize,
		Concurrency: concurrency,
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: ptr("application/gzip")},
	})
	if err != nil {
		return fmt.Errorf("upload blob %s: %w", name, err)
	}
	return nil
}

func (b *BlobSink) setMetadata(ctx context.Context, name string, md map[string]string) error {
	m := make(map[string]*string, len(md))
	for k, v := range md {
		m[k] = ptr(v)
	}
	if _, err := b.c.NewBlobClient(name).SetMetadata(ctx, m, nil); err != nil {
		return fmt.Errorf("blob %s metadata: %w", name, err)
	}
	return nil
}

func (b *BlobSink) delete(ctx context.Context, name string) {
	_, _ = b.c.NewBlobClient(name).Delete(ctx, nil)
}

func isStatus(err error, code int) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == code
}

func ptr[T any](v T) *T { return &v }

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// DeleteContainer deletes the container and every blob in it (tests, teardown).
func (b *BlobSink) DeleteContainer(ctx context.Context) error {
	if _, err := b.c.Delete(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerNotFound) {
		return fmt.Errorf("delete blob container: %w", err)
	}
	return nil
}
