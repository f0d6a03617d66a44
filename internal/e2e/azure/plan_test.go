package azure

import (
	"strings"
)

// planned says which line of a plan announces a resource the fake cloud
// now holds, and what that line must say about it: its name, and for what
// aura makes with settings, those settings and the configured tags.
// Resources Azure makes by itself (a zone's NS and SOA records, the
// cluster's node resource group) have no line.
func (w *world) planned(phase, resource string) (want []string, azureMade bool) {
	const tags = "tags example_tag=example_value"
	kind, key, _ := strings.Cut(resource, " ")
	parts := strings.Split(key, "/")
	last := parts[len(parts)-1]
	switch kind {
	case "group":
		if key == strings.ToLower(w.managedGroup()) {
			return nil, true // Databricks makes its workspace's managed resource group
		}
		return []string{"create resource group " + key + " (location westeurope", tags}, false
	case "account":
		return []string{"create storage account " + last + " (location westeurope; storagev2 standard_lrs", "minimum tls1_2, https only, no public blob access", tags}, false
	case "container":
		return []string{"create storage account " + parts[1] + " (", last}, false
	case "policy":
		return []string{"create storage account " + last + " (", "blob expiry: aura-backups/ after 7 days"}, false
	case "vault":
		return []string{"create key vault " + last + " (location westeurope; sku standard, soft delete 90 days, purge protection", tags}, false
	case "key":
		return []string{"create key vault key " + parts[1] + "/" + last + " (rsa-3072)"}, false
	case "zone":
		return []string{"create dns zone " + last + " (global", tags}, false
	case "recordset":
		if parts[2] == "@" {
			return nil, true
		}
		return []string{"create dns record set " + parts[2] + " " + parts[3] + " in " + parts[1] + " ("}, false
	case "workspace":
		return []string{"create databricks workspace " + last + " (location westeurope; sku premium, managed resource group " + w.managedGroup(),
			"infrastructure encryption", "customer-managed key " + w.config.KeyVaultName() + "/", tags}, false
	case "bot":
		return []string{"create bot channel " + last + " (endpoint https://", "/api/messages", "app " + sp.ClientID, tags}, false
	case "ai-account":
		return []string{"create ai service " + last + " (", "location westeurope", "allowed ranges 20.50.", tags}, false
	case "ai-deployment":
		return []string{"create ai service " + parts[1] + " (", "deployment " + last + ": model "}, false
	case "cluster":
		return []string{"create cluster " + last + " (location westeurope", "kubernetes ", "pools ", tags}, false
	case "resource":
		switch {
		case strings.Contains(key, "/providers/microsoft.network/publicipaddresses/"):
			return nil, true // the outbound IP AKS makes in its node resource group
		case strings.Contains(key, "/providers/microsoft.compute/diskencryptionsets/"):
			return []string{"create cluster ", "create disk encryption set of cluster"}, false
		}
	case "assignment":
		scope, _, _ := strings.Cut(key, "/providers/microsoft.authorization/")
		if strings.Contains(scope, "/providers/microsoft.keyvault/vaults/") && phase == "deploy_common" {
			// The Databricks workspace storage's access to the key comes with it.
			return []string{"create databricks workspace ", "storage identity granted key vault crypto service encryption user"}, false
		}
		if strings.Contains(scope, "/providers/microsoft.keyvault/vaults/") {
			// The disk encryption set's access to the key comes with it.
			return []string{"create cluster ", "create disk encryption set of cluster"}, false
		}
		return []string{"create role assignment ", "on resource group " + scope[strings.LastIndexByte(scope, '/')+1:]}, false
	}
	w.t.Errorf("the test does not know what plan line announces %s", resource)
	return nil, true
}

// managedGroup is the Databricks workspace's managed resource group.
func (w *world) managedGroup() string {
	return "aura-databricks-managed-" + w.config.Derived.EnvironmentName
}

// planCovers checks that plan announced every resource in created, each
// with what it is made with.
func (w *world) planCovers(phase string, plan, created []string) {
	w.t.Helper()
	for _, res := range created {
		want, azureMade := w.planned(phase, res)
		if azureMade {
			continue
		}
		found := false
		for _, line := range plan {
			l := strings.ToLower(line)
			ok := true
			for _, s := range want {
				ok = ok && strings.Contains(l, strings.ToLower(s))
			}
			found = found || ok
		}
		if !found {
			w.t.Errorf("the plan of %s does not announce %s with %q:\n%s", phase, res, want, strings.Join(plan, "\n"))
		}
	}
}
