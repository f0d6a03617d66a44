package fakecloud

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// subscriptions answers ARM's subscription list and get (api-version
// 2022-12-01 shape) with the user's subscriptions.
func (d *Directory) subscriptions(w http.ResponseWriter, id string) {
	sub := func(s string) map[string]any {
		return map[string]any{"id": "/subscriptions/" + s, "subscriptionId": s, "tenantId": d.User.TenantID,
			"displayName": "fakecloud " + s[len(s)-4:], "state": "Enabled"}
	}
	d.mu.Lock()
	subs := append([]string(nil), d.Subscriptions...)
	d.mu.Unlock()
	if id == "" {
		list := []any{}
		for _, s := range subs {
			list = append(list, sub(s))
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": list})
		return
	}
	for _, s := range subs {
		if strings.EqualFold(s, id) {
			writeJSON(w, http.StatusOK, sub(s))
			return
		}
	}
	armError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+id+"' could not be found.")
}

// replicating refuses a role assignment to a service principal Graph made
// moments ago, as ARM does until Entra's replication reaches it; false
// lets the server answer.
func (d *Directory) replicating(w http.ResponseWriter, r *http.Request) bool {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	var body struct {
		Properties struct {
			PrincipalID string `json:"principalId"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(data, &body)
	id := strings.ToLower(body.Properties.PrincipalID)
	d.mu.Lock()
	left := d.lag[id]
	if left > 0 {
		d.lag[id] = left - 1
	}
	d.mu.Unlock()
	if left == 0 {
		return false
	}
	if !d.armRequest(w, r) {
		return true
	}
	armError(w, http.StatusBadRequest, "PrincipalNotFound", "Principal "+strings.ReplaceAll(id, "-", "")+" does not exist in the directory "+d.User.TenantID+". Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay.")
	return true
}

// Replicate ends the replication lag of every service principal.
func (d *Directory) Replicate() {
	d.mu.Lock()
	clear(d.lag)
	d.mu.Unlock()
}

// Permission is one entry of what ARM says a caller may do.
type Permission struct {
	Actions    []string `json:"actions"`
	NotActions []string `json:"notActions"`
}

// ContributorPermissions are the built-in Contributor role's: everything
// but granting access.
var ContributorPermissions = []Permission{{Actions: []string{"*"}, NotActions: []string{
	"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
}}}

// permissions answers the caller's permissions on a subscription.
func (d *Directory) permissions(w http.ResponseWriter) {
	d.mu.Lock()
	perms := append([]Permission(nil), d.UserPermissions...)
	d.mu.Unlock()
	for i := range perms {
		if perms[i].NotActions == nil {
			perms[i].NotActions = []string{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": perms})
}
