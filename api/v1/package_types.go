package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// UpdateStrategy says how far the operator may move from spec.version on its own.
// +kubebuilder:validation:Enum=Patch;Minor;Major
type UpdateStrategy string

// The update strategies of the guide's "Versioning strategy" section.
const (
	UpdatePatch UpdateStrategy = "Patch" // highest X.Y.* with the same X.Y
	UpdateMinor UpdateStrategy = "Minor" // highest X.*.* with the same X
	UpdateMajor UpdateStrategy = "Major" // highest of all
)

// Condition types set on every kind of this package. Reconciling and
// Stalled are the ones kstatus (and so Flux, Argo CD and `aura`'s own
// readiness checks) read: Reconciling while the operator is working on the
// object or retrying a failure that may pass, Stalled when it cannot make
// progress until something changes.
const (
	ConditionReady       = "Ready"
	ConditionProgressing = "Progressing"
	ConditionDegraded    = "Degraded"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)

// PackageSource says where the versioned packages live in S3. Empty fields take
// the operator's defaults (its --s3-bucket flag and the kind's default prefix).
type PackageSource struct {
	// Bucket is the S3 bucket holding the packages.
	// +optional
	Bucket string `json:"bucket,omitempty"`
	// Prefix is the key prefix ("folder") of the packages, without a trailing slash.
	// +optional
	// +kubebuilder:validation:Pattern=`^[^/].*[^/]$|^[^/]$`
	Prefix string `json:"prefix,omitempty"`
	// Package is the package name: keys are "<prefix>/<package>-<version>.tgz".
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	Package string `json:"package,omitempty"`
}

// PackageSpec is the part shared by NlpTraining and ResolutionResources.
type PackageSpec struct {
	// Version is the package version to install (semver X.Y.Z[-pre]). With an update
	// strategy it is the starting point the strategy may move up from.
	// +kubebuilder:validation:Pattern=`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`
	Version string `json:"version"`
	// Update lets the operator install the highest version found in S3 that the
	// strategy allows: Patch (same major.minor), Minor (same major) or Major (any).
	// Without it, exactly spec.version is installed.
	// +optional
	Update UpdateStrategy `json:"update,omitempty"`
	// Source overrides where the packages are read from.
	// +optional
	Source PackageSource `json:"source,omitempty"`
}

// PackageStatus is what the operator observed and installed.
type PackageStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// TargetVersion is the version the spec and update strategy resolve to.
	// +optional
	TargetVersion string `json:"targetVersion,omitempty"`
	// InstalledVersion is the version the consumers' ConfigMap points at.
	// +optional
	InstalledVersion string `json:"installedVersion,omitempty"`
	// Blob is the blob name the installed package was published to.
	// +optional
	Blob string `json:"blob,omitempty"`
	// Size is the installed package's size in bytes.
	// +optional
	Size int64 `json:"size,omitempty"`
	// SHA256 is the hex SHA-256 of the installed package.
	// +optional
	SHA256 string `json:"sha256,omitempty"`
	// LastCheck is when S3 was last looked at.
	// +optional
	LastCheck *metav1.Time `json:"lastCheck,omitempty"`
	// Conditions are Ready, Progressing, Degraded, Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}
