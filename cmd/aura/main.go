// Command aura is the Aura installer: it deploys and runs the Aura Virtual
// Assistant and ATRIA platform on Azure or on a local Kubernetes control plane.
package main

import (
	"os"

	"github.com/auracognitive/aurak8s/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
