// Command aura-operator runs the controllers for the auracognitive.com resources
// NlpTraining, ResolutionResources and Agent (see docs/operator.md).
package main

import (
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "aura-operator:", err)
		os.Exit(2)
	}
	if err := run(ctrl.SetupSignalHandler(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "aura-operator:", err)
		os.Exit(1)
	}
}
