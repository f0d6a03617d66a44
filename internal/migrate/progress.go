package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// progressPrefix holds the migrations' records in the destination's
// backups container of the common storage account: the account outlives
// both clusters, and the destination is where a re-run is started from.
const progressPrefix = "migrations/"

// store keeps one migration's record as a JSON blob. Saving after every
// sub-step is what makes a run resumable: whatever was saved is done.
type store struct {
	storage provider.Storage
	ref     provider.BlobRef
	dry     bool // a dry run reads the record but never writes it
}

func newStore(s provider.Storage, dst *Info, name string, dry bool) *store {
	return &store{storage: s, dry: dry, ref: provider.BlobRef{ResourceGroup: dst.CommonResourceGroup,
		Account: dst.CommonStorage, Container: dst.BackupsContainer, Name: progressPrefix + name}}
}

// load fills v from the record; false when there is none yet.
func (s *store) load(ctx context.Context, v any) (bool, error) {
	data, err := s.storage.GetBlob(ctx, s.ref)
	if errors.Is(err, provider.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("progress record %s: %w", s.ref, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("progress record %s is corrupt (delete it only if no migration is half done): %w", s.ref, err)
	}
	return true, nil
}

func (s *store) save(ctx context.Context, v any) error {
	if s.dry {
		return nil
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if _, err := s.storage.PutBlob(ctx, s.ref, append(data, '\n')); err != nil {
		return fmt.Errorf("progress record %s: %w", s.ref, err)
	}
	return nil
}
