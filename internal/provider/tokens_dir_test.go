package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestDirTokenStoreConcurrentPutAndDelete: one operation of a step ends
// (its token deleted, the emptied directory removed) while another starts
// (its token saved): every Put succeeds.
func TestDirTokenStoreConcurrentPutAndDelete(t *testing.T) {
	ctx := context.Background()
	s := DirTokenStore{Dir: filepath.Join(t.TempDir(), "ops")}
	for i := range 200 {
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- s.Put(ctx, fmt.Sprintf("a%d", i), "tok")
		}()
		go func() {
			defer wg.Done()
			if err := s.Put(ctx, fmt.Sprintf("b%d", i), "tok"); err != nil {
				errs <- err
				return
			}
			errs <- s.Delete(ctx, fmt.Sprintf("b%d", i))
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		}
		if err := s.Delete(ctx, fmt.Sprintf("a%d", i)); err != nil {
			t.Fatal(err)
		}
	}
}
