package azure

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
	"github.com/auracognitive/aurak8s/internal/provider/providertest"
)

// contractAccount is the fixture's storage account, which Azurite is told
// to serve with contractKey.
const contractAccount = "auracommonesct"

var contractKey = base64.StdEncoding.EncodeToString([]byte("aurak8s contract test storage account key, 64 bytes long........"))

// azuriteBlobs is the fake cloud's data plane: ARM containers are created
// in Azurite, accounts created or deleted in ARM lose their blobs there.
type azuriteBlobs struct{ base string }

func (a azuriteBlobs) client(account string) (*azblob.Client, error) {
	cred, err := azblob.NewSharedKeyCredential(account, contractKey)
	if err != nil {
		return nil, err
	}
	return azblob.NewClientWithSharedKeyCredential(a.base+"/"+account+"/", cred, nil)
}

func (a azuriteBlobs) CreateContainer(account, container string) error {
	c, err := a.client(account)
	if err != nil {
		return err
	}
	_, err = c.CreateContainer(context.Background(), container, nil)
	if bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return nil
	}
	return err
}

func (a azuriteBlobs) ResetAccount(account string) error {
	c, err := a.client(account)
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

// TestContract runs the provider contract against the fake cloud, with
// blobs in a real Azurite.
func TestContract(t *testing.T) {
	t.Setenv("AZURITE_ACCOUNTS", contractAccount+":"+contractKey)
	az := blobtest.Start(t)
	u, err := url.Parse(az.AccountURL)
	if err != nil {
		t.Fatal(err)
	}
	base := u.Scheme + "://" + u.Host
	// Operations that end at once, and operations that are polled.
	for _, steps := range []int{0, 2} {
		t.Run(fmt.Sprintf("lro-polls=%d", steps), func(t *testing.T) { contract(t, base, u.Host, steps) })
	}
}

func contract(t *testing.T, base, blobHost string, lroSteps int) {
	providertest.Run(t, providertest.Harness{New: func(t *testing.T) providertest.Env {
		cloud := fakecloud.New()
		cloud.LROSteps = lroSteps
		cloud.AccountKey = contractKey
		cloud.Blobs = azuriteBlobs{base: base}
		cloud.BlobEndpoint = func(account string) string { return base + "/" + account + "/" }
		e := newEnvOn(t, cloud, &recorder{arm: cloud.Transport(), blobHost: blobHost}, &provider.MemoryTokenStore{})
		return providertest.Env{Provider: e.p, State: func(*testing.T) string { return e.state() }}
	}})
}
