// Package provider defines what a cloud must offer the deployment phases:
// resource groups, storage (blobs), key vault (secrets and keys), DNS, the
// Kubernetes cluster, role assignments, the bot channel, AI services and
// Databricks. The phases use only these interfaces, so they never import a
// cloud SDK; implementations live in sub-packages (local, azure).
//
// Every Ensure*/Delete*/Put*/Set* method reports a Change saying whether it
// created, updated, deleted or left the resource unchanged, so a phase can
// print what happened and a second run can prove it changes nothing. DryRun
// returns a view of the same provider whose mutating methods observe and
// report the same Change without writing anything: that is --dry-run.
//
// The contract every implementation passes is internal/provider/providertest.
package provider

import "errors"

// ErrNotFound is wrapped by every lookup of a resource that does not exist.
var ErrNotFound = errors.New("not found")

// Provider is implemented once per cloud: the union of the role interfaces
// (roles.go). All methods honour ctx before they start a write, and never
// leave a half-written resource behind.
type Provider interface {
	// Name is "local" or "azure", for messages and output files. Behaviour
	// that differs between clouds is asked through Capabilities instead.
	Name() string
	// Capabilities says what this cloud offers beyond the roles.
	Capabilities() Capabilities
	// DryRun returns a view whose mutating methods only observe: they return
	// the Change they would make and write nothing. Reads work as usual; a
	// parent that does not exist yet (created by an earlier planned action)
	// is not an error on this view.
	DryRun() Provider

	ResourceGroups
	Storage
	KeyVaults
	DNS
	Clusters
	Identity
	Bot
	AI
	Databricks
}

// Capabilities are what a provider offers that phases decide on, in place
// of comparing provider names.
type Capabilities struct {
	// BuiltinCharts: when charts.source is empty, deploy_system installs the
	// stand-in charts built into aura (a local cluster has no internet and
	// its simulated nodes run no images) instead of the real repositories.
	BuiltinCharts bool `json:"builtin_charts"`
	// LoadBalancer: Services of type LoadBalancer get a public address
	// (the ingress controller is exposed through one).
	LoadBalancer bool `json:"load_balancer"`
	// RoleAssignments: EnsureRoleAssignment grants real permissions; when
	// false they are only recorded.
	RoleAssignments bool `json:"role_assignments"`
}

// IsNotFound reports whether err says a resource does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ErrNotInBuild is wrapped by the operations a provider of this build does
// not implement yet: the phase stops with a clear message before writing.
var ErrNotInBuild = errors.New("not available in this build of aura")
