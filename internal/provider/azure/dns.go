package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindZone   = "dns zone"
	kindRecord = "dns record set"
	// txtChunk is the longest string of one TXT record; longer values are
	// split into several strings of one record, as DNS requires.
	txtChunk = 255
)

// EnsureDNSZone implements provider.Provider; existing records are kept.
func (p *Provider) EnsureDNSZone(ctx context.Context, z provider.Zone) (provider.Change, error) {
	c := provider.Change{Op: provider.OpNone, Kind: kindZone, Name: z.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	what := "dns zone " + z.Name
	res, err := p.zones.Get(ctx, z.ResourceGroup, z.Name, nil)
	body := armdns.Zone{Location: to.Ptr("global"), Tags: tagPtrs(z.Tags)}
	opts := &armdns.ZonesClientCreateOrUpdateOptions{IfNoneMatch: to.Ptr("*")}
	switch {
	case is404(err):
		c.Op, c.Detail = provider.OpCreate, settings("global", tagList(z.Tags))
	case err != nil:
		return c, p.wrap(err, "read "+what, "")
	case tagsCover(res.Tags, z.Tags):
		return c, nil
	default:
		c.Op, c.Detail = provider.OpUpdate, "changed: tags"
		body = res.Zone
		body.Tags = withTags(res.Tags, z.Tags)
		opts = &armdns.ZonesClientCreateOrUpdateOptions{IfMatch: res.Etag}
	}
	if p.dry {
		return c, nil
	}
	_, err = p.zones.CreateOrUpdate(ctx, z.ResourceGroup, z.Name, body, opts)
	return c, p.wrap(err, string(c.Op)+" "+what, "")
}

var recordTypes = map[string]armdns.RecordType{"A": armdns.RecordTypeA, "AAAA": armdns.RecordTypeAAAA, "CNAME": armdns.RecordTypeCNAME, "TXT": armdns.RecordTypeTXT}

func recordType(k provider.RecordKey) (armdns.RecordType, error) {
	t, ok := recordTypes[strings.ToUpper(k.Type)]
	if !ok {
		return "", fmt.Errorf("azure: dns record %s: aura manages A, AAAA, CNAME and TXT record sets, not %q", k.Name, k.Type)
	}
	return t, nil
}

// fromAzure converts a record set; ok is false for the types aura does not
// manage (the zone's SOA and NS, and others set by hand).
func fromAzure(rs *armdns.RecordSet) (provider.RecordSet, bool) {
	typ := str(rs.Type)
	typ = typ[strings.LastIndex(typ, "/")+1:]
	out := provider.RecordSet{Name: str(rs.Name), Type: strings.ToUpper(typ)}
	pr := rs.Properties
	if pr == nil {
		return out, false
	}
	if pr.TTL != nil {
		out.TTL = *pr.TTL
	}
	switch out.Type {
	case "A":
		for _, r := range pr.ARecords {
			out.Values = append(out.Values, str(r.IPv4Address))
		}
	case "AAAA":
		for _, r := range pr.AaaaRecords {
			out.Values = append(out.Values, str(r.IPv6Address))
		}
	case "CNAME":
		if pr.CnameRecord != nil {
			out.Values = []string{str(pr.CnameRecord.Cname)}
		}
	case "TXT":
		for _, r := range pr.TxtRecords {
			out.Values = append(out.Values, strings.Join(strs(r.Value), ""))
		}
	default:
		return out, false
	}
	return out, true
}

// setRecords replaces the records of props with those of rs, keeping what
// aura does not own (metadata, target resource).
func setRecords(props *armdns.RecordSetProperties, rs provider.RecordSet) {
	props.TTL = to.Ptr(rs.TTL)
	props.ARecords, props.AaaaRecords, props.CnameRecord, props.TxtRecords = nil, nil, nil, nil
	props.Fqdn, props.ProvisioningState = nil, nil
	for _, v := range rs.Values {
		switch strings.ToUpper(rs.Type) {
		case "A":
			props.ARecords = append(props.ARecords, &armdns.ARecord{IPv4Address: to.Ptr(v)})
		case "AAAA":
			props.AaaaRecords = append(props.AaaaRecords, &armdns.AaaaRecord{IPv6Address: to.Ptr(v)})
		case "CNAME":
			props.CnameRecord = &armdns.CnameRecord{Cname: to.Ptr(v)}
		case "TXT":
			var chunks []string
			for len(v) > txtChunk {
				chunks, v = append(chunks, v[:txtChunk]), v[txtChunk:]
			}
			props.TxtRecords = append(props.TxtRecords, &armdns.TxtRecord{Value: ptrs(append(chunks, v))})
		}
	}
}

// sameRecord compares what aura owns: TTL and values (as a set: Azure does
// not promise their order).
func sameRecord(a, b provider.RecordSet) bool {
	return a.TTL == b.TTL && sameSet(a.Values, b.Values)
}

// ListRecordSets implements provider.Provider: the A, AAAA, CNAME and TXT
// record sets, sorted by name and type.
func (p *Provider) ListRecordSets(ctx context.Context, z provider.Zone) ([]provider.RecordSet, error) {
	if err := start(ctx); err != nil {
		return nil, err
	}
	var out []provider.RecordSet
	pager := p.records.NewListAllByDNSZonePager(z.ResourceGroup, z.Name, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if p.dry && is404(err) {
				return nil, nil
			}
			return nil, p.wrap(err, "list dns zone "+z.Name, "")
		}
		for _, rs := range page.Value {
			if r, ok := fromAzure(rs); ok {
				out = append(out, r)
			}
		}
	}
	provider.SortRecordSets(out)
	return out, nil
}

func (p *Provider) getRecord(ctx context.Context, z provider.Zone, key provider.RecordKey) (*armdns.RecordSet, error) {
	t, err := recordType(key)
	if err != nil {
		return nil, err
	}
	res, err := p.records.Get(ctx, z.ResourceGroup, z.Name, key.Name, t, nil)
	if is404(err) {
		return nil, nil
	}
	if err != nil {
		return nil, p.wrap(err, "read dns record "+key.String()+" in "+z.Name, "")
	}
	return &res.RecordSet, nil
}

// GetRecordSet implements provider.Provider.
func (p *Provider) GetRecordSet(ctx context.Context, z provider.Zone, key provider.RecordKey) (provider.RecordSet, error) {
	if err := start(ctx); err != nil {
		return provider.RecordSet{}, err
	}
	rs, err := p.getRecord(ctx, z, key)
	if err != nil {
		return provider.RecordSet{}, err
	}
	if rs == nil {
		return provider.RecordSet{}, fmt.Errorf("azure: dns record %s in %s: %w", key, z.Name, provider.ErrNotFound)
	}
	out, _ := fromAzure(rs)
	return out, nil
}

// PutRecordSet implements provider.Provider. The write is conditional on
// the record set being as read (ETag), so a concurrent change is not lost.
func (p *Provider) PutRecordSet(ctx context.Context, z provider.Zone, rs provider.RecordSet) (provider.Change, error) {
	rs.Type = strings.ToUpper(rs.Type)
	c := provider.Change{Kind: kindRecord, Name: rs.Key().String() + " in " + z.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	t, err := recordType(rs.Key())
	if err != nil {
		return c, err
	}
	switch {
	case len(rs.Values) == 0:
		return c, fmt.Errorf("azure: dns record %s: values is empty", rs.Key())
	case rs.Type == "CNAME" && len(rs.Values) != 1:
		return c, fmt.Errorf("azure: dns record %s: a CNAME has exactly one value, got %d", rs.Key(), len(rs.Values))
	}
	have, err := p.getRecord(ctx, z, rs.Key())
	if err != nil {
		return c, err
	}
	body := armdns.RecordSet{Properties: &armdns.RecordSetProperties{}}
	opts := &armdns.RecordSetsClientCreateOrUpdateOptions{IfNoneMatch: to.Ptr("*")}
	if have == nil {
		c.Op, c.Detail = provider.OpCreate, strings.Join(rs.Values, ",")
	} else {
		old, _ := fromAzure(have)
		if sameRecord(old, rs) {
			c.Op = provider.OpNone
			return c, nil
		}
		c.Op, c.Detail = provider.OpUpdate, fmt.Sprintf("%s → %s", strings.Join(old.Values, ","), strings.Join(rs.Values, ","))
		if old.TTL != rs.TTL {
			c.Detail += fmt.Sprintf(" (ttl %d → %d)", old.TTL, rs.TTL)
		}
		if have.Properties != nil {
			cp := *have.Properties
			body.Properties = &cp
		}
		opts = &armdns.RecordSetsClientCreateOrUpdateOptions{IfMatch: have.Etag}
	}
	setRecords(body.Properties, rs)
	if p.dry {
		return c, nil
	}
	_, err = p.records.CreateOrUpdate(ctx, z.ResourceGroup, z.Name, rs.Name, t, body, opts)
	return c, p.wrap(err, string(c.Op)+" dns record "+rs.Key().String()+" in "+z.Name, "")
}

// DeleteRecordSet implements provider.Provider.
func (p *Provider) DeleteRecordSet(ctx context.Context, z provider.Zone, key provider.RecordKey) (provider.Change, error) {
	key.Type = strings.ToUpper(key.Type)
	c := provider.Change{Op: provider.OpNone, Kind: kindRecord, Name: key.String() + " in " + z.Name}
	if err := start(ctx); err != nil {
		return c, err
	}
	t, err := recordType(key)
	if err != nil {
		return c, err
	}
	// A missing zone reads as a missing record: already deleted.
	have, err := p.getRecord(ctx, z, key)
	if err != nil || have == nil {
		return c, err
	}
	c.Op = provider.OpDelete
	if p.dry {
		return c, nil
	}
	_, err = p.records.Delete(ctx, z.ResourceGroup, z.Name, key.Name, t, &armdns.RecordSetsClientDeleteOptions{IfMatch: have.Etag})
	if is404(err) {
		err = nil
	}
	return c, p.wrap(err, "delete dns record "+key.String()+" in "+z.Name, "")
}
