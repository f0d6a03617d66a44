package packages

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// Published describes a package that is now in the blob container.
type Published struct {
	Blob    string // blob name (= S3 key)
	URL     string
	Size    int64
	SHA256  string // hex
	Skipped bool   // the blob was already there with the same content
}

// Publisher copies packages from an S3 source to a blob sink.
type Publisher struct {
	Source *S3Source
	Sink   *BlobSink
}

// Publish copies s3://bucket/key to the blob of the same name, streaming, and
// verifies that the bytes read match S3's size (and SHA-256 when S3 has one) and
// that the committed blob has that size. A blob that already holds that object
// (same size, same source ETag) is not copied again. On any failure the blob is
// left as it was before, or removed if the failure was found after commit.
func (p *Publisher) Publish(ctx context.Context, bucket, key string) (Published, error) {
	src := "s3://" + bucket + "/" + key
	obj, err := p.Source.Stat(ctx, bucket, key)
	if err != nil {
		return Published{}, &DownloadError{err}
	}
	if info, ok, err := p.Sink.stat(ctx, key); err != nil {
		return Published{}, &UploadError{err}
	} else if ok && info.Size == obj.Size && info.Metadata[metaETag] == obj.ETag &&
		info.Metadata[metaSource] == src && info.Metadata[metaSHA256] != "" {
		return Published{Blob: key, URL: p.blobURL(key), Size: info.Size, SHA256: info.Metadata[metaSHA256], Skipped: true}, nil
	}

	body, err := p.Source.Open(ctx, bucket, key)
	if err != nil {
		return Published{}, &DownloadError{err}
	}
	defer body.Close()
	n, sum, err := p.Copy(ctx, key, body)
	if err != nil {
		return Published{}, err
	}
	hexSum := hex.EncodeToString(sum)
	// What was read or committed is not the package: remove the blob.
	bad := func(err error) (Published, error) {
		p.Sink.delete(ctx, key)
		return Published{}, err
	}
	if n != obj.Size {
		return bad(&DownloadError{fmt.Errorf("verify %s: read %d bytes, S3 says %d", src, n, obj.Size)})
	}
	if obj.SHA256 != "" && obj.SHA256 != base64.StdEncoding.EncodeToString(sum) {
		return bad(&DownloadError{fmt.Errorf("verify %s: SHA-256 %s does not match S3's checksum", src, hexSum)})
	}
	info, ok, err := p.Sink.stat(ctx, key)
	if err != nil {
		return Published{}, &UploadError{fmt.Errorf("verify: %w", err)}
	}
	if !ok || info.Size != n {
		return bad(&UploadError{fmt.Errorf("verify %s: blob holds %d bytes after upload, expected %d", src, info.Size, n)})
	}
	if err := p.Sink.setMetadata(ctx, key, map[string]string{metaSHA256: hexSum, metaSource: src, metaETag: obj.ETag}); err != nil {
		return Published{}, &UploadError{err}
	}
	return Published{Blob: key, URL: p.blobURL(key), Size: n, SHA256: hexSum}, nil
}

// Copy streams r into the blob name and returns the byte count and SHA-256 of
// what was read. Memory stays bounded by the sink's block buffers.
func (p *Publisher) Copy(ctx context.Context, name string, r io.Reader) (int64, []byte, error) {
	cr := &countingHash{h: sha256.New()}
	src := &readErrs{r: r}
	if err := p.Sink.upload(ctx, name, io.TeeReader(src, cr)); err != nil {
		if src.err != nil {
			return 0, nil, &DownloadError{src.err}
		}
		return 0, nil, &UploadError{err}
	}
	return cr.n, cr.h.Sum(nil), nil
}

// readErrs remembers the source's read error so that a broken download is not
// reported as an upload failure.
type readErrs struct {
	r   io.Reader
	err error
}

func (e *readErrs) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

func (p *Publisher) blobURL(name string) string { return p.Sink.URL() + "/" + name }

type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return c.h.Write(b)
}
