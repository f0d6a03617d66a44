// Package rbac embeds the ClusterRole that controller-gen generates from the
// operator's +kubebuilder:rbac markers, so that deploy_core grants exactly
// what the operator was built to need.
package rbac

import _ "embed"

// Role is role.yaml.
//
//go:embed role.yaml
var Role []byte
