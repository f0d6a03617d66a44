package local

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/auracognitive/aurak8s/internal/provider"
)

const (
	kindZone   = "dns zone"
	kindRecord = "dns record set"
)

// zoneRecord is a whole zone in one file, record sets sorted by name and
// type, so equal zones are byte-identical files.
type zoneRecord struct {
	Zone    string               `json:"zone"`
	Tags    map[string]string    `json:"tags,omitempty"`
	Records []provider.RecordSet `json:"records"`
}

var recordNameRE = regexp.MustCompile(`^(@|\*|(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252}))$`)

var recordTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true, "SRV": true, "CAA": true}

func checkRecordKey(k provider.RecordKey) error {
	if !recordNameRE.MatchString(k.Name) || strings.Contains(k.Name, "..") {
		return fmt.Errorf("local provider: dns record name %q: must be \"@\" or a relative domain name", k.Name)
	}
	if !recordTypes[strings.ToUpper(k.Type)] {
		return fmt.Errorf("local provider: dns record %s: type %q is not one of A, AAAA, CNAME, TXT, MX, NS, SRV, CAA", k.Name, k.Type)
	}
	return nil
}

func checkRecordSet(rs provider.RecordSet) error {
	if err := checkRecordKey(rs.Key()); err != nil {
		return err
	}
	switch {
	case rs.TTL < 0:
		return fmt.Errorf("local provider: dns record %s: ttl %d is negative", rs.Key(), rs.TTL)
	case len(rs.Values) == 0:
		return fmt.Errorf("local provider: dns record %s: values is empty", rs.Key())
	case strings.EqualFold(rs.Type, "CNAME") && len(rs.Values) != 1:
		return fmt.Errorf("local provider: dns record %s: a CNAME has exactly one value, got %d", rs.Key(), len(rs.Values))
	}
	return nil
}

func (p *Provider) zonePath(z provider.Zone) string {
	return filepath.Join(p.groupDir(z.ResourceGroup), "dnszones", z.Name+".json")
}

func (p *Provider) checkZone(z provider.Zone) error {
	return checkNames("resource group name", z.ResourceGroup, "dns zone name", z.Name)
}

// readZone loads a zone; on a DryRun view a missing zone reads as empty.
func (p *Provider) readZone(z provider.Zone) (zoneRecord, error) {
	rec := zoneRecord{Zone: z.Name}
	found, err := readJSON(p.zonePath(z), &rec)
	if err == nil && !found && !p.dry {
		err = notFound(kindZone, z.Name)
	}
	return rec, err
}

func (p *Provider) writeZone(z provider.Zone, rec zoneRecord) error {
	if p.dry {
		return nil
	}
	provider.SortRecordSets(rec.Records)
	if rec.Records == nil {
		rec.Records = []provider.RecordSet{}
	}
	data, err := encode(rec)
	if err != nil {
		return err
	}
	return p.writeFile(p.zonePath(z), data)
}

// EnsureDNSZone implements provider.Provider; existing records are kept.
func (p *Provider) EnsureDNSZone(ctx context.Context, z provider.Zone) (provider.Change, error) {
	if err := p.checkZone(z); err != nil {
		return provider.Change{}, err
	}
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	if err := p.requireDir(p.groupDir(z.ResourceGroup), kindGroup, z.ResourceGroup); err != nil {
		return provider.Change{}, err
	}
	c := provider.Change{Op: provider.OpNone, Kind: kindZone, Name: z.Name}
	rec := zoneRecord{Zone: z.Name}
	found, err := readJSON(p.zonePath(z), &rec)
	switch {
	case err != nil:
		return c, err
	case !found:
		c.Op = provider.OpCreate
	case !maps.Equal(rec.Tags, z.Tags):
		c.Op, c.Detail = provider.OpUpdate, "changed: tags"
	default:
		return c, nil
	}
	rec.Tags = z.Tags
	return c, p.writeZone(z, rec)
}

// ListRecordSets implements provider.Provider.
func (p *Provider) ListRecordSets(ctx context.Context, z provider.Zone) ([]provider.RecordSet, error) {
	if err := p.checkZone(z); err != nil {
		return nil, err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rec, err := p.readZone(z)
	provider.SortRecordSets(rec.Records)
	return rec.Records, err
}

// GetRecordSet implements provider.Provider.
func (p *Provider) GetRecordSet(ctx context.Context, z provider.Zone, key provider.RecordKey) (provider.RecordSet, error) {
	if err := p.checkZone(z); err != nil {
		return provider.RecordSet{}, err
	}
	if err := checkRecordKey(key); err != nil {
		return provider.RecordSet{}, err
	}
	unlock, err := p.lock(ctx, false)
	if err != nil {
		return provider.RecordSet{}, err
	}
	defer unlock()
	rec, err := p.readZone(z)
	if err != nil {
		return provider.RecordSet{}, err
	}
	if i := findRecord(rec.Records, key); i >= 0 {
		return rec.Records[i], nil
	}
	return provider.RecordSet{}, notFound(kindRecord, key.String()+" in "+z.Name)
}

// PutRecordSet implements provider.Provider; the zone must exist.
func (p *Provider) PutRecordSet(ctx context.Context, z provider.Zone, rs provider.RecordSet) (provider.Change, error) {
	if err := p.checkZone(z); err != nil {
		return provider.Change{}, err
	}
	if err := checkRecordSet(rs); err != nil {
		return provider.Change{}, err
	}
	rs.Type = strings.ToUpper(rs.Type)
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	c := provider.Change{Kind: kindRecord, Name: rs.Key().String() + " in " + z.Name}
	rec, err := p.readZone(z)
	if err != nil {
		return c, err
	}
	i := findRecord(rec.Records, rs.Key())
	switch {
	case i < 0:
		c.Op = provider.OpCreate
		rec.Records = append(rec.Records, rs)
	case recordEqual(rec.Records[i], rs):
		c.Op = provider.OpNone
		return c, nil
	default:
		c.Op = provider.OpUpdate
		c.Detail = fmt.Sprintf("%s → %s", strings.Join(rec.Records[i].Values, ","), strings.Join(rs.Values, ","))
		rec.Records[i] = rs
	}
	if c.Op == provider.OpCreate {
		c.Detail = strings.Join(rs.Values, ",")
	}
	return c, p.writeZone(z, rec)
}

// DeleteRecordSet implements provider.Provider.
func (p *Provider) DeleteRecordSet(ctx context.Context, z provider.Zone, key provider.RecordKey) (provider.Change, error) {
	if err := p.checkZone(z); err != nil {
		return provider.Change{}, err
	}
	if err := checkRecordKey(key); err != nil {
		return provider.Change{}, err
	}
	key.Type = strings.ToUpper(key.Type)
	unlock, err := p.lock(ctx, true)
	if err != nil {
		return provider.Change{}, err
	}
	defer unlock()
	c := provider.Change{Op: provider.OpNone, Kind: kindRecord, Name: key.String() + " in " + z.Name}
	rec, err := p.readZone(z)
	if provider.IsNotFound(err) {
		return c, nil // no zone, no record: already deleted
	}
	if err != nil {
		return c, err
	}
	i := findRecord(rec.Records, key)
	if i < 0 {
		return c, nil
	}
	c.Op = provider.OpDelete
	rec.Records = append(rec.Records[:i], rec.Records[i+1:]...)
	return c, p.writeZone(z, rec)
}

func findRecord(rs []provider.RecordSet, k provider.RecordKey) int {
	k.Type = strings.ToUpper(k.Type)
	for i, r := range rs {
		if r.Key() == k {
			return i
		}
	}
	return -1
}

func recordEqual(a, b provider.RecordSet) bool {
	if a.Key() != b.Key() || a.TTL != b.TTL || len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		if a.Values[i] != b.Values[i] {
			return false
		}
	}
	return true
}
