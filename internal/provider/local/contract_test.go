package local

import (
	"fmt"
	"sort"
	"testing"

	"github.com/auracognitive/aurak8s/internal/provider/providertest"
)

func TestContract(t *testing.T) {
	providertest.Run(t, providertest.Harness{New: func(t *testing.T) providertest.Env {
		p, be := newProvider(t)
		return providertest.Env{Provider: p, State: func(t *testing.T) string {
			be.mu.Lock()
			var clusters []string
			for name, st := range be.states {
				clusters = append(clusters, fmt.Sprintf("cluster %s %s", name, st))
			}
			be.mu.Unlock()
			sort.Strings(clusters)
			return fmt.Sprint(clusters) + "\n" + tree(t, p.StateDir())
		}}
	}})
}
