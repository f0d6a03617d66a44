package packages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/Masterminds/semver/v3"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options configures the S3 source. Empty credentials mean anonymous access.
type S3Options struct {
	Endpoint        string // e.g. https://s3.eu-west-1.amazonaws.com or a compatible server; "" = AWS default
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	PathStyle       bool         // bucket in the path rather than the host name (needed by most non-AWS servers)
	HTTPClient      *http.Client // nil = the SDK's default
}

// S3Source reads packages from S3.
type S3Source struct{ client *s3.Client }

// NewS3Source builds an S3 client from opts.
func NewS3Source(opts S3Options) *S3Source {
	o := s3.Options{
		Region:       opts.Region,
		UsePathStyle: opts.PathStyle,
		Credentials:  aws.AnonymousCredentials{},
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if opts.Endpoint != "" {
		o.BaseEndpoint = aws.String(opts.Endpoint)
	}
	if opts.AccessKeyID != "" {
		o.Credentials = credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken)
	}
	if opts.HTTPClient != nil {
		o.HTTPClient = opts.HTTPClient
	}
	return &S3Source{client: s3.New(o)}
}

// Versions lists the versions of pkg under prefix in bucket.
func (s *S3Source) Versions(ctx context.Context, bucket, prefix, pkg string) ([]*semver.Version, error) {
	var out []*semver.Version
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket),
		Prefix: aws.String(keyPrefix(prefix, pkg)),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s*: %w", bucket, keyPrefix(prefix, pkg), s3Err(err))
		}
		for _, o := range page.Contents {
			if v, ok := versionFromKey(prefix, pkg, aws.ToString(o.Key)); ok {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// Object describes a package in S3.
type Object struct {
	Size   int64
	ETag   string
	SHA256 string // base64 full-object SHA-256 when S3 has one, else ""
}

// Stat describes the object at key.
func (s *S3Source) Stat(ctx context.Context, bucket, key string) (Object, error) {
	h, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return Object{}, fmt.Errorf("s3://%s/%s: %w", bucket, key, s3Err(err))
	}
	o := Object{Size: aws.ToInt64(h.ContentLength), ETag: aws.ToString(h.ETag)}
	// A composite (multipart) checksum is not the SHA-256 of the bytes: ignore it.
	if h.ChecksumType != types.ChecksumTypeComposite {
		o.SHA256 = aws.ToString(h.ChecksumSHA256)
	}
	return o, nil
}

// Open streams the object at key; the caller closes the body.
func (s *S3Source) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	g, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, s3Err(err))
	}
	return g.Body, nil
}

// s3Err marks missing buckets and keys with ErrNotFound, refused
// credentials with ErrAccessDenied.
func s3Err(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NotFound", "NoSuchKey", "NoSuchBucket":
			return fmt.Errorf("%w (%s)", ErrNotFound, api.ErrorCode())
		case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return fmt.Errorf("%w (%s)", ErrAccessDenied, api.ErrorCode())
		}
	}
	return err
}
