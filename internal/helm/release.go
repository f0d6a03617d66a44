package helm

import (
	"fmt"
	"time"
)

// ChartRef names a chart the way the release manifest does.
type ChartRef struct {
	Repo    string // repository URL: https://… (HTTP index) or oci://…
	Chart   string // chart name in that repository
	Version string // exact chart version
}

func (c ChartRef) String() string { return fmt.Sprintf("%s %s (%s)", c.Chart, c.Version, c.Repo) }

// Release is the desired state of one Helm release.
type Release struct {
	Name      string
	Namespace string // empty: the Client's namespace
	Chart     ChartRef
	Values    map[string]any
	// Secrets are values (passwords, keys) that must never appear in errors
	// or logs. Only these are redacted: Values are not searched for them.
	Secrets []string
	// Timeout bounds the wait for the release's objects to become ready;
	// zero means the Client's default.
	Timeout time.Duration
}

// Action is what Plan decided for a release.
type Action string

const (
	ActionInstall   Action = "install"
	ActionUpgrade   Action = "upgrade"
	ActionUnchanged Action = "unchanged"
)

// ObjectChange is one Kubernetes object the plan would create, update or
// delete. It never holds object content, so Secrets cannot leak through it.
type ObjectChange struct {
	Action    string // create, update, delete
	Kind      string
	Namespace string
	Name      string
}

func (o ObjectChange) String() string {
	if o.Namespace == "" {
		return fmt.Sprintf("%s %s/%s", o.Action, o.Kind, o.Name)
	}
	return fmt.Sprintf("%s %s/%s -n %s", o.Action, o.Kind, o.Name, o.Namespace)
}

// Change is the result of Plan.
type Change struct {
	Release   string
	Namespace string
	Action    Action
	Reason    string // why, for people: "chart 1.0.0 → 1.1.0", "values changed", …
	Revision  int    // the deployed revision (0 when none)
	Chart     ChartRef
	Objects   []ObjectChange // empty when unchanged
}

// Status is the state of a deployed release.
type Status struct {
	Name         string
	Namespace    string
	Revision     int
	State        string // Helm's status: deployed, failed, pending-upgrade, …
	Chart        string
	ChartVersion string
	Updated      time.Time
	Description  string
}
