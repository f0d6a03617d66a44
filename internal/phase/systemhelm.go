package phase

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/auracognitive/aurak8s/deploy/charts"
	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/release"
)

const kindHelmRelease = "helm release"

// chartSource is where the charts come from (config charts.source): the
// real repositories, a directory, an OCI registry, or by default on the local
// provider the stand-in charts built into aura.
func (e *Env) chartSource() *helm.Source {
	src := e.Cfg.Charts.Source
	switch {
	case src == "" && e.Provider.Capabilities().BuiltinCharts:
		return &helm.Source{FS: charts.Local()}
	case src == "" || src == "repositories":
		return &helm.Source{}
	case strings.HasPrefix(src, "oci://"):
		return &helm.Source{OCI: src, PlainHTTP: e.Cfg.Charts.PlainHTTP}
	}
	return &helm.Source{Dir: src}
}

// Helm returns a Helm client of the environment's cluster.
func (e *Env) Helm(ctx context.Context) (*helm.Client, error) {
	kc, err := e.Kube(ctx)
	if err != nil {
		return nil, err
	}
	e.kubeMu.Lock()
	defer e.kubeMu.Unlock()
	if e.helm == nil {
		c, err := helm.New(kc.Config, e.Cfg.Derived.SystemNamespace, e.chartSource())
		if err != nil {
			return nil, err
		}
		e.helm = c
	}
	return e.helm, nil
}

// chartEnabled evaluates a chart's condition: the boolean config key it
// names, or always when it names none.
func chartEnabled(ch release.Chart, tctx map[string]any) (bool, error) {
	if ch.Condition == "" {
		return true, nil
	}
	v, ok := tctx[ch.Condition].(bool)
	if !ok {
		return false, fmt.Errorf("release manifest: chart %s: condition %q is not a boolean configuration key", ch.Name, ch.Condition)
	}
	return v, nil
}

// renderReleases renders the desired Helm release of every chart that is
// enabled (nil for a disabled one), by chart name.
func (e *Env) renderReleases(ctx context.Context) (map[string]*helm.Release, error) {
	in, err := e.systemInputs(ctx)
	if err != nil {
		return nil, err
	}
	tctx := in.context()
	out := map[string]*helm.Release{}
	var errs []error
	for _, ch := range e.Release.Charts {
		on, err := chartEnabled(ch, tctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !on {
			out[ch.Name] = nil
			continue
		}
		file := "helm/" + ch.Name + ".yaml"
		values := map[string]any{}
		data, err := in.renderer.RenderFile(file, tctx)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// A chart without a values template runs on its defaults.
		case err != nil:
			errs = append(errs, err)
			continue
		default:
			if err := yaml.Unmarshal(data, &values); err != nil {
				errs = append(errs, fmt.Errorf("%s: the rendered values are not a YAML mapping: %v", file, err))
				continue
			}
		}
		out[ch.Name] = &helm.Release{
			Name:      ch.Name,
			Namespace: ch.Namespace,
			Chart:     helm.ChartRef{Repo: ch.Repo, Chart: ch.Chart, Version: ch.Version},
			Values:    values,
			Secrets:   in.secrets,
		}
	}
	return out, errors.Join(errs...)
}

// helmAction installs or upgrades the chart's release when it is enabled;
// a disabled chart's release is removed later, by removeDisabledAction.
func (e *Env) helmAction(ch release.Chart, releases func(context.Context) (map[string]*helm.Release, error)) Action {
	run := func(ctx context.Context, dry bool) ([]Change, error) {
		rels, err := releases(ctx)
		if err != nil {
			return nil, err
		}
		rel := rels[ch.Name]
		if rel == nil {
			return []Change{{Op: provider.OpNone, Kind: kindHelmRelease, Name: ch.Namespace + "/" + ch.Name, Detail: "disabled (" + ch.Condition + ")"}}, nil
		}
		hc, err := e.Helm(ctx)
		if err != nil {
			return nil, err
		}
		if dry {
			c, err := hc.Plan(ctx, *rel)
			return helmChanges(c), err
		}
		c, err := hc.Apply(ctx, *rel)
		return helmChanges(c)[:1], err
	}
	return Action{
		Name:     "chart " + ch.Name + " " + ch.Version,
		Observe:  func(ctx context.Context) ([]Change, error) { return run(ctx, true) },
		Converge: func(ctx context.Context) ([]Change, error) { return run(ctx, false) },
	}
}

// removeDisabledAction uninstalls the release of a chart its condition
// turned off. It runs after the stack is applied: the stack's custom
// resources of that operator are pruned (and released from its finalizers)
// while the operator still runs.
func (e *Env) removeDisabledAction(ch release.Chart, releases func(context.Context) (map[string]*helm.Release, error)) Action {
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return func(ctx context.Context) ([]Change, error) {
			rels, err := releases(ctx)
			if err != nil || rels[ch.Name] != nil {
				return nil, err
			}
			return e.uninstallRelease(ctx, ch, dry, "disabled ("+ch.Condition+")")
		}
	}
	return Action{Name: "remove chart " + ch.Name + " if disabled", Observe: run(true), Converge: run(false)}
}

// uninstallRelease removes a chart's release if it is installed; why, when
// set, is said in the change.
func (e *Env) uninstallRelease(ctx context.Context, ch release.Chart, dry bool, why string) ([]Change, error) {
	hc, err := e.Helm(ctx)
	if err != nil {
		return nil, err
	}
	c := Change{Op: provider.OpNone, Kind: kindHelmRelease, Name: ch.Namespace + "/" + ch.Name, Detail: "not installed"}
	st, err := hc.Status(ctx, ch.Name, ch.Namespace)
	if errors.Is(err, helm.ErrNotInstalled) {
		return []Change{c}, nil
	}
	if err != nil {
		return nil, err
	}
	c.Op, c.Detail = provider.OpDelete, fmt.Sprintf("%s %s, revision %d", st.Chart, st.ChartVersion, st.Revision)
	if why != "" {
		c.Detail = why + ": " + c.Detail
	}
	if !dry {
		_, err = hc.Uninstall(ctx, ch.Name, ch.Namespace)
	}
	return []Change{c}, err
}

// helmChanges is the release's change first, then the objects it touches.
func helmChanges(c helm.Change) []Change {
	rc := Change{Op: provider.OpNone, Kind: kindHelmRelease, Name: c.Namespace + "/" + c.Release,
		Detail: fmt.Sprintf("%s %s", c.Chart.Chart, c.Chart.Version)}
	switch c.Action {
	case helm.ActionInstall:
		rc.Op = provider.OpCreate
	case helm.ActionUpgrade:
		rc.Op, rc.Detail = provider.OpUpdate, rc.Detail+": "+c.Reason
	}
	if c.Revision > 0 {
		rc.Detail += fmt.Sprintf(", revision %d", c.Revision)
	}
	out := []Change{rc}
	for _, o := range c.Objects {
		op := provider.OpUpdate
		switch o.Action {
		case "create":
			op = provider.OpCreate
		case "delete":
			op = provider.OpDelete
		}
		n := o.Name
		if o.Namespace != "" {
			n = o.Namespace + "/" + o.Name
		}
		out = append(out, Change{Op: op, Kind: o.Kind, Name: n, Detail: "in helm release " + c.Release})
	}
	return out
}

// helmUninstallAction removes a chart's release whatever the config says
// (delete_system).
func (e *Env) helmUninstallAction(ch release.Chart) Action {
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return e.inRunningCluster(func(ctx context.Context) ([]Change, error) {
			return e.uninstallRelease(ctx, ch, dry, "")
		})
	}
	return Action{Name: "uninstall chart " + ch.Name, Observe: run(true), Converge: run(false)}
}
