// Package crd embeds the CustomResourceDefinitions that controller-gen
// generates into bases/, so that deploy_core applies exactly what the
// operator was built against.
package crd

import "embed"

// FS holds bases/*.yaml.
//
//go:embed bases/*.yaml
var FS embed.FS
