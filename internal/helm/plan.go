package helm

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	hrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Plan computes what Apply would do for rel, including the objects that
// would be created, updated or deleted, without changing anything.
func (c *Client) Plan(ctx context.Context, rel Release) (Change, error) {
	p, err := c.plan(ctx, &rel, true)
	if err != nil {
		return Change{}, err
	}
	return p.Change, nil
}

// planned is a Change plus what Apply needs to carry it out.
type planned struct {
	Change
	chart   *chart.Chart
	cfg     *action.Configuration
	last    *hrelease.Release // latest revision in any state, nil if none
	secrets []string
}

func (c *Client) plan(ctx context.Context, rel *Release, withObjects bool) (*planned, error) {
	secrets := secretsOf(rel)
	if rel.Name == "" {
		return nil, fmt.Errorf("helm: release of chart %s has no name", rel.Chart)
	}
	ns := c.ns(rel)
	p := &planned{secrets: secrets, Change: Change{Release: rel.Name, Namespace: ns, Chart: rel.Chart}}
	cfg, err := c.config(ns, secrets)
	if err != nil {
		return nil, err
	}
	p.cfg = cfg
	ch, err := c.source.Load(ctx, rel.Chart)
	if err != nil {
		return nil, fmt.Errorf("helm: release %s: %w", rel.Name, err)
	}
	if docs := offlineSchemas(ch); len(docs) > 0 {
		c.logger(secrets)("release %s: chart %s: the values schema refers to %s; not fetched, so the values there are not checked against it", rel.Name, rel.Chart, strings.Join(docs, ", "))
	}
	p.chart = ch

	last, err := cfg.Releases.Last(rel.Name)
	if err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, redactErr(fmt.Errorf("helm: release %s in %s: read history: %w", rel.Name, ns, err), secrets)
	}
	p.last = last
	deployed, err := cfg.Releases.Deployed(rel.Name)
	if err != nil && !errors.Is(err, driver.ErrNoDeployedReleases) && !errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, redactErr(fmt.Errorf("helm: release %s in %s: read deployed revision: %w", rel.Name, ns, err), secrets)
	}

	switch {
	case deployed == nil:
		p.Action, p.Reason = ActionInstall, "not installed"
		if last != nil {
			p.Reason = fmt.Sprintf("revision %d is %s and none is deployed", last.Version, last.Info.Status)
		}
	default:
		p.Revision = deployed.Version
		p.Action, p.Reason = ActionUpgrade, upgradeReason(deployed, last, ch, rel.Values)
		if p.Reason == "" {
			p.Action = ActionUnchanged
		}
	}
	if withObjects && p.Action != ActionUnchanged {
		objs, err := c.objectChanges(ctx, p, rel, deployed)
		if err != nil {
			return nil, redactErr(fmt.Errorf("helm: release %s: render chart %s: %w", rel.Name, rel.Chart, err), secrets)
		}
		p.Objects = objs
	}
	return p, nil
}

// upgradeReason says why the deployed release differs from the desired one,
// or "" when it does not.
func upgradeReason(deployed, last *hrelease.Release, ch *chart.Chart, values map[string]any) string {
	if last != nil && last.Version != deployed.Version && last.Info.Status.IsPending() {
		return fmt.Sprintf("revision %d was interrupted (%s)", last.Version, last.Info.Status)
	}
	dm := deployed.Chart.Metadata
	if dm.Name != ch.Metadata.Name || dm.Version != ch.Metadata.Version {
		return fmt.Sprintf("chart %s %s → %s %s", dm.Name, dm.Version, ch.Metadata.Name, ch.Metadata.Version)
	}
	if valuesHash(deployed.Config) != valuesHash(values) {
		return "values changed"
	}
	return ""
}

// valuesHash identifies a set of values independently of map order and of
// Go number types (the deployed values come back from JSON).
func valuesHash(v map[string]any) string {
	if v == nil {
		v = map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "unhashable:" + err.Error()
	}
	var norm any
	if err := json.Unmarshal(b, &norm); err != nil {
		return "unhashable:" + err.Error()
	}
	b, _ = json.Marshal(norm)
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// objectChanges renders the desired manifest with a dry run and compares it
// with the deployed one. The dry run reads the cluster (for charts that look
// objects up) but sees a history holding only the deployed revision, so a
// revision left pending by an interrupted run does not block the plan.
func (c *Client) objectChanges(ctx context.Context, p *planned, rel *Release, deployed *hrelease.Release) ([]ObjectChange, error) {
	dry, err := c.config(p.Namespace, p.secrets)
	if err != nil {
		return nil, err
	}
	mem := driver.NewMemory()
	mem.SetNamespace(p.Namespace)
	dry.Releases = storage.Init(mem)
	var manifest string
	if deployed == nil {
		in := action.NewInstall(dry)
		in.ReleaseName, in.Namespace = rel.Name, p.Namespace
		in.DryRun, in.DryRunOption = true, "server"
		in.IncludeCRDs = true
		r, err := in.RunWithContext(ctx, p.chart, copyValues(rel.Values))
		if err != nil {
			return nil, err
		}
		manifest = r.Manifest
	} else {
		if err := dry.Releases.Create(deployed); err != nil {
			return nil, err
		}
		up := action.NewUpgrade(dry)
		up.Namespace = p.Namespace
		up.DryRun, up.DryRunOption, up.ResetValues = true, "server", true
		r, err := up.RunWithContext(ctx, rel.Name, p.chart, copyValues(rel.Values))
		if err != nil {
			return nil, err
		}
		manifest = r.Manifest
	}
	mapper, err := c.getter.ToRESTMapper()
	if err != nil {
		return nil, err
	}
	desired, err := parseManifest(manifest, p.Namespace, mapper)
	if err != nil {
		return nil, err
	}
	current := map[objectKey]map[string]any{}
	if deployed != nil {
		if current, err = parseManifest(deployed.Manifest, p.Namespace, mapper); err != nil {
			return nil, err
		}
	}
	var out []ObjectChange
	for k, d := range desired {
		cur, ok := current[k]
		switch {
		case !ok:
			out = append(out, k.change("create"))
		case !reflect.DeepEqual(cur, d):
			out = append(out, k.change("update"))
		}
	}
	for k := range current {
		if _, ok := desired[k]; !ok {
			out = append(out, k.change("delete"))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out, nil
}

type objectKey struct{ APIVersion, Kind, Namespace, Name string }

func (k objectKey) change(action string) ObjectChange {
	return ObjectChange{Action: action, Kind: k.Kind, Namespace: k.Namespace, Name: k.Name}
}

// parseManifest indexes the documents of a rendered manifest by identity.
// Namespaced objects without a namespace get the release's, as Helm applies
// them; kinds the cluster does not know yet (CRDs the chart brings) are
// treated as namespaced, which only affects display.
func parseManifest(manifest, namespace string, mapper meta.RESTMapper) (map[objectKey]map[string]any, error) {
	out := map[objectKey]map[string]any{}
	for name, doc := range releaseutil.SplitManifests(manifest) {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("rendered document %s is not YAML: %w", name, err)
		}
		if len(obj) == 0 {
			continue
		}
		md, _ := obj["metadata"].(map[string]any)
		k := objectKey{Namespace: namespace}
		k.APIVersion, _ = obj["apiVersion"].(string)
		k.Kind, _ = obj["kind"].(string)
		if md != nil {
			k.Name, _ = md["name"].(string)
			if ns, _ := md["namespace"].(string); ns != "" {
				k.Namespace = ns
			}
		}
		if clusterScoped(mapper, k.APIVersion, k.Kind) {
			k.Namespace = ""
		}
		out[k] = obj
	}
	return out, nil
}

// copyValues gives Helm its own copy: it coalesces chart defaults into the
// map it is handed.
func copyValues(v map[string]any) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func clusterScoped(mapper meta.RESTMapper, apiVersion, kind string) bool {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return false
	}
	m, err := mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	return err == nil && m.Scope.Name() == meta.RESTScopeNameRoot
}
