package azure

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

func TestResourceGroupTagsAreMergedNotReplaced(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	must(t)(e.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "westeurope", Tags: map[string]string{"env": "es-dev"}}))
	// Someone (an Azure Policy) adds a tag: it is not aura's to remove.
	must(t)(e.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "westeurope", Tags: map[string]string{"env": "es-dev", "costcenter": "42"}}))
	e.rec.reset()
	if c := must(t)(e.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "westeurope", Tags: map[string]string{"env": "es-dev"}})); c.Changed() {
		t.Errorf("%q: a tag aura does not set made it write", c)
	}
	c := must(t)(e.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "westeurope", Tags: map[string]string{"env": "es-pro"}}))
	if c.Op != provider.OpUpdate || len(e.rec.writes()) != 1 {
		t.Errorf("%q with writes %q, want one update", c, e.rec.writes())
	}
	if !strings.Contains(e.cloud.Snapshot(), `"costcenter": "42"`) {
		t.Error("the update dropped a tag aura does not own")
	}
}

func TestResourceGroupInAnotherRegion(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	must(t)(e.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "northeurope"}))
	e.rec.reset()
	_, err := e.p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: testRG, Location: "westeurope"})
	if err == nil || !strings.Contains(err.Error(), "azure_region") || !strings.Contains(err.Error(), "northeurope") {
		t.Errorf("error %v, want one naming the group's region and azure_region", err)
	}
	if len(e.rec.writes()) != 0 {
		t.Errorf("wrote %q", e.rec.writes())
	}
}

// TestResourceGroupDeleteResumes: delete_common interrupted while Azure
// deletes the group resumes waiting for that deletion.
func TestResourceGroupDeleteResumes(t *testing.T) {
	e := newEnv(t)
	e.group(t, testRG)
	e.cloud.LROSteps = 2
	ctx, cancel := context.WithCancel(context.Background())
	e.rec.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/get/fake/status") {
			cancel()
		}
	}
	if _, err := e.p.DeleteResourceGroup(ctx, testRG); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted delete: %v", err)
	}
	e.rec.onRequest = nil
	c := must(t)(e.p.DeleteResourceGroup(context.Background(), testRG))
	if c.Op != provider.OpDelete || !strings.Contains(c.Detail, "resumed") {
		t.Errorf("second run: %q, want the resumed delete", c)
	}
	if n := e.rec.count(http.MethodDelete, "/resourcegroups/"+testRG); n != 1 {
		t.Errorf("%d DELETE requests, want 1", n)
	}
	if c := must(t)(e.p.DeleteResourceGroup(context.Background(), testRG)); c.Changed() {
		t.Errorf("third run: %q", c)
	}
}
