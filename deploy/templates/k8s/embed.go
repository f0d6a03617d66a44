// Package k8s embeds the installer's Kubernetes manifest templates (Jinja,
// rendered by internal/render). Paths inside FS are relative to this
// directory: "core/_component.yaml", "core/nginx-plus/waf-policy.yaml", ...
// A user directory with the same layout (deploy/templates/k8s next to the
// config) overlays it: same path overrides, new files are added.
package k8s

import (
	"embed"
	"io/fs"
)

//go:embed all:core all:system all:helm all:local
var embedded embed.FS

// FS returns the embedded template tree.
func FS() fs.FS { return embedded }
