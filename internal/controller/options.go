package controller

import (
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/auracognitive/aurak8s/internal/packages"
)

// FieldOwner is the server-side apply field manager of everything the operator writes.
const FieldOwner = "aura-operator"

// ConfigHashAnnotation on a consumer's pod template changes with the data it
// reads, so that editing the data rolls the pods.
const ConfigHashAnnotation = "auracognitive.com/config-hash"

// finalizer lets the operator undo what an object installed before it goes away.
const finalizer = "auracognitive.com/cleanup"

// Options configure the reconcilers.
type Options struct {
	// Environment is the environment name; agents run in aura-agents-{Environment}.
	Environment string
	// AgentsNamespace overrides aura-agents-{Environment}.
	AgentsNamespace string
	// ImagePullSecret, when set, is the Secret of the agents namespace that
	// agent pods pull their images with.
	ImagePullSecret string
	// Bucket is the S3 bucket used when an object names none.
	Bucket string
	// Publisher copies packages from S3 to the environment's blob container.
	Publisher *packages.Publisher
	// Resync is how often every object is checked again (the guide's "every minute").
	Resync time.Duration
}

// agentsNamespace is where agents' children go.
func (o Options) agentsNamespace() string {
	if o.AgentsNamespace != "" {
		return o.AgentsNamespace
	}
	return "aura-agents-" + o.Environment
}

// Setup registers the three reconcilers with mgr.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Resync <= 0 {
		o.Resync = time.Minute
	}
	if o.Environment == "" && o.AgentsNamespace == "" {
		return fmt.Errorf("environment name is empty: agents need aura-agents-{environment}")
	}
	if o.Publisher == nil {
		return fmt.Errorf("no package publisher (S3 source and blob sink) configured")
	}
	if err := newNlpTrainingReconciler(mgr, o).setup(mgr); err != nil {
		return fmt.Errorf("setting up the NlpTraining controller: %w", err)
	}
	if err := newResolutionResourcesReconciler(mgr, o).setup(mgr); err != nil {
		return fmt.Errorf("setting up the ResolutionResources controller: %w", err)
	}
	if err := (&agentReconciler{
		client: mgr.GetClient(), reader: mgr.GetAPIReader(),
		recorder: mgr.GetEventRecorder("aura-operator"), opts: o,
	}).setup(mgr); err != nil {
		return fmt.Errorf("setting up the Agent controller: %w", err)
	}
	return nil
}
