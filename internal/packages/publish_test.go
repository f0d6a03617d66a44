package packages

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestVersionsListsOnlyThePackagesKeys(t *testing.T) {
	src := fakeS3(t, "pkgs")
	for _, k := range []string{
		"nlp/es-bot-0.0.1.tgz", "nlp/es-bot-0.1.0.tgz", "nlp/es-bot-1.0.0-rc.1.tgz",
		"nlp/es-bot-extra-9.9.9.tgz", "nlp/es-bot-latest.tgz", "other/es-bot-5.0.0.tgz",
	} {
		putObject(t, src, "pkgs", k, []byte(k))
	}
	vs, err := src.Versions(context.Background(), "pkgs", "nlp", "es-bot")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	slices.Sort(got)
	want := []string{"0.0.1", "0.1.0", "1.0.0-rc.1"}
	if !slices.Equal(got, want) {
		t.Fatalf("Versions = %v, want %v", got, want)
	}
	if _, err := src.Versions(context.Background(), "no-such-bucket", "nlp", "es-bot"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing bucket: err = %v, want ErrNotFound", err)
	}
}

func TestPublishCopiesVerifiesAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	src := fakeS3(t, "pkgs")
	_, sink := azurite(t, "packages")
	data := make([]byte, 9<<20+123) // spans several 4 MiB blocks, ends mid-block
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	key := Key("nlp", "es-bot", "1.2.3")
	putObject(t, src, "pkgs", key, data)
	p := &Publisher{Source: src, Sink: sink}

	got, err := p.Publish(ctx, "pkgs", key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got.Skipped || got.Size != int64(len(data)) || got.SHA256 != hex.EncodeToString(sum[:]) || got.Blob != key {
		t.Fatalf("Publish = %+v, want size %d sha %x", got, len(data), sum)
	}
	if !strings.HasSuffix(got.URL, "/packages/"+key) {
		t.Fatalf("URL = %s", got.URL)
	}
	// The blob holds exactly the S3 bytes.
	resp, err := sink.c.NewBlobClient(key).DownloadStream(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	blobData, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(blobData, data) {
		t.Fatalf("blob content differs from the S3 object (read %d bytes, err %v)", len(blobData), err)
	}

	again, err := p.Publish(ctx, "pkgs", key)
	if err != nil || !again.Skipped || again.SHA256 != got.SHA256 {
		t.Fatalf("second Publish = %+v, %v; want skipped with the same checksum", again, err)
	}

	// A new object under the same key (new ETag) is copied again.
	putObject(t, src, "pkgs", key, data[:1000])
	third, err := p.Publish(ctx, "pkgs", key)
	if err != nil || third.Skipped || third.Size != 1000 {
		t.Fatalf("after the S3 object changed: Publish = %+v, %v", third, err)
	}
}

func TestPublishFailuresLeaveNoBlob(t *testing.T) {
	ctx := context.Background()
	src := fakeS3(t, "pkgs")
	_, sink := azurite(t, "packages")
	p := &Publisher{Source: src, Sink: sink}

	_, err := p.Publish(ctx, "pkgs", Key("nlp", "es-bot", "7.7.7"))
	var de *DownloadError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "download: ") {
		t.Fatalf("missing package: err = %v, want a download error wrapping ErrNotFound", err)
	}

	// Uploading to a container that does not exist is a real upload failure.
	key := Key("nlp", "es-bot", "1.0.0")
	putObject(t, src, "pkgs", key, []byte("payload"))
	broken := &Publisher{Source: src, Sink: mustSink(t, sink, "missing-container")}
	var ue *UploadError
	if _, err := broken.Publish(ctx, "pkgs", key); !errors.As(err, &ue) || errors.As(err, &de) || !strings.HasPrefix(err.Error(), "upload: ") {
		t.Fatalf("upload to a missing container: err = %v, want an upload error", err)
	}
	if _, ok, err := sink.stat(ctx, key); err != nil || ok {
		t.Fatalf("blob exists after failed publish elsewhere: ok=%v err=%v", ok, err)
	}
}

// A source that breaks mid-stream is reported as a download failure, and the
// upload is not committed.
func TestCopyReportsBrokenDownload(t *testing.T) {
	ctx := context.Background()
	_, sink := azurite(t, "packages")
	p := &Publisher{Sink: sink}
	r := io.MultiReader(io.LimitReader(zeros{}, 5<<20), errReader{errors.New("connection reset by peer")})
	_, _, err := p.Copy(ctx, "broken.tgz", r)
	var de *DownloadError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "download: connection reset by peer") {
		t.Fatalf("Copy error = %v, want the download error", err)
	}
	if _, ok, err := sink.stat(ctx, "broken.tgz"); err != nil || ok {
		t.Fatalf("a half-copied blob is visible: ok=%v err=%v", ok, err)
	}
}

func TestNewBlobSinkNeverEchoesTheKey(t *testing.T) {
	_, err := NewBlobSink(BlobOptions{AccountURL: "http://127.0.0.1:1/acct", Container: "c", AccountName: "acct", AccountKey: "not base64 secret!!"})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v; want an error that does not contain the key", err)
	}
}

func mustSink(t *testing.T, like *BlobSink, containerName string) *BlobSink {
	t.Helper()
	u := strings.TrimSuffix(like.URL(), "/packages")
	s, err := NewBlobSink(BlobOptions{AccountURL: u, Container: containerName, AccountName: "devstoreaccount1",
		AccountKey: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// A SAS token in the account URL authenticates but never shows in URL() (logged at start).
func TestSinkURLHidesSASToken(t *testing.T) {
	s, err := NewBlobSink(BlobOptions{AccountURL: "https://acct.blob.core.windows.net/?sv=2024&sig=SECRETSIG", Container: "pkgs"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.URL(); got != "https://acct.blob.core.windows.net/pkgs" {
		t.Fatalf("URL() = %q", got)
	}
	if !strings.Contains(s.c.URL(), "sig=SECRETSIG") {
		t.Fatalf("the SAS token was dropped from the client URL %q", s.c.URL())
	}
}
