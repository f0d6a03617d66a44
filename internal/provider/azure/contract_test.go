package azure

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"

	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
	"github.com/auracognitive/aurak8s/internal/provider/providertest"
)

// contractAccount is the fixture's storage account, which Azurite is told
// to serve with contractKey.
const contractAccount = "auracommonesct"

var contractKey = base64.StdEncoding.EncodeToString([]byte("aurak8s contract test storage account key, 64 bytes long........"))

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
		blobs := fakecloud.AzuriteBlobs{Base: base, Key: contractKey}
		cloud.Blobs, cloud.BlobEndpoint = blobs, blobs.Endpoint
		e := newEnvOn(t, cloud, &recorder{arm: cloud.Transport(), blobHost: blobHost}, &provider.MemoryTokenStore{})
		return providertest.Env{Provider: e.p, State: func(*testing.T) string { return e.state() }}
	}})
}
