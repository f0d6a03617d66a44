package controller

import (
	"github.com/Masterminds/semver/v3"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
)

// Resolution resources live under resolution-resources/resolution-resources-<version>.tgz
// by default; user-helper reads RESOLUTION_RESOURCES_VERSION, and 0.0.0 is its
// built-in set (nothing to download; deleting the object returns to it).
func newResolutionResourcesReconciler(mgr ctrl.Manager, o Options) *packageReconciler {
	return &packageReconciler{
		client: mgr.GetClient(), reader: mgr.GetAPIReader(), recorder: mgr.GetEventRecorder("aura-operator"), opts: o,
		packageKind: packageKind{
			kind:          "ResolutionResources",
			newObject:     func() client.Object { return &aurav1.ResolutionResources{} },
			spec:          func(o client.Object) *aurav1.PackageSpec { return &o.(*aurav1.ResolutionResources).Spec },
			status:        func(o client.Object) *aurav1.PackageStatus { return &o.(*aurav1.ResolutionResources).Status },
			packageName:   func(client.Object) string { return "resolution-resources" },
			defaultPrefix: "resolution-resources",
			configMap:     userHelperConfigMap,
			builtin:       aurav1.DefaultResolutionResourcesVersion,
			installed: func(_ client.Object, data map[string]string) (string, error) {
				return data[resolutionKey], nil
			},
			install: func(_ client.Object, data map[string]string, version string) error {
				if version == "" {
					version = aurav1.DefaultResolutionResourcesVersion
				}
				data[resolutionKey] = version
				return nil
			},
		},
	}
}

func mustVersion(v string) *semver.Version { return semver.MustParse(v) }
