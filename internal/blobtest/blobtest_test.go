package blobtest

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// The emulator accepts the well-known dev account's key, and a restart keeps its
// data (stop/start of the local provider relies on that).
func TestStartServesBlobAPIAndRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	s := Start(t)
	c, err := container.NewClientFromConnectionString(s.ConnectionString, "kept",
		// No retries: the stopped emulator must fail at once.
		&container.ClientOptions{ClientOptions: policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, nil); err != nil {
		t.Fatalf("create container with the dev account key: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProperties(ctx, nil); err != nil {
		t.Fatalf("container lost across a restart: %v", err)
	}
	s.Stop()
	if _, err := c.GetProperties(ctx, nil); err == nil {
		t.Fatal("Stop left the emulator answering")
	}
}
