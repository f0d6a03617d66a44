package fakecloud

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8"
	aksfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v8/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/databricks/armdatabricks"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v4"
)

// principalID is a stable fake object ID.
func principalID(of string) string {
	s := sha256.Sum256([]byte(of))
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// settled ends the operation on the resource at path (a cluster's or a
// Databricks workspace's PUT).
func (c *Cloud) settled(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	parts := strings.Split(path, "/")
	c.settledService(parts)
	if len(parts) == 9 && strings.EqualFold(parts[7], "managedClusters") {
		if mc, ok := c.clusters[key(parts[4], parts[8])]; ok {
			mc.Properties.ProvisioningState = ptr("Succeeded")
		}
	}
	if len(parts) == 9 && strings.EqualFold(parts[7], "workspaces") {
		if w, ok := c.workspaces[key(parts[4], parts[8])]; ok {
			w.Properties.ProvisioningState = ptr(armdatabricks.ProvisioningStateSucceeded)
		}
	}
}

// SetClusterState makes a cluster look busy (e.g. "Updating") or settled
// ("Succeeded"), as if someone else ran an operation on it.
func (c *Cloud) SetClusterState(rg, name, state string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mc, ok := c.clusters[key(rg, name)]; ok {
		mc.Properties.ProvisioningState = ptr(state)
	}
}

// Cluster returns a copy of a cluster, or nil.
func (c *Cloud) Cluster(rg, name string) *armcontainerservice.ManagedCluster {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mc, ok := c.clusters[key(rg, name)]; ok {
		return clone(mc)
	}
	return nil
}

func (c *Cloud) kubeconfig(rg, name, user string) []byte {
	if c.Kubeconfig != nil {
		return c.Kubeconfig(rg, name)
	}
	return []byte(fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: %s\n  cluster:\n    server: https://%s.hcp.westeurope.azmk8s.io:443\nusers:\n- name: %s\n", name, name, user))
}

func (c *Cloud) clustersServer() aksfake.ManagedClustersServer {
	get := func(rg, name string) (*armcontainerservice.ManagedCluster, azfake.ErrorResponder) {
		mc, ok := c.clusters[key(rg, name)]
		if !ok {
			return nil, notFound("ResourceNotFound")
		}
		return mc, azfake.ErrorResponder{}
	}
	power := func(rg, name string, code armcontainerservice.Code) bool {
		mc, ok := c.clusters[key(rg, name)]
		if !ok {
			return false
		}
		mc.Properties.PowerState = &armcontainerservice.PowerState{Code: ptr(code)}
		for _, ap := range mc.Properties.AgentPoolProfiles {
			ap.PowerState = &armcontainerservice.PowerState{Code: ptr(code)}
		}
		return true
	}
	return aksfake.ManagedClustersServer{
		Get: func(_ context.Context, rg, name string, _ *armcontainerservice.ManagedClustersClientGetOptions) (resp azfake.Responder[armcontainerservice.ManagedClustersClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mc, e := get(rg, name)
			if mc == nil {
				return resp, e
			}
			return respond(armcontainerservice.ManagedClustersClientGetResponse{ManagedCluster: *clone(mc)}), errResp
		},
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, body armcontainerservice.ManagedCluster, _ *armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armcontainerservice.ManagedClustersClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if _, ok := c.groups[key(rg)]; !ok {
				return resp, notFound("ResourceGroupNotFound")
			}
			mc := c.putCluster(rg, name, clone(&body))
			return lro(c, http.StatusCreated, http.StatusCreated, armcontainerservice.ManagedClustersClientCreateOrUpdateResponse{ManagedCluster: *clone(mc)}), errResp
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armcontainerservice.ManagedClustersClientBeginDeleteOptions) (resp azfake.PollerResponder[armcontainerservice.ManagedClustersClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mc, e := get(rg, name)
			if mc == nil {
				return resp, e
			}
			delete(c.clusters, key(rg, name))
			node := strings.ToLower(c.groupID(str(mc.Properties.NodeResourceGroup))) + "/"
			for k := range c.generic {
				if strings.HasPrefix(k, node) {
					delete(c.generic, k)
				}
			}
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcontainerservice.ManagedClustersClientDeleteResponse{}), errResp
		},
		BeginStop: func(_ context.Context, rg, name string, _ *armcontainerservice.ManagedClustersClientBeginStopOptions) (resp azfake.PollerResponder[armcontainerservice.ManagedClustersClientStopResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !power(rg, name, armcontainerservice.CodeStopped) {
				return resp, notFound("ResourceNotFound")
			}
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcontainerservice.ManagedClustersClientStopResponse{}), errResp
		},
		BeginStart: func(_ context.Context, rg, name string, _ *armcontainerservice.ManagedClustersClientBeginStartOptions) (resp azfake.PollerResponder[armcontainerservice.ManagedClustersClientStartResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !power(rg, name, armcontainerservice.CodeRunning) {
				return resp, notFound("ResourceNotFound")
			}
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcontainerservice.ManagedClustersClientStartResponse{}), errResp
		},
		ListClusterAdminCredentials: func(_ context.Context, rg, name string, _ *armcontainerservice.ManagedClustersClientListClusterAdminCredentialsOptions) (resp azfake.Responder[armcontainerservice.ManagedClustersClientListClusterAdminCredentialsResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mc, e := get(rg, name)
			if mc == nil {
				return resp, e
			}
			if mc.Properties.DisableLocalAccounts != nil && *mc.Properties.DisableLocalAccounts {
				return resp, fail(http.StatusBadRequest, "BadRequest")
			}
			kc := []*armcontainerservice.CredentialResult{{Name: ptr("clusterAdmin"), Value: c.kubeconfig(rg, name, "clusterAdmin")}}
			return respond(armcontainerservice.ManagedClustersClientListClusterAdminCredentialsResponse{CredentialResults: armcontainerservice.CredentialResults{Kubeconfigs: kc}}), errResp
		},
		ListClusterUserCredentials: func(_ context.Context, rg, name string, _ *armcontainerservice.ManagedClustersClientListClusterUserCredentialsOptions) (resp azfake.Responder[armcontainerservice.ManagedClustersClientListClusterUserCredentialsResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mc, e := get(rg, name)
			if mc == nil {
				return resp, e
			}
			kc := []*armcontainerservice.CredentialResult{{Name: ptr("clusterUser"), Value: c.kubeconfig(rg, name, "clusterUser")}}
			return respond(armcontainerservice.ManagedClustersClientListClusterUserCredentialsResponse{CredentialResults: armcontainerservice.CredentialResults{Kubeconfigs: kc}}), errResp
		},
	}
}

// putCluster creates or updates a cluster as AKS does: what AKS owns
// (identities, node resource group, outbound IPs, states) is kept or made.
func (c *Cloud) putCluster(rg, name string, body *armcontainerservice.ManagedCluster) *armcontainerservice.ManagedCluster {
	old := c.clusters[key(rg, name)]
	mc := body
	mc.ID, mc.Name = ptr(c.groupID(rg)+"/providers/Microsoft.ContainerService/managedClusters/"+name), ptr(name)
	if mc.Properties == nil {
		mc.Properties = &armcontainerservice.ManagedClusterProperties{}
	}
	pr := mc.Properties
	// Busy until the operation's last poll (settled), as AKS is.
	pr.ProvisioningState = ptr("Succeeded")
	if c.LROSteps > 0 {
		pr.ProvisioningState = ptr("Creating")
		if old != nil {
			pr.ProvisioningState = ptr("Updating")
		}
	}
	if old != nil {
		// Read-only on a PUT: AKS keeps its own.
		mc.Identity = old.Identity
		pr.IdentityProfile, pr.NodeResourceGroup, pr.PowerState = old.Properties.IdentityProfile, old.Properties.NodeResourceGroup, old.Properties.PowerState
		pr.NetworkProfile = old.Properties.NetworkProfile
		// Pools change through the agent pools API, but for their version.
		for _, ap := range old.Properties.AgentPoolProfiles {
			for _, sent := range pr.AgentPoolProfiles {
				if strings.EqualFold(str(sent.Name), str(ap.Name)) && sent.OrchestratorVersion != nil {
					ap.OrchestratorVersion = sent.OrchestratorVersion
				}
			}
		}
		pr.AgentPoolProfiles = old.Properties.AgentPoolProfiles
		pr.CurrentKubernetesVersion = pr.KubernetesVersion
		c.clusters[key(rg, name)] = mc
		return mc
	}
	if mc.Identity == nil {
		mc.Identity = &armcontainerservice.ManagedClusterIdentity{Type: ptr(armcontainerservice.ResourceIdentityTypeSystemAssigned)}
	}
	mc.Identity.PrincipalID = ptr(principalID("cluster " + rg + "/" + name))
	node := "MC_" + rg + "_" + name + "_" + str(mc.Location)
	pr.NodeResourceGroup = ptr(node)
	pr.IdentityProfile = map[string]*armcontainerservice.UserAssignedIdentity{
		"kubeletidentity": {ObjectID: ptr(principalID("kubelet " + rg + "/" + name)), ClientID: ptr(principalID("kubelet client " + name))},
	}
	pr.PowerState = &armcontainerservice.PowerState{Code: ptr(armcontainerservice.CodeRunning)}
	pr.CurrentKubernetesVersion = pr.KubernetesVersion
	ipID := c.groupID(node) + "/providers/Microsoft.Network/publicIPAddresses/" + principalID("ip "+name)
	c.generic[strings.ToLower(ipID)] = &armresources.GenericResource{ID: ptr(ipID), Type: ptr("Microsoft.Network/publicIPAddresses"),
		Properties: map[string]any{"ipAddress": fmt.Sprintf("20.50.%d.%d", c.next()%250, c.next()%250)}}
	if pr.NetworkProfile == nil {
		pr.NetworkProfile = &armcontainerservice.NetworkProfile{}
	}
	pr.NetworkProfile.LoadBalancerProfile = &armcontainerservice.ManagedClusterLoadBalancerProfile{
		EffectiveOutboundIPs: []*armcontainerservice.ResourceReference{{ID: ptr(ipID)}}}
	for _, ap := range pr.AgentPoolProfiles {
		ap.ProvisioningState = ptr("Succeeded")
		ap.PowerState = &armcontainerservice.PowerState{Code: ptr(armcontainerservice.CodeRunning)}
	}
	c.clusters[key(rg, name)] = mc
	return mc
}

func (c *Cloud) poolsServer() aksfake.AgentPoolsServer {
	return aksfake.AgentPoolsServer{
		BeginCreateOrUpdate: func(_ context.Context, rg, cluster, name string, body armcontainerservice.AgentPool, _ *armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armcontainerservice.AgentPoolsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mc, ok := c.clusters[key(rg, cluster)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			data, _ := json.Marshal(body.Properties)
			var ap armcontainerservice.ManagedClusterAgentPoolProfile
			_ = json.Unmarshal(data, &ap)
			ap.Name, ap.ProvisioningState = ptr(name), ptr("Succeeded")
			ap.PowerState = mc.Properties.PowerState
			replaced := false
			for i, have := range mc.Properties.AgentPoolProfiles {
				if strings.EqualFold(str(have.Name), name) {
					mc.Properties.AgentPoolProfiles[i], replaced = &ap, true
				}
			}
			if !replaced {
				mc.Properties.AgentPoolProfiles = append(mc.Properties.AgentPoolProfiles, &ap)
			}
			out := armcontainerservice.AgentPool{Name: ptr(name), Properties: body.Properties}
			return lro(c, http.StatusCreated, http.StatusCreated, armcontainerservice.AgentPoolsClientCreateOrUpdateResponse{AgentPool: out}), errResp
		},
		BeginDelete: func(_ context.Context, rg, cluster, name string, _ *armcontainerservice.AgentPoolsClientBeginDeleteOptions) (resp azfake.PollerResponder[armcontainerservice.AgentPoolsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			mc, ok := c.clusters[key(rg, cluster)]
			if !ok {
				return resp, notFound("ResourceNotFound")
			}
			var kept []*armcontainerservice.ManagedClusterAgentPoolProfile
			system := 0
			for _, ap := range mc.Properties.AgentPoolProfiles {
				if !strings.EqualFold(str(ap.Name), name) {
					kept = append(kept, ap)
					if ap.Mode != nil && *ap.Mode == armcontainerservice.AgentPoolModeSystem {
						system++
					}
				}
			}
			if len(kept) == len(mc.Properties.AgentPoolProfiles) {
				return resp, notFound("NotFound")
			}
			if system == 0 {
				// What AKS answers when the last system pool would go.
				return resp, fail(http.StatusBadRequest, "OperationNotAllowed")
			}
			mc.Properties.AgentPoolProfiles = kept
			return lro(c, http.StatusAccepted, http.StatusNoContent, armcontainerservice.AgentPoolsClientDeleteResponse{}), errResp
		},
	}
}
