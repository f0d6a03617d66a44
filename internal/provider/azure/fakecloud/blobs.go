package fakecloud

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
)

// AzuriteBlobs is the data plane of the fake's storage accounts in a real
// Azurite, which serves every account at Base/ACCOUNT (path style) with
// Key once it was started with AZURITE_ACCOUNTS=ACCOUNT:Key;…. Pair it
// with BlobEndpoint = AzuriteBlobs.Endpoint and AccountKey = Key, so the
// provider reaches the blobs of the account ARM describes.
type AzuriteBlobs struct {
	Base string // e.g. http://127.0.0.1:10000
	Key  string
}

var _ Blobs = AzuriteBlobs{}

// Endpoint is an account's blob endpoint.
func (a AzuriteBlobs) Endpoint(account string) string { return a.Base + "/" + account + "/" }

// Client is a client of an account's blobs, signed with Key.
func (a AzuriteBlobs) Client(account string) (*azblob.Client, error) {
	cred, err := azblob.NewSharedKeyCredential(account, a.Key)
	if err != nil {
		return nil, err
	}
	return azblob.NewClientWithSharedKeyCredential(a.Endpoint(account), cred, nil)
}

// CreateContainer implements Blobs.
func (a AzuriteBlobs) CreateContainer(account, container string) error {
	c, err := a.Client(account)
	if err != nil {
		return err
	}
	_, err = c.CreateContainer(context.Background(), container, nil)
	if bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return nil
	}
	return err
}

// ResetAccount implements Blobs: the account's containers are deleted.
func (a AzuriteBlobs) ResetAccount(account string) error {
	c, err := a.Client(account)
	if err != nil {
		return err
	}
	pager := c.NewListContainersPager(nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			return err
		}
		for _, ct := range page.ContainerItems {
			if _, err := c.DeleteContainer(context.Background(), *ct.Name, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
