package azure

import (
	"context"
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// operationsContainer holds the resume tokens in the common storage account.
const operationsContainer = "aura-operations"

// accountTokens keeps resume tokens with the environment's state (DESIGN
// §6a): as blobs aura-operations/KEY of the common storage account, so the
// next phase resumes an interrupted operation whichever machine runs it.
// Every token is also kept in local (Options.Tokens, a directory): it is the
// only store before deploy_common created the account, and it still holds
// the token of the resource-group delete that takes the account with it.
type accountTokens struct {
	p     *Provider
	ref   provider.ResourceRef
	local provider.TokenStore
}

var _ provider.TokenStore = (*accountTokens)(nil)

// Get implements provider.TokenStore: the account's copy wins, as another
// machine may have written it since.
func (s *accountTokens) Get(ctx context.Context, key string) (string, bool, error) {
	if err := provider.CheckTokenKey(key); err != nil {
		return "", false, err
	}
	if s.localOnly(key) {
		return s.local.Get(ctx, key)
	}
	client, found, err := s.p.blobClient(ctx, s.ref)
	if err != nil {
		return "", false, err
	}
	if found {
		resp, err := client.DownloadStream(ctx, operationsContainer, key, nil)
		switch {
		case err == nil:
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			if err != nil {
				return "", false, fmt.Errorf("resume token %s: %w", key, err)
			}
			return string(data), true, nil
		case !bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound):
			return "", false, s.p.wrap(err, "read resume token "+key+" in "+s.ref.Name, "")
		}
	}
	return s.local.Get(ctx, key)
}

// Put implements provider.TokenStore.
func (s *accountTokens) Put(ctx context.Context, key, token string) error {
	if err := s.local.Put(ctx, key, token); err != nil || s.localOnly(key) {
		return err
	}
	client, found, err := s.p.blobClient(ctx, s.ref)
	if err != nil || !found {
		return err
	}
	// The container exists but for the first token: create it only then.
	_, err = client.UploadBuffer(ctx, operationsContainer, key, []byte(token), nil)
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		if _, err := client.CreateContainer(ctx, operationsContainer, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			return s.p.wrap(err, "create container "+operationsContainer+" in "+s.ref.Name, "")
		}
		_, err = client.UploadBuffer(ctx, operationsContainer, key, []byte(token), nil)
	}
	if err != nil {
		return s.p.wrap(err, "save resume token "+key+" in "+s.ref.Name, "")
	}
	return nil
}

// Delete implements provider.TokenStore.
func (s *accountTokens) Delete(ctx context.Context, key string) error {
	if err := s.local.Delete(ctx, key); err != nil || s.localOnly(key) {
		return err
	}
	client, found, err := s.p.blobClient(ctx, s.ref)
	if err != nil || !found {
		return err
	}
	_, err = client.DeleteBlob(ctx, operationsContainer, key, nil)
	if err == nil || bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return nil
	}
	// The operation that ended may have deleted the account itself
	// (delete_common): then its tokens went with it.
	s.p.forgetBlobAccount(s.ref)
	if acct, _, gerr := s.p.getAccount(ctx, s.ref.ResourceGroup, s.ref.Name); gerr == nil && acct == nil {
		return nil
	}
	return s.p.wrap(err, "delete resume token "+key+" in "+s.ref.Name, "")
}

// localOnly: the delete of the group that holds the account keeps its
// token in the local directory, not in an account that is going away.
func (s *accountTokens) localOnly(key string) bool {
	return key == tokenKey("group", "delete", s.ref.ResourceGroup)
}

// tokens is where this provider's resume tokens live.
func (p *Provider) tokens() provider.TokenStore {
	if p.opts.LockAccount.Name == "" {
		return p.opts.Tokens
	}
	return &accountTokens{p: p, ref: p.opts.LockAccount, local: p.opts.Tokens}
}
