package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/auracognitive/aurak8s/internal/phase"
)

// confirm asks before a phase that destroys data changes anything: the user
// types the environment's name. Nothing to delete asks nothing; without a
// terminal to ask on, --yes is required.
func confirm(ctx context.Context, g *Globals, env *phase.Env, s phaseSpec) error {
	res, err := (&phase.Runner{DryRun: true}).Run(ctx, s.build(env, &phaseOpts{dryRun: true}))
	if err != nil {
		return err
	}
	if len(res.Changes()) == 0 {
		return nil
	}
	name := env.Cfg.Derived.EnvironmentName
	question := s.confirm(env)
	if !interactive(g.Stdin) {
		return UsageErrorf("%s: confirm with --yes", question)
	}
	fmt.Fprintf(g.Stderr, "%s.\nType the environment's name (%s) to go on: ", question, name)
	line, _ := bufio.NewReader(g.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != name {
		return UsageErrorf("not confirmed: nothing was deleted")
	}
	return nil
}

// interactive reports whether r is a terminal a person can answer on.
func interactive(r any) bool {
	f, ok := r.(*os.File)
	if !ok || f == nil {
		return false
	}
	return term.IsTerminal(int(f.Fd())) // /dev/null is a character device too
}
