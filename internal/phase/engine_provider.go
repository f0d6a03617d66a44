package phase

import (
	"context"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// ProviderAction makes an action of one provider call: Observe runs it on
// p.DryRun(), Converge on p, so the plan and the run share one code path.
func ProviderAction(name string, p provider.Provider, call func(ctx context.Context, p provider.Provider) (Change, error)) Action {
	one := func(p provider.Provider) func(context.Context) ([]Change, error) {
		return func(ctx context.Context) ([]Change, error) {
			c, err := call(ctx, p)
			if err != nil {
				return nil, err
			}
			return []Change{c}, nil
		}
	}
	return Action{Name: name, Observe: one(p.DryRun()), Converge: one(p)}
}

// ProviderActions is ProviderAction for calls that report several changes
// (e.g. provider.RestoreRecords).
func ProviderActions(name string, p provider.Provider, call func(ctx context.Context, p provider.Provider) ([]Change, error)) Action {
	return Action{
		Name:     name,
		Observe:  func(ctx context.Context) ([]Change, error) { return call(ctx, p.DryRun()) },
		Converge: func(ctx context.Context) ([]Change, error) { return call(ctx, p) },
	}
}
