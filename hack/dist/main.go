// Command dist builds the installer bundle auradeploy-<commit>-<OB>-<version>.zip
// and the aura-operator OCI image tarball (`make dist`); see internal/dist.
//
//	go run ./hack/dist --commit $(git rev-parse --short HEAD) [--ob es] [--push]
//
// Registry credentials for --push come from AURA_REGISTRY_USERNAME and
// AURA_REGISTRY_PASSWORD (or --registry-username, --registry-password-file),
// never from a password flag, so they stay out of shell history and ps.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/auracognitive/aurak8s/internal/dist"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var o dist.Options
	var arches, passwordFile string
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	fs.StringVar(&o.Root, "root", ".", "aurak8s repository root")
	fs.StringVar(&o.OutDir, "out", "dist", "output directory")
	fs.StringVar(&o.OB, "ob", "", "environment_profile the bundle is for (default: examples/config.yml's)")
	fs.StringVar(&o.Version, "version", "", "release version (default and only allowed: the release manifest's)")
	fs.StringVar(&o.Commit, "commit", "", "commit id for the bundle name")
	fs.StringVar(&o.LDFlags, "ldflags", "", "aura's -ldflags (default: version and commit stamps)")
	fs.StringVar(&arches, "arch", "amd64,arm64", "comma-separated linux architectures")
	fs.StringVar(&o.OperatorBase, "operator-base", "", "base image of aura-operator (default: scratch)")
	fs.StringVar(&o.CACerts, "ca-certs", "", "CA bundle for the scratch operator image (default /etc/ssl/certs/ca-certificates.crt)")
	fs.BoolVar(&o.Push, "push", false, "push the operator image where the release manifest says")
	fs.StringVar(&o.Registry, "registry", "", "push to this registry host instead of the manifest's")
	fs.StringVar(&o.Username, "registry-username", os.Getenv("AURA_REGISTRY_USERNAME"), "registry user (or AURA_REGISTRY_USERNAME)")
	fs.StringVar(&passwordFile, "registry-password-file", "", "file holding the registry password (or AURA_REGISTRY_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o.Arches = strings.Split(arches, ",")
	o.Password = os.Getenv("AURA_REGISTRY_PASSWORD")
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("--registry-password-file: %v", err)
		}
		o.Password = strings.TrimRight(string(b), "\r\n")
	}
	// SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the time stamps.
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH %q: not a number of seconds", s)
		}
		o.ModTime = time.Unix(sec, 0).UTC()
	}
	o.Log = func(format string, a ...any) { fmt.Fprintf(os.Stderr, "dist: "+format+"\n", a...) }

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := dist.Build(ctx, o)
	if err != nil {
		return err
	}
	fmt.Println(res.Zip)
	fmt.Println(res.OperatorTar)
	fmt.Fprintf(os.Stderr, "dist: aura-operator %s@%s\n", res.OperatorRef, res.OperatorIndex)
	return nil
}
