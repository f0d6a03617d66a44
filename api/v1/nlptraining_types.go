package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// NlpTrainingSpec is the training to install.
type NlpTrainingSpec struct {
	PackageSpec `json:",inline"`
	// Training is the key written to NLP_PACKAGES in the aura-nlp ConfigMap;
	// metadata.name when empty.
	// +optional
	Training string `json:"training,omitempty"`
}

// NlpTraining is one NLP training package installed for aura-nlp.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=nlpt
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name="Update",type=string,JSONPath=`.spec.update`
// +kubebuilder:printcolumn:name="Installed",type=string,JSONPath=`.status.installedVersion`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type NlpTraining struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   NlpTrainingSpec `json:"spec"`
	Status PackageStatus   `json:"status,omitempty"`
}

// TrainingName is the NLP_PACKAGES key of this training.
func (t *NlpTraining) TrainingName() string {
	if t.Spec.Training != "" {
		return t.Spec.Training
	}
	return t.Name
}

// NlpTrainingList is a list of NlpTraining.
// +kubebuilder:object:root=true
type NlpTrainingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NlpTraining `json:"items"`
}

func init() { register(&NlpTraining{}, &NlpTrainingList{}) }
