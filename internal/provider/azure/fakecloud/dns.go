package fakecloud

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns"
	dnsfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dns/armdns/fake"
)

func (c *Cloud) zonesServer() dnsfake.ZonesServer {
	return dnsfake.ZonesServer{
		Get: func(_ context.Context, rg, name string, _ *armdns.ZonesClientGetOptions) (resp azfake.Responder[armdns.ZonesClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			z, ok := c.zones[key(rg, name)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			return respond(armdns.ZonesClientGetResponse{Zone: *clone(z)}), errResp
		},
		CreateOrUpdate: func(_ context.Context, rg, name string, body armdns.Zone, _ *armdns.ZonesClientCreateOrUpdateOptions) (resp azfake.Responder[armdns.ZonesClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			_, existed := c.zones[key(rg, name)]
			z := clone(&body)
			z.ID, z.Name, z.Etag = ptr(c.groupID(rg)+"/providers/Microsoft.Network/dnszones/"+name), ptr(name), c.etag()
			c.zones[key(rg, name)] = z
			if !existed {
				// Azure gives every zone its SOA and name servers.
				c.records[key(rg, name, "@", "SOA")] = &armdns.RecordSet{Name: ptr("@"), Type: ptr("Microsoft.Network/dnszones/SOA"), Etag: c.etag(),
					Properties: &armdns.RecordSetProperties{TTL: ptr(int64(3600)), SoaRecord: &armdns.SoaRecord{Host: ptr("ns1-01.azure-dns.com."), Email: ptr("azuredns-hostmaster.microsoft.com")}}}
				c.records[key(rg, name, "@", "NS")] = &armdns.RecordSet{Name: ptr("@"), Type: ptr("Microsoft.Network/dnszones/NS"), Etag: c.etag(),
					Properties: &armdns.RecordSetProperties{TTL: ptr(int64(172800)), NsRecords: []*armdns.NsRecord{{Nsdname: ptr("ns1-01.azure-dns.com.")}}}}
			}
			return respond(armdns.ZonesClientCreateOrUpdateResponse{Zone: *clone(z)}), errResp
		},
	}
}

func (c *Cloud) recordsServer() dnsfake.RecordSetsServer {
	return dnsfake.RecordSetsServer{
		Get: func(_ context.Context, rg, zone, name string, t armdns.RecordType, _ *armdns.RecordSetsClientGetOptions) (resp azfake.Responder[armdns.RecordSetsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.zones[key(rg, zone)]; !ok {
				return resp, notFound("ParentResourceNotFound")
			}
			rs, ok := c.records[key(rg, zone, name, string(t))]
			if !ok {
				return resp, notFound("NotFound")
			}
			return respond(armdns.RecordSetsClientGetResponse{RecordSet: *clone(rs)}), errResp
		},
		CreateOrUpdate: func(_ context.Context, rg, zone, name string, t armdns.RecordType, body armdns.RecordSet, opts *armdns.RecordSetsClientCreateOrUpdateOptions) (resp azfake.Responder[armdns.RecordSetsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.zones[key(rg, zone)]; !ok {
				return resp, notFound("ParentResourceNotFound")
			}
			k := key(rg, zone, name, string(t))
			old, exists := c.records[k]
			if c.cnameClash(rg, zone, name, t) {
				// Azure, as DNS (RFC 1912 2.4): a CNAME shares its name
				// with no other record set, the zone apex's SOA and NS
				// included.
				return resp, fail(http.StatusConflict, "Conflict")
			}
			switch {
			case opts != nil && opts.IfNoneMatch != nil && exists:
				return resp, fail(http.StatusPreconditionFailed, "PreconditionFailed")
			case opts != nil && opts.IfMatch != nil && (!exists || str(old.Etag) != *opts.IfMatch):
				return resp, fail(http.StatusPreconditionFailed, "PreconditionFailed")
			}
			rs := clone(&body)
			rs.Name, rs.Type, rs.Etag = ptr(name), ptr("Microsoft.Network/dnszones/"+string(t)), c.etag()
			rs.ID = ptr(c.groupID(rg) + "/providers/Microsoft.Network/dnszones/" + zone + "/" + string(t) + "/" + name)
			c.records[k] = rs
			return respond(armdns.RecordSetsClientCreateOrUpdateResponse{RecordSet: *clone(rs)}), errResp
		},
		Delete: func(_ context.Context, rg, zone, name string, t armdns.RecordType, _ *armdns.RecordSetsClientDeleteOptions) (resp azfake.Responder[armdns.RecordSetsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.records, key(rg, zone, name, string(t)))
			return respond(armdns.RecordSetsClientDeleteResponse{}), errResp
		},
		NewListAllByDNSZonePager: func(rg, zone string, _ *armdns.RecordSetsClientListAllByDNSZoneOptions) (resp azfake.PagerResponder[armdns.RecordSetsClientListAllByDNSZoneResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.zones[key(rg, zone)]; !ok {
				resp.AddResponseError(http.StatusNotFound, "ParentResourceNotFound")
				return resp
			}
			var list []*armdns.RecordSet
			prefix := key(rg, zone) + "/"
			for k, rs := range c.records {
				if strings.HasPrefix(k, prefix) {
					list = append(list, clone(rs))
				}
			}
			// Azure's order is its own: the provider must sort.
			return page(armdns.RecordSetsClientListAllByDNSZoneResponse{RecordSetListResult: armdns.RecordSetListResult{Value: list}})
		},
	}
}

// cnameClash: a record set of type t named name cannot join the zone's
// (c.mu held).
func (c *Cloud) cnameClash(rg, zone, name string, t armdns.RecordType) bool {
	for _, other := range armdns.PossibleRecordTypeValues() {
		if other == t || (t != armdns.RecordTypeCNAME && other != armdns.RecordTypeCNAME) {
			continue
		}
		if _, ok := c.records[key(rg, zone, name, string(other))]; ok {
			return true
		}
	}
	return false
}

// SetRecordSet puts a record set into a zone as someone other than aura
// would (another environment's installer, an operator in the portal), with
// whatever it holds (metadata, TTL): what aura must leave as it is. Azure
// gives it its name, type, ID and a new ETag.
func (c *Cloud) SetRecordSet(rg, zone string, t armdns.RecordType, rs armdns.RecordSet) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.zones[key(rg, zone)]; !ok {
		return fmt.Errorf("fakecloud: no dns zone %s in %s", zone, rg)
	}
	name := str(rs.Name)
	put := clone(&rs)
	put.Type, put.Etag = ptr("Microsoft.Network/dnszones/"+string(t)), c.etag()
	put.ID = ptr(c.groupID(rg) + "/providers/Microsoft.Network/dnszones/" + zone + "/" + string(t) + "/" + name)
	c.records[key(rg, zone, name, string(t))] = put
	return nil
}

// RecordSet is a record set as the zone holds it (nil: none).
func (c *Cloud) RecordSet(rg, zone, name string, t armdns.RecordType) *armdns.RecordSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	rs, ok := c.records[key(rg, zone, name, string(t))]
	if !ok {
		return nil
	}
	return clone(rs)
}
