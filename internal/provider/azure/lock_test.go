package azure

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/blobtest"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/azure/fakecloud"
)

// TestLockIsALeaseOnTheCommonAccount: a second run finds the lock taken,
// named with its holder; it queues with wait and gets the lock once the
// first run releases it. Before the account exists there is nothing to lock.
func TestLockIsALeaseOnTheCommonAccount(t *testing.T) {
	t.Setenv("AZURITE_ACCOUNTS", contractAccount+":"+contractKey)
	az := blobtest.Start(t)
	u, err := url.Parse(az.AccountURL)
	if err != nil {
		t.Fatal(err)
	}
	base := u.Scheme + "://" + u.Host
	cloud := fakecloud.New()
	cloud.AccountKey = contractKey
	blobs := fakecloud.AzuriteBlobs{Base: base, Key: contractKey}
	cloud.Blobs, cloud.BlobEndpoint = blobs, blobs.Endpoint
	newRun := func() *Provider {
		e := newEnvOn(t, cloud, &recorder{arm: cloud.Transport(), blobHost: u.Host}, &provider.MemoryTokenStore{})
		e.p.opts.LockAccount = provider.ResourceRef{ResourceGroup: "aura-common-es-ct", Name: contractAccount}
		return e.p
	}
	ctx := context.Background()
	first, second := newRun(), newRun()
	holder := provider.LockHolder{Command: "aura deploy_system", PID: 4242, User: "ob", Host: "bastion", Since: time.Now()}

	unlock, err := first.Lock(ctx, "environment-es-ct", holder, false)
	if err != nil {
		t.Fatalf("lock before deploy_common: %v", err)
	}
	unlock()

	must(t)(first.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "aura-common-es-ct", Location: "westeurope"}))
	must(t)(first.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: "aura-common-es-ct", Name: contractAccount, Location: "westeurope"}))

	unlock, err = first.Lock(ctx, "environment-es-ct", holder, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = second.Lock(ctx, "environment-es-ct", provider.LockHolder{Command: "aura delete_system"}, false)
	var locked *provider.LockedError
	if !errors.As(err, &locked) || locked.Holder.PID != 4242 || !strings.Contains(err.Error(), "aura deploy_system") {
		t.Fatalf("second run: %v, want the lock named with its holder", err)
	}
	other, err := second.Lock(ctx, "cluster-other", holder, false)
	if err != nil {
		t.Fatalf("another lock name: %v", err)
	}
	other()

	got := make(chan error, 1)
	go func() {
		u, err := second.Lock(ctx, "environment-es-ct", provider.LockHolder{Command: "aura delete_system"}, true)
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a queued run got past a held lock: %v", err)
	case <-time.After(3 * time.Second):
	}
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the queued run did not get the lock after it was released")
	}
}
