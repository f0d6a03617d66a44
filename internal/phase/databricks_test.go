package phase

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
)

// actionNamed finds a phase's action by name.
func actionNamed(t *testing.T, ph Phase, name string) Action {
	t.Helper()
	var names []string
	for _, s := range ph.Steps {
		for _, a := range s {
			if a.Name == name {
				return a
			}
			names = append(names, a.Name)
		}
	}
	t.Fatalf("%s has no action %q: %q", ph.Name, name, names)
	return Action{}
}

func converge(t *testing.T, a Action) Change {
	t.Helper()
	changes, err := a.Converge(context.Background())
	if err != nil || len(changes) != 1 {
		t.Fatalf("%s: %v, %v", a.Name, changes, err)
	}
	return changes[0]
}

// TestDatabricksJob: with databricks_enabled, deploy_core makes the job in
// the workspace deploy_common made, with the config's schedule and node
// type in the OB's time zone; a second deploy_core changes nothing; a new
// schedule updates the job; delete_core --full deletes it, without --full
// it stays.
func TestDatabricksJob(t *testing.T) {
	state := t.TempDir()
	p, err := local.New(local.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	const base = brazil + "\ndatabricks_enabled: true\ndatabricks: {cluster: {node_type_id: Standard_D16as_v4}}"
	env := func(files ...string) *Env {
		e := keysEnv(t, append([]string{base}, files...)...)
		e.Provider = p
		return e
	}
	e := env()
	job := e.databricksJob()
	jobAction := "databricks job " + job.Name
	readJob := func() (provider.DatabricksJob, bool) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(state, "resourcegroups", job.Workspace.ResourceGroup, "databricks", job.Workspace.Name+".jobs", job.Name+".json"))
		if errors.Is(err, fs.ErrNotExist) {
			return provider.DatabricksJob{}, false
		}
		var j provider.DatabricksJob
		if err != nil || json.Unmarshal(data, &j) != nil {
			t.Fatalf("job record: %v %s", err, data)
		}
		return j, true
	}

	// Before deploy_common there is no workspace: the plan says the job
	// will be made, deploy_core says what to run first.
	a := actionNamed(t, Core(e), jobAction)
	if planned, err := a.Observe(context.Background()); err != nil || len(planned) != 1 || planned[0].Op != provider.OpCreate {
		t.Errorf("plan before deploy_common: %v, %v", planned, err)
	}
	if _, err := a.Converge(context.Background()); err == nil || !strings.Contains(err.Error(), "deploy_common") {
		t.Errorf("deploy_core before deploy_common: %v, want an error naming deploy_common", err)
	}
	for _, s := range Common(e).Steps {
		for _, a := range s {
			if _, err := a.Converge(context.Background()); err != nil {
				t.Fatalf("%s: %v", a.Name, err)
			}
		}
	}

	if c := converge(t, actionNamed(t, Core(e), jobAction)); c.Op != provider.OpCreate {
		t.Errorf("first deploy_core: %q, want a create", c)
	}
	got, ok := readJob()
	if !ok || got.Schedule != "59 59 23 * * ?" || got.Timezone != "America/Sao_Paulo" || got.NodeType != "Standard_D16as_v4" ||
		got.Workspace.Name != "aura-databricks-"+e.Cfg.Derived.EnvironmentName {
		t.Errorf("job after deploy_core: %+v, want the default schedule in Brazil's time zone on Standard_D16as_v4", got)
	}
	if c := converge(t, actionNamed(t, Core(e), jobAction)); c.Changed() {
		t.Errorf("second deploy_core: %q, want unchanged", c)
	}

	e = env(`databricks: {job: {schedule: "0 0 4 ? * MON-FRI"}}`)
	if c := converge(t, actionNamed(t, Core(e), jobAction)); c.Op != provider.OpUpdate || !strings.Contains(c.Detail, "schedule") {
		t.Errorf("deploy_core with a new schedule: %q, want an update of the schedule", c)
	}
	if got, _ := readJob(); got.Schedule != "0 0 4 ? * MON-FRI" || got.NodeType != "Standard_D16as_v4" {
		t.Errorf("job after the new schedule: %+v", got)
	}

	for _, ph := range []Phase{DeleteCore(e, false)} {
		for _, s := range ph.Steps {
			for _, a := range s {
				if strings.Contains(a.Name, "databricks") {
					t.Errorf("delete_core without --full has the action %q: the job must stay", a.Name)
				}
			}
		}
	}
	del := actionNamed(t, DeleteCore(e, true), "delete databricks job "+job.Name)
	if c := converge(t, del); c.Op != provider.OpDelete {
		t.Errorf("delete_core --full: %q, want a delete", c)
	}
	if _, ok := readJob(); ok {
		t.Error("the job is still there after delete_core --full")
	}
	if c := converge(t, del); c.Changed() {
		t.Errorf("second delete_core --full: %q, want unchanged", c)
	}
}
