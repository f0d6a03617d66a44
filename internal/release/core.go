package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/auracognitive/aurak8s/internal/render"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ConfigHashAnnotation on a pod template rolls the Deployment when its
// ConfigMap changes (contract with aura-operator, which sets it the same way).
const ConfigHashAnnotation = "auracognitive.com/config-hash"

// Bundle is the objects one core component renders to. Component "" holds
// the shared objects (namespace, secrets, NGINX Plus policies).
type Bundle struct {
	Component string
	Objects   []*unstructured.Unstructured
}

// RenderCore renders the core phase for every component enabled in
// ctx["components"] (map name → bool, as config.TemplateContext returns it).
// Templates see ctx plus "release" (the manifest) and, for component
// templates, "component" (its manifest entry with "image_ref").
func (m *Manifest) RenderCore(r *render.Renderer, ctx map[string]any) ([]Bundle, error) {
	enabled, err := enabledComponents(ctx)
	if err != nil {
		return nil, err
	}
	base := maps.Clone(ctx)
	base["release"] = m.AsMap()

	shared, err := r.Dir("core", base)
	if err != nil {
		return nil, err
	}
	if truthy(ctx["nginx_plus_enabled"]) {
		np, err := r.Dir("core/nginx-plus", base)
		if err != nil {
			return nil, err
		}
		shared = append(shared, np...)
	}
	bundles := []Bundle{{Component: "", Objects: shared}}
	for i := range m.Components {
		c := &m.Components[i]
		if !enabled[c.Name] {
			continue
		}
		cctx := maps.Clone(base)
		cctx["component"] = c.AsMap(m)
		var objs []*unstructured.Unstructured
		for _, set := range c.Templates {
			var got []*unstructured.Unstructured
			if set == "component" {
				got, err = r.Objects("core/_component.yaml", cctx)
			} else {
				got, err = r.Dir("core/"+set, cctx)
			}
			if err != nil {
				return nil, fmt.Errorf("component %s: %w", c.Name, err)
			}
			objs = append(objs, got...)
		}
		bundles = append(bundles, Bundle{Component: c.Name, Objects: objs})
	}
	if err := checkDuplicates(bundles); err != nil {
		return nil, err
	}
	stampConfigHashes(bundles)
	return bundles, nil
}

func enabledComponents(ctx map[string]any) (map[string]bool, error) {
	out := map[string]bool{}
	switch t := ctx["components"].(type) {
	case map[string]bool:
		maps.Copy(out, t)
	case map[string]any:
		for k, v := range t {
			out[k] = truthy(v)
		}
	default:
		return nil, fmt.Errorf("template context: \"components\" must be a map of component name to bool, got %T", ctx["components"])
	}
	return out, nil
}

func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func objKey(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	return fmt.Sprintf("%s/%s %s/%s", gvk.Group, gvk.Kind, o.GetNamespace(), o.GetName())
}

func checkDuplicates(bundles []Bundle) error {
	owner := map[string]string{}
	for _, b := range bundles {
		for _, o := range b.Objects {
			k := objKey(o)
			if prev, dup := owner[k]; dup {
				return fmt.Errorf("%s %s/%s is rendered twice (by %q and %q)", o.GetKind(), o.GetNamespace(), o.GetName(), prev, b.Component)
			}
			owner[k] = b.Component
		}
	}
	return nil
}

// ConfigHash is the hash of a ConfigMap's data that ConfigHashAnnotation
// carries: sha256 of its JSON (keys sorted by encoding/json).
func ConfigHash(data map[string]string) string {
	js, _ := json.Marshal(data) // map[string]string always marshals
	sum := sha256.Sum256(js)
	return hex.EncodeToString(sum[:])
}

// stampConfigHashes sets ConfigHashAnnotation on every Deployment's pod
// template whose ConfigMap (same name and namespace) is rendered too.
func stampConfigHashes(bundles []Bundle) {
	cms := map[string]map[string]string{}
	for _, b := range bundles {
		for _, o := range b.Objects {
			if o.GetKind() == "ConfigMap" && o.GetAPIVersion() == "v1" {
				data, _, _ := unstructured.NestedStringMap(o.Object, "data")
				cms[o.GetNamespace()+"/"+o.GetName()] = data
			}
		}
	}
	for _, b := range bundles {
		for _, o := range b.Objects {
			if o.GetKind() != "Deployment" {
				continue
			}
			data, ok := cms[o.GetNamespace()+"/"+o.GetName()]
			if !ok {
				continue
			}
			ann, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "annotations")
			if ann == nil {
				ann = map[string]string{}
			}
			ann[ConfigHashAnnotation] = ConfigHash(data)
			_ = unstructured.SetNestedStringMap(o.Object, ann, "spec", "template", "metadata", "annotations")
		}
	}
}
