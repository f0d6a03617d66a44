package phase

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider"
)

const dnsTTL = 300

// DNSNameOf is the public name of a service host (services, gateway, …),
// or its "-next" twin.
func (e *Env) DNSNameOf(host string, next bool) string {
	if next {
		return e.Cfg.NextDNSName(host)
	}
	return e.Cfg.DNSName(host)
}

// ingressTarget is what the environment's names point to: the ingress of
// this cluster serving this core namespace. Switching DNS to a new cluster or
// release namespace changes it.
func (e *Env) ingressTarget() string { return e.ingressTargetOf(e.CoreNamespace()) }

// ingressTargetOf is the name of this cluster's ingress serving namespace.
func (e *Env) ingressTargetOf(namespace string) string {
	return fmt.Sprintf("%s.%s.ingress.%s", namespace, strings.ToLower(e.Cfg.ClusterName), config.DNSZone)
}

// recordName is a public name relative to the DNS zone.
func recordName(fqdn string) string { return strings.TrimSuffix(fqdn, "."+config.DNSZone) }

// records are the record sets of the environment's names (or of the -next
// names), pointing at this deployment.
func (e *Env) records(next bool) []provider.RecordSet {
	var out []provider.RecordSet
	for _, h := range e.serviceHosts() {
		out = append(out, provider.RecordSet{Name: recordName(e.DNSNameOf(h, next)), Type: "CNAME", TTL: dnsTTL, Values: []string{e.ingressTarget()}})
	}
	if d := e.legacyServicesName(); d != "" && !next {
		out = append(out, provider.RecordSet{Name: recordName(d), Type: "CNAME", TTL: dnsTTL, Values: []string{e.ingressTarget()}})
	}
	return out
}

func sameRecord(a, b provider.RecordSet) bool {
	return a.TTL == b.TTL && sameTarget(a, b)
}

// sameTarget: both record sets send clients to the same place (DNS names
// compare without case); the TTL does not say which deployment a name
// serves.
func sameTarget(a, b provider.RecordSet) bool {
	return strings.EqualFold(a.Type, b.Type) && slices.EqualFunc(a.Values, b.Values, strings.EqualFold)
}

// coreDNSAction creates the environment's records when they are missing
// (first install), moves them only with force_dns_update (otherwise `aura
// dns` does, with a backup), and keeps the -next records pointing at this
// deployment when next_domains_enabled. With the flag off, the -next
// records still pointing at this deployment go, as the -next bot channel
// does: nobody tests on them any more, and left behind they would outlive
// the namespace they point at. Those of another deployment (a release
// namespace being tested) stay.
func (e *Env) coreDNSAction() Action {
	return ProviderActions("dns records", e.Provider, func(ctx context.Context, p provider.Provider) ([]Change, error) {
		out, err := e.ensureRecordSets(ctx, p, e.records(false), "`aura dns` switches it (or set force_dns_update)")
		if err != nil {
			return out, err
		}
		if !e.Cfg.NextDomainsEnabled {
			gone, err := e.deleteOwnRecords(ctx, p, e.records(true))
			for i := range gone {
				if gone[i].Op == provider.OpDelete && gone[i].Detail == "" {
					gone[i].Detail = "next_domains_enabled is off"
				}
			}
			return append(out, gone...), err
		}
		for _, rs := range e.records(true) {
			c, err := p.PutRecordSet(ctx, e.zone(), rs)
			out = append(out, c)
			if err != nil {
				return out, err
			}
		}
		return out, nil
	})
}

// ensureRecordSets creates the record sets that are missing; one pointing
// elsewhere moves only with force_dns_update (hint says what else moves it).
func (e *Env) ensureRecordSets(ctx context.Context, p provider.Provider, want []provider.RecordSet, hint string) ([]Change, error) {
	var out []Change
	for _, rs := range want {
		have, err := p.GetRecordSet(ctx, e.zone(), rs.Key())
		switch {
		case provider.IsNotFound(err):
			held, err := e.nameHolders(ctx, p, rs)
			if err != nil {
				return out, err
			}
			if len(held) == 0 {
				break
			}
			if !e.Cfg.ForceDNSUpdate {
				out = append(out, Change{Op: provider.OpNone, Kind: "dns record set", Name: rs.Name,
					Detail: "the name is held by " + keyList(held) + "; " + hint})
				continue
			}
			for _, k := range held {
				c, err := p.DeleteRecordSet(ctx, e.zone(), k)
				out = append(out, c)
				if err != nil {
					return out, err
				}
			}
		case err != nil:
			return out, err
		case sameRecord(have, rs):
			out = append(out, Change{Op: provider.OpNone, Kind: "dns record set", Name: rs.Name})
			continue
		case sameTarget(have, rs) && !e.Cfg.ForceDNSUpdate:
			// Lowered by hand before a switch, most likely: not aura's to undo.
			out = append(out, Change{Op: provider.OpNone, Kind: "dns record set", Name: rs.Name,
				Detail: fmt.Sprintf("ttl %d kept (force_dns_update sets %d)", have.TTL, rs.TTL)})
			continue
		case !e.Cfg.ForceDNSUpdate:
			out = append(out, Change{Op: provider.OpNone, Kind: "dns record set", Name: rs.Name,
				Detail: "points to " + strings.Join(have.Values, ",") + "; " + hint})
			continue
		}
		c, err := p.PutRecordSet(ctx, e.zone(), rs)
		out = append(out, c)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// nameHolders are the record sets that hold the name a CNAME wants (none
// for another type): DNS lets a CNAME share its name with nothing, and
// Azure refuses it with 409. The old platform's A record at
// legacy_services_domain is the usual one.
func (e *Env) nameHolders(ctx context.Context, p provider.Provider, rs provider.RecordSet) ([]provider.RecordKey, error) {
	if !strings.EqualFold(rs.Type, "CNAME") {
		return nil, nil
	}
	var out []provider.RecordKey
	for _, t := range []string{"A", "AAAA", "TXT"} {
		k := provider.RecordKey{Name: rs.Name, Type: t}
		_, err := p.GetRecordSet(ctx, e.zone(), k)
		switch {
		case provider.IsNotFound(err):
		case err != nil:
			return nil, err
		default:
			out = append(out, k)
		}
	}
	return out, nil
}

func keyList(keys []provider.RecordKey) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = "the " + k.Type + " record set"
	}
	return strings.Join(s, ", ")
}

// DNS is `aura dns`: point the environment's names at this deployment,
// after saving the record sets it changes so `--rollback` restores them
// exactly. A record set of another type holding a name (the old
// platform's A record) is saved too, and deleted just before the CNAME
// takes its place. With nothing to change it writes nothing, so a second
// run keeps the backup of the state before the switch.
func DNS(e *Env) Phase {
	return Phase{Name: "dns", Steps: Sequence(ProviderActions("switch dns records", e.Provider, func(ctx context.Context, p provider.Provider) ([]Change, error) {
		want := e.records(false)
		var todo []provider.RecordSet
		keys := make([]provider.RecordKey, 0, len(want))
		held := map[provider.RecordKey][]provider.RecordKey{}
		for _, rs := range want {
			keys = append(keys, rs.Key())
			have, err := p.GetRecordSet(ctx, e.zone(), rs.Key())
			switch {
			case provider.IsNotFound(err):
				h, err := e.nameHolders(ctx, p, rs)
				if err != nil {
					return nil, err
				}
				held[rs.Key()], keys = h, append(keys, h...)
			case err != nil:
				return nil, err
			case sameRecord(have, rs):
				continue
			}
			todo = append(todo, rs)
		}
		if len(todo) == 0 {
			return []Change{{Op: provider.OpNone, Kind: "dns record sets", Name: e.Cfg.Derived.EnvironmentName,
				Detail: "already point to " + e.ingressTarget()}}, nil
		}
		backup, err := provider.BackupRecords(ctx, p, e.zone(), keys, e.dnsBackupBlob())
		out := []Change{backup}
		if err != nil {
			return out, fmt.Errorf("dns backup before the switch: %w (nothing was switched)", err)
		}
		for _, rs := range todo {
			for _, k := range held[rs.Key()] {
				c, err := p.DeleteRecordSet(ctx, e.zone(), k)
				if c.Op == provider.OpDelete {
					c.Detail = "replaced by the CNAME " + e.ingressTarget() + "; saved for --rollback"
				}
				out = append(out, c)
				if err != nil {
					return out, err
				}
			}
			c, err := p.PutRecordSet(ctx, e.zone(), rs)
			out = append(out, c)
			if err != nil {
				return out, err
			}
		}
		return out, nil
	}))}
}

// DNSRollback is `aura dns --rollback`: restore the record sets exactly as
// the last switch found them.
func DNSRollback(e *Env) Phase {
	return Phase{Name: "dns --rollback", Steps: Sequence(ProviderActions("restore dns records", e.Provider, func(ctx context.Context, p provider.Provider) ([]Change, error) {
		if _, err := p.GetBlob(ctx, e.dnsBackupBlob()); errors.Is(err, provider.ErrNotFound) {
			return nil, fmt.Errorf("no DNS backup for %s (%s): `aura dns` has not switched anything to roll back", e.Cfg.Derived.EnvironmentName, e.dnsBackupBlob())
		}
		return provider.RestoreRecords(ctx, p, e.zone(), e.dnsBackupBlob())
	}))}
}
