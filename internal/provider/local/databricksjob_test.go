package local

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// The job needs its workspace (deploy_common's), a changed schedule is an
// update naming the field, and the workspace's deletion takes its jobs.
func TestDatabricksJobLivesInItsWorkspace(t *testing.T) {
	ctx := context.Background()
	p, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ws := provider.DatabricksWorkspace{ResourceGroup: "rg", Name: "dbw", ManagedResourceGroup: "dbw-managed"}
	job := provider.DatabricksJob{Workspace: provider.ResourceRef{ResourceGroup: "rg", Name: "dbw"}, Name: "aura-job",
		Schedule: "59 59 23 * * ?", Timezone: "Europe/Madrid", NodeType: "Standard_D8as_v4"}
	if _, err := p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: "rg"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureDatabricksJob(ctx, job); !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), `workspace "dbw" does not exist`) {
		t.Errorf("job without its workspace: %v, want ErrNotFound naming the workspace", err)
	}
	if _, err := p.EnsureDatabricksWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		schedule string
		op       provider.Op
		detail   string
	}{
		{"59 59 23 * * ?", provider.OpCreate, ""},
		{"59 59 23 * * ?", provider.OpNone, ""},
		{"0 0 2 * * ?", provider.OpUpdate, "changed: schedule"},
	}
	for _, s := range steps {
		job.Schedule = s.schedule
		c, err := p.EnsureDatabricksJob(ctx, job)
		if err != nil || c.Op != s.op || c.Detail != s.detail {
			t.Errorf("schedule %q: %q, %v; want %s %q", s.schedule, c, err, s.op, s.detail)
		}
	}
	if _, err := p.DeleteDatabricksWorkspace(ctx, job.Workspace); err != nil {
		t.Fatal(err)
	}
	if _, err := p.EnsureDatabricksWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if c, err := p.EnsureDatabricksJob(ctx, job); err != nil || c.Op != provider.OpCreate {
		t.Errorf("job after its workspace was deleted and made again: %q, %v; want a create (the job went with the workspace)", c, err)
	}
}
