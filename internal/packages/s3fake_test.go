package packages

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/auracognitive/aurak8s/internal/blobtest"
)

// fakeS3 is an in-process S3 server; TLS because gofakes3 cannot read a
// non-seekable body over plain HTTP (DEPENDENCIES.md).
func fakeS3(t testing.TB, bucket string) *S3Source {
	t.Helper()
	backend := s3mem.New()
	ts := httptest.NewTLSServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	return NewS3Source(S3Options{
		Endpoint: ts.URL, Region: "eu-west-1", PathStyle: true, HTTPClient: ts.Client(),
		AccessKeyID: "test", SecretAccessKey: "test",
	})
}

func putObject(t testing.TB, s *S3Source, bucket, key string, data []byte) {
	t.Helper()
	_, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func azurite(t testing.TB, containerName string) (*blobtest.Server, *BlobSink) {
	t.Helper()
	srv := blobtest.Start(t)
	sink, err := NewBlobSink(BlobOptions{
		AccountURL: srv.AccountURL, Container: containerName,
		AccountName: blobtest.AccountName, AccountKey: blobtest.AccountKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.CreateContainer(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv, sink
}
