package operatorconfig

import (
	"fmt"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/auracognitive/aurak8s/config/rbac"
)

var rules = sync.OnceValues(func() ([]rbacv1.PolicyRule, error) {
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(rbac.Role, &role); err != nil {
		return nil, fmt.Errorf("config/rbac/role.yaml: %w", err)
	}
	if len(role.Rules) == 0 {
		return nil, fmt.Errorf("config/rbac/role.yaml: no rules")
	}
	return role.Rules, nil
})

// Rules are the permissions the operator needs: the ClusterRole controller-gen
// generates from the +kubebuilder:rbac markers of internal/controller.
func Rules() ([]rbacv1.PolicyRule, error) {
	r, err := rules()
	if err != nil {
		return nil, err
	}
	out := make([]rbacv1.PolicyRule, len(r))
	for i := range r {
		out[i] = *r[i].DeepCopy()
	}
	return out, nil
}
