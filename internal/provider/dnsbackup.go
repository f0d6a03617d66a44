package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// DNSBackup is what BackupRecords saves: for each record set the DNS switch
// will touch, its exact content, or that it did not exist (so a rollback
// deletes it again).
type DNSBackup struct {
	Zone    string           `json:"zone"`
	Records []RecordSnapshot `json:"records"`
}

// RecordSnapshot is one record set as it was before the switch.
type RecordSnapshot struct {
	Key     RecordKey  `json:"key"`
	Present bool       `json:"present"`
	Record  *RecordSet `json:"record,omitempty"`
}

// BackupRecords saves the current content of the record sets named by keys
// to dest (a blob in the common storage account), before `aura dns` changes
// them. The blob holds no timestamp, so backing up unchanged records again
// reports OpNone.
func BackupRecords(ctx context.Context, p Provider, zone Zone, keys []RecordKey, dest BlobRef) (Change, error) {
	if len(keys) == 0 {
		return Change{}, errors.New("dns backup: no record sets named")
	}
	b := DNSBackup{Zone: zone.Name}
	seen := map[RecordKey]bool{}
	for _, k := range keys {
		k.Type = strings.ToUpper(k.Type)
		if seen[k] {
			continue
		}
		seen[k] = true
		rs, err := p.GetRecordSet(ctx, zone, k)
		switch {
		case errors.Is(err, ErrNotFound):
			b.Records = append(b.Records, RecordSnapshot{Key: k})
		case err != nil:
			return Change{}, fmt.Errorf("dns backup of %s in %s: %w", k, zone.Name, err)
		default:
			rs := rs
			b.Records = append(b.Records, RecordSnapshot{Key: k, Present: true, Record: &rs})
		}
	}
	sort.Slice(b.Records, func(i, j int) bool { return lessKey(b.Records[i].Key, b.Records[j].Key) })
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return Change{}, err
	}
	return p.PutBlob(ctx, dest, append(data, '\n'))
}

// ReadDNSBackup loads a backup written by BackupRecords.
func ReadDNSBackup(ctx context.Context, p Provider, src BlobRef) (DNSBackup, error) {
	data, err := p.GetBlob(ctx, src)
	if err != nil {
		return DNSBackup{}, fmt.Errorf("dns backup %s: %w", src, err)
	}
	var b DNSBackup
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return DNSBackup{}, fmt.Errorf("dns backup %s: %w", src, err)
	}
	for i, r := range b.Records {
		if r.Present && r.Record == nil {
			return DNSBackup{}, fmt.Errorf("dns backup %s: records[%d] (%s): present without a record", src, i, r.Key)
		}
	}
	return b, nil
}

// RestoreRecords puts every saved record set back exactly as it was and
// deletes those that did not exist before the switch (`aura dns --rollback`).
// The deletes come first: a CNAME the switch made must be gone before the
// record set it replaced (the old platform's A record) can come back.
func RestoreRecords(ctx context.Context, p Provider, zone Zone, src BlobRef) ([]Change, error) {
	b, err := ReadDNSBackup(ctx, p, src)
	if err != nil {
		return nil, err
	}
	if b.Zone != zone.Name {
		return nil, fmt.Errorf("dns backup %s is of zone %q, not %q", src, b.Zone, zone.Name)
	}
	var changes []Change
	for _, put := range []bool{false, true} {
		for _, r := range b.Records {
			if r.Present != put {
				continue
			}
			var c Change
			if r.Present {
				c, err = p.PutRecordSet(ctx, zone, *r.Record)
			} else {
				c, err = p.DeleteRecordSet(ctx, zone, r.Key)
			}
			if err != nil {
				return changes, fmt.Errorf("dns restore of %s in %s: %w", r.Key, zone.Name, err)
			}
			changes = append(changes, c)
		}
	}
	return changes, nil
}

func lessKey(a, b RecordKey) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Type < b.Type
}

// SortRecordSets orders record sets by name, then type, as ListRecordSets
// returns them.
func SortRecordSets(rs []RecordSet) {
	sort.Slice(rs, func(i, j int) bool { return lessKey(rs[i].Key(), rs[j].Key()) })
}
