package azure

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"

	"github.com/auracognitive/aurak8s/internal/provider"
)

var _ provider.Locker = (*Provider)(nil)

const (
	lockContainer = "aura-locks"
	lockHolderKey = "holder"
	// A lease outlives a killed run by at most leaseSeconds; a live run
	// renews it every leaseRenew.
	leaseSeconds = 60
	leaseRenew   = 20 * time.Second
	lockPoll     = 2 * time.Second
)

// Lock implements provider.Locker with a lease on the blob
// aura-locks/NAME of the common storage account (Options.LockAccount), which
// holds the holder in its metadata. The lease lasts a minute and is renewed
// while the run lives, so a killed run frees the environment within a minute.
// Before deploy_common has created the account there is nothing to lock it
// in: that first run goes unguarded.
func (p *Provider) Lock(ctx context.Context, name string, holder provider.LockHolder, wait bool) (func(), error) {
	if p.opts.LockAccount.Name == "" {
		return nil, fmt.Errorf("azure: no storage account to hold environment locks in")
	}
	client, found, err := p.blobClient(ctx, p.opts.LockAccount)
	if err != nil {
		return nil, err
	}
	if !found {
		return func() {}, nil
	}
	if _, err := client.CreateContainer(ctx, lockContainer, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return nil, p.wrap(err, "create lock container in "+p.opts.LockAccount.Name, "")
	}
	bb := client.ServiceClient().NewContainerClient(lockContainer).NewBlockBlobClient(name)
	_, err = bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(nil)), &blockblob.UploadOptions{AccessConditions: &blob.AccessConditions{
		ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}}})
	if err != nil && !bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet, bloberror.LeaseIDMissing) {
		return nil, p.wrap(err, "create lock blob "+name, "")
	}
	id, err := leaseID()
	if err != nil {
		return nil, err
	}
	lc, err := lease.NewBlobClient(bb, &lease.BlobClientOptions{LeaseID: &id})
	if err != nil {
		return nil, err
	}
	for {
		_, err := lc.AcquireLease(ctx, leaseSeconds, nil)
		if bloberror.HasCode(err, bloberror.LeaseAlreadyPresent) {
			locked := &provider.LockedError{Name: name}
			if props, err := bb.GetProperties(ctx, nil); err == nil {
				for k, v := range props.Metadata {
					// Metadata names come back as HTTP canonicalised them.
					if strings.EqualFold(k, lockHolderKey) && v != nil {
						if raw, err := base64.RawURLEncoding.DecodeString(*v); err == nil {
							_ = json.Unmarshal(raw, &locked.Holder)
						}
					}
				}
			}
			if !wait {
				return nil, locked
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(lockPoll):
				continue
			}
		}
		if err != nil {
			return nil, p.wrap(err, "lease lock blob "+name, "")
		}
		break
	}
	raw, _ := json.Marshal(holder)
	meta := map[string]*string{lockHolderKey: to.Ptr(base64.RawURLEncoding.EncodeToString(raw))}
	if _, err := bb.SetMetadata(ctx, meta, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{
		LeaseAccessConditions: &blob.LeaseAccessConditions{LeaseID: &id}}}); err != nil {
		_, _ = lc.ReleaseLease(context.WithoutCancel(ctx), nil)
		return nil, p.wrap(err, "write lock holder "+name, "")
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(leaseRenew):
				_, _ = lc.RenewLease(context.WithoutCancel(ctx), nil)
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		_, _ = lc.ReleaseLease(context.WithoutCancel(ctx), nil)
	}, nil
}

// leaseID is a random GUID, the form a proposed lease ID must have.
func leaseID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
