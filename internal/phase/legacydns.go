package phase

import (
	"slices"
	"strings"

	"github.com/auracognitive/aurak8s/internal/config"
)

// legacyServicesName is legacy_services_domain when deploy_core keeps its
// record: the name is in the zone aura manages and the services host is
// deployed. A name in another zone is served by the ingress only; its
// record is the owner's (the load warns).
func (e *Env) legacyServicesName() string {
	d := e.Cfg.LegacyServicesDomain
	if d == "" || !strings.HasSuffix(d, "."+config.DNSZone) || !slices.Contains(e.serviceHosts(), "services") {
		return ""
	}
	return d
}
