package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ResolutionResourcesName is the only name a ResolutionResources object may have:
// user-helper reads a single version.
const ResolutionResourcesName = "resolutionresources"

// DefaultResolutionResourcesVersion is user-helper's built-in version: installing
// it downloads nothing, and deleting the object goes back to it.
const DefaultResolutionResourcesVersion = "0.0.0"

// ResolutionResources is the resolution resources version used by user-helper.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=rr
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'resolutionresources'",message="metadata.name must be resolutionresources: only one ResolutionResources can exist"
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name="Update",type=string,JSONPath=`.spec.update`
// +kubebuilder:printcolumn:name="Installed",type=string,JSONPath=`.status.installedVersion`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ResolutionResources struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PackageSpec   `json:"spec"`
	Status PackageStatus `json:"status,omitempty"`
}

// ResolutionResourcesList is a list of ResolutionResources.
// +kubebuilder:object:root=true
type ResolutionResourcesList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResolutionResources `json:"items"`
}

func init() { register(&ResolutionResources{}, &ResolutionResourcesList{}) }
