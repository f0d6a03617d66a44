// Package release holds the release manifest embedded in the installer: the
// version, every Aura core component (image, tag, ports, replicas, template
// sets, dependencies) and the third-party Helm charts deploy_system
// installs. It resolves `deploy_core -t` names and renders the core phase's
// objects from deploy/templates/k8s/core with internal/render.
package release
