package helm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	hrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// ErrNotInstalled is wrapped by Status when the release does not exist.
var ErrNotInstalled = errors.New("release not installed")

// Apply installs or upgrades rel, waiting until its objects are ready. When
// the chart and values match the deployed revision it does nothing (no new
// revision). A failed install is removed and a failed upgrade is rolled back,
// so the previous revision keeps serving. The returned Change carries the
// revision deployed afterwards.
func (c *Client) Apply(ctx context.Context, rel Release) (Change, error) {
	p, err := c.plan(ctx, &rel, false)
	if err != nil {
		return Change{}, err
	}
	if p.Action == ActionUnchanged {
		return p.Change, nil
	}
	if err := c.supersedeInterrupted(p); err != nil {
		return p.Change, err
	}
	var (
		out *hrelease.Release
		op  string
	)
	timeout := c.timeout(&rel)
	switch p.Action {
	case ActionInstall:
		op = "install"
		in := action.NewInstall(p.cfg)
		in.ReleaseName, in.Namespace = rel.Name, p.Namespace
		in.CreateNamespace, in.Replace = true, true
		in.Wait, in.WaitForJobs, in.Atomic, in.Timeout = true, true, true, timeout
		in.Description = "aura: " + p.Reason
		out, err = in.RunWithContext(ctx, p.chart, copyValues(rel.Values))
	case ActionUpgrade:
		op = "upgrade"
		up := action.NewUpgrade(p.cfg)
		up.Namespace = p.Namespace
		up.ResetValues = true
		up.Wait, up.WaitForJobs, up.Atomic, up.CleanupOnFail, up.Timeout = true, true, true, true, timeout
		up.MaxHistory = c.MaxHistory
		up.Description = "aura: " + p.Reason
		out, err = up.RunWithContext(ctx, rel.Name, p.chart, copyValues(rel.Values))
	}
	if err != nil {
		return p.Change, redactErr(c.failure(p, op, timeout, err), p.secrets)
	}
	p.Revision = out.Version
	return p.Change, nil
}

// failure explains a failed install or upgrade, saying what is serving now.
func (c *Client) failure(p *planned, op string, timeout time.Duration, err error) error {
	base := fmt.Sprintf("helm: %s of release %s (chart %s %s) in %s failed", op, p.Release, p.Chart.Chart, p.Chart.Version, p.Namespace)
	if strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		base += fmt.Sprintf(" (its objects were not ready within %s)", timeout)
	}
	dep, derr := p.cfg.Releases.Deployed(p.Release)
	switch {
	case derr == nil && op == "upgrade":
		return fmt.Errorf("%s; rolled back, revision %d (chart %s %s) is deployed: %w",
			base, dep.Version, dep.Chart.Metadata.Name, dep.Chart.Metadata.Version, err)
	case derr != nil && op == "install":
		return fmt.Errorf("%s; the release was removed: %w", base, err)
	}
	return fmt.Errorf("%s: %w", base, err)
}

// supersedeInterrupted marks a revision left pending by an interrupted run as
// failed; Helm refuses to touch a release with a pending operation.
func (c *Client) supersedeInterrupted(p *planned) error {
	if p.last == nil || !p.last.Info.Status.IsPending() {
		return nil
	}
	p.last.SetStatus(hrelease.StatusFailed, "interrupted; superseded by aura")
	if err := p.cfg.Releases.Update(p.last); err != nil {
		return redactErr(fmt.Errorf("helm: release %s: mark interrupted revision %d failed: %w", p.Release, p.last.Version, err), p.secrets)
	}
	return nil
}

// Uninstall removes a release (namespace "" = the Client's) and waits for its
// objects to go. It reports whether there was anything to remove.
func (c *Client) Uninstall(ctx context.Context, name, namespace string) (bool, error) {
	if namespace == "" {
		namespace = c.namespace
	}
	cfg, err := c.config(namespace, nil)
	if err != nil {
		return false, err
	}
	un := action.NewUninstall(cfg)
	un.Wait, un.Timeout = true, c.timeout(&Release{})
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < un.Timeout {
			un.Timeout = d
		}
	}
	if _, err := un.Run(name); err != nil {
		if errors.Is(err, driver.ErrReleaseNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("helm: uninstall release %s in %s: %w", name, namespace, err)
	}
	return true, nil
}

// Status reports the latest revision of a release (namespace "" = the
// Client's); errors.Is(err, ErrNotInstalled) when there is none.
func (c *Client) Status(ctx context.Context, name, namespace string) (Status, error) {
	if namespace == "" {
		namespace = c.namespace
	}
	if err := ctx.Err(); err != nil {
		return Status{}, err
	}
	cfg, err := c.config(namespace, nil)
	if err != nil {
		return Status{}, err
	}
	r, err := cfg.Releases.Last(name)
	if err != nil {
		if errors.Is(err, driver.ErrReleaseNotFound) {
			return Status{}, fmt.Errorf("helm: release %s in %s: %w", name, namespace, ErrNotInstalled)
		}
		return Status{}, fmt.Errorf("helm: release %s in %s: %w", name, namespace, err)
	}
	s := Status{Name: r.Name, Namespace: r.Namespace, Revision: r.Version}
	if r.Info != nil {
		s.State, s.Description, s.Updated = r.Info.Status.String(), r.Info.Description, r.Info.LastDeployed.Time
	}
	if r.Chart != nil && r.Chart.Metadata != nil {
		s.Chart, s.ChartVersion = r.Chart.Metadata.Name, r.Chart.Metadata.Version
	}
	return s, nil
}
