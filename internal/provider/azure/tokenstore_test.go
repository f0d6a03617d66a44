package azure

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestResumeTokensLiveInTheCommonAccount: once deploy_common created the
// common storage account, an operation interrupted on one machine is
// resumed by a run on another machine (another local state directory);
// before the account exists the tokens stay in the local directory.
func TestResumeTokensLiveInTheCommonAccount(t *testing.T) {
	t.Setenv("AZURITE_ACCOUNTS", contractAccount+":"+contractKey)
	az := blobtest.Start(t)
	u, err := url.Parse(az.AccountURL)
	if err != nil {
		t.Fatal(err)
	}
	cloud := fakecloud.New()
	cloud.AccountKey = contractKey
	blobs := fakecloud.AzuriteBlobs{Base: u.Scheme + "://" + u.Host, Key: contractKey}
	cloud.Blobs, cloud.BlobEndpoint = blobs, blobs.Endpoint
	rec := &recorder{arm: cloud.Transport(), blobHost: u.Host}
	common := provider.ResourceRef{ResourceGroup: "aura-common-es-ct", Name: contractAccount}
	machine := func() (*env, provider.DirTokenStore) {
		e := newEnvOn(t, cloud, rec, &provider.MemoryTokenStore{})
		dir := provider.DirTokenStore{Dir: t.TempDir()}
		e.p.opts.Tokens, e.p.opts.LockAccount = dir, common
		return e, dir
	}
	ctx := context.Background()
	a, aDir := machine()

	// Before deploy_common: only the local directory can hold a token.
	store := a.p.tokens()
	if err := store.Put(ctx, "early", "t0"); err != nil {
		t.Fatal(err)
	}
	if tok, found, err := aDir.Get(ctx, "early"); err != nil || !found || tok != "t0" {
		t.Fatalf("local copy before the account exists: %q %v %v", tok, found, err)
	}
	must(t)(a.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: common.ResourceGroup, Location: "westeurope"}))
	must(t)(a.p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: common.ResourceGroup, Name: common.Name, Location: "westeurope"}))
	if tok, found, err := store.Get(ctx, "early"); err != nil || !found || tok != "t0" {
		t.Fatalf("a local-only token after the account exists: %q %v %v", tok, found, err)
	}
	if err := store.Delete(ctx, "early"); err != nil {
		t.Fatal(err)
	}

	// An AKS create interrupted on machine A...
	a.group(t, testRG)
	cloud.LROSteps = 3
	cctx, cancel := context.WithCancel(ctx)
	rec.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/get/fake/status") {
			cancel()
		}
	}
	if _, err := a.p.EnsureCluster(cctx, testCluster()); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	rec.onRequest = nil
	if names, err := a.p.ListBlobs(ctx, provider.ContainerRef{ResourceGroup: common.ResourceGroup, Account: common.Name, Container: operationsContainer}, "aks.put."); err != nil || len(names) != 1 {
		t.Fatalf("tokens in the common account: %q, %v; want the cluster's", names, err)
	}

	// ... is resumed by machine B, whose local directory is empty.
	b, bDir := machine()
	c := must(t)(b.p.EnsureCluster(ctx, testCluster()))
	if c.Op != provider.OpCreate || !strings.Contains(c.Detail, "resumed") {
		t.Errorf("run on machine B: %q, want the resumed create", c)
	}
	if n := rec.count(http.MethodPut, "/managedClusters/"); n != 1 {
		t.Errorf("%d PUTs of the cluster in total, want 1", n)
	}
	if names, err := b.p.ListBlobs(ctx, provider.ContainerRef{ResourceGroup: common.ResourceGroup, Account: common.Name, Container: operationsContainer}, ""); err != nil || len(names) != 0 {
		t.Errorf("tokens left in the common account: %q, %v", names, err)
	}
	for _, d := range []provider.DirTokenStore{aDir, bDir} {
		if _, found, _ := d.Get(ctx, c.Name); found {
			t.Errorf("token left in %s", d.Dir)
		}
	}

	// delete_common takes the account with it; the token of that delete
	// is kept locally, not written into the account being deleted.
	if _, err := b.p.DeleteResourceGroup(ctx, common.ResourceGroup); err != nil {
		t.Fatalf("delete the common resource group: %v", err)
	}
	client, err := blobs.Client(common.Name)
	if err != nil {
		t.Fatal(err)
	}
	page, err := client.NewListContainersPager(nil).NextPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.ContainerItems) != 0 {
		t.Errorf("containers written into the deleted account: %d (%s)", len(page.ContainerItems), *page.ContainerItems[0].Name)
	}
	if _, found, _ := bDir.Get(ctx, tokenKey("group", "delete", common.ResourceGroup)); found {
		t.Error("the group delete's token is left in the local directory")
	}
}
