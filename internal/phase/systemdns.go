package phase

import (
	"context"
	"slices"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// managementRecords are the record sets of the management pages (dashboard,
// metrics, logs, raw-logs, alerts): CNAMEs to this cluster's system ingress.
// They move with the cluster, not with a core release, so deploy_system owns
// them.
func (e *Env) managementRecords() []provider.RecordSet {
	target := e.ingressTargetOf(e.Cfg.Derived.SystemNamespace)
	out := make([]provider.RecordSet, 0, len(managementPages))
	for _, p := range managementPages {
		out = append(out, provider.RecordSet{Name: recordName(e.managementHost(p)), Type: "CNAME", TTL: dnsTTL, Values: []string{target}})
	}
	return out
}

// managementHost is the public name of a management page (by its config
// key; DNS names use dashes).
func (e *Env) managementHost(page string) string {
	return e.Cfg.DNSName(strings.ReplaceAll(page, "_", "-"))
}

// managementDNSAction creates the management pages' records when missing;
// a record pointing at another cluster moves only with force_dns_update, as
// the core records do.
func (e *Env) managementDNSAction() Action {
	return ProviderActions("dns records (management pages)", e.Provider, func(ctx context.Context, p provider.Provider) ([]Change, error) {
		return e.ensureRecordSets(ctx, p, e.managementRecords(), "set force_dns_update to move it here")
	})
}

// deleteManagementDNSAction removes the management pages' records that
// still point at this cluster; records another cluster took over stay.
func (e *Env) deleteManagementDNSAction() Action {
	return ProviderActions("delete dns records (management pages)", e.Provider, func(ctx context.Context, p provider.Provider) ([]Change, error) {
		var out []Change
		for _, rs := range e.managementRecords() {
			have, err := p.GetRecordSet(ctx, e.zone(), rs.Key())
			switch {
			case provider.IsNotFound(err):
				continue
			case err != nil:
				return out, err
			case !slices.Equal(have.Values, rs.Values):
				out = append(out, Change{Op: provider.OpNone, Kind: "dns record set", Name: rs.Name, Detail: "points to another cluster: kept"})
				continue
			}
			c, err := p.DeleteRecordSet(ctx, e.zone(), rs.Key())
			out = append(out, c)
			if err != nil {
				return out, err
			}
		}
		return out, nil
	})
}
