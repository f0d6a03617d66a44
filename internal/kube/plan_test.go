package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/auracognitive/aurak8s/internal/kube"
)

// A plan reads the live objects through the inventory's lists (one per kind
// and namespace) rather than one GET per object; an unchanged re-run then
// costs one dry run per object and changes nothing.
func TestUnchangedPlanReadsByList(t *testing.T) {
	c := newClient(t)
	inv := inventory("listed")
	objs := renderCore(t, coreContext("listed", "aura-bot", "nlp", "user-helper", "genesys", "aura-operator"))
	plan, _ := apply(t, c, inv, objs, kube.PlanOptions{})
	t.Cleanup(func() { apply(t, c, inv, nil, kube.PlanOptions{}) })
	// Settled: a Deployment whose status is still being written is read
	// again, rightly (see planOne).
	if _, err := c.WaitReady(context.Background(), plan.Desired(), kube.WaitOptions{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}

	logged, log := loggingClient(t)
	plan, err := logged.Plan(context.Background(), inv, renderCore(t, coreContext("listed", "aura-bot", "nlp", "user-helper", "genesys", "aura-operator")), kube.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.HasChanges() {
		t.Fatalf("re-run plans %v", actions(plan))
	}
	names := map[string]bool{}
	for _, o := range objs {
		names[o.GetName()] = true
	}
	var gets []string
	for _, r := range log.matching("/") {
		method, rest, _ := strings.Cut(r, " ")
		path, query, _ := strings.Cut(rest, "?")
		segs := strings.Split(path, "/")
		if method == "GET" && !strings.Contains(query, "watch") && names[segs[len(segs)-1]] {
			gets = append(gets, r)
		}
	}
	if len(gets) > 0 {
		t.Errorf("an unchanged plan of %d objects read %d of them one by one:\n%s", len(objs), len(gets), strings.Join(gets, "\n"))
	}
}
