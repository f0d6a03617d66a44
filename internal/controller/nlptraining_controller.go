package controller

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	ctrl "sigs.k8s.io/controller-runtime"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
)

// +kubebuilder:rbac:groups=auracognitive.com,resources=nlptrainings;resolutionresources;agents,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=auracognitive.com,resources=nlptrainings/status;resolutionresources/status;agents/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=auracognitive.com,resources=nlptrainings/finalizers;resolutionresources/finalizers;agents/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// Leader election reports "became leader" as a core/v1 Event.
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete

// NLP trainings live under nlp-trainings/<training>-<version>.tgz by default and
// are listed in aura-nlp's NLP_PACKAGES JSON object.
func newNlpTrainingReconciler(mgr ctrl.Manager, o Options) *packageReconciler {
	return &packageReconciler{
		client: mgr.GetClient(), reader: mgr.GetAPIReader(), recorder: mgr.GetEventRecorder("aura-operator"), opts: o,
		packageKind: packageKind{
			kind:          "NlpTraining",
			newObject:     func() client.Object { return &aurav1.NlpTraining{} },
			spec:          func(o client.Object) *aurav1.PackageSpec { return &o.(*aurav1.NlpTraining).Spec.PackageSpec },
			status:        func(o client.Object) *aurav1.PackageStatus { return &o.(*aurav1.NlpTraining).Status },
			packageName:   func(o client.Object) string { return o.(*aurav1.NlpTraining).TrainingName() },
			defaultPrefix: "nlp-trainings",
			configMap:     nlpConfigMap,
			installed: func(o client.Object, data map[string]string) (string, error) {
				m, err := nlpPackages(o.GetNamespace(), data)
				return m[o.(*aurav1.NlpTraining).TrainingName()], err
			},
			install: func(o client.Object, data map[string]string, version string) error {
				m, err := nlpPackages(o.GetNamespace(), data)
				if err != nil {
					return err
				}
				name := o.(*aurav1.NlpTraining).TrainingName()
				if version == "" {
					delete(m, name)
				} else {
					m[name] = version
				}
				setNlpPackages(data, m)
				return nil
			},
		},
	}
}
