package dist

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
)

// goBuild cross-compiles pkg for linux/arch into out as a static binary.
func goBuild(ctx context.Context, o *Options, pkg, arch, ldflags, out string) error {
	cmd := exec.CommandContext(ctx, o.GoCmd, "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg)
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for linux/%s: %v\n%s", pkg, arch, err, b)
	}
	return checkStatic(out, arch)
}

// checkStatic fails when the binary would need a dynamic loader the target
// (a scratch image, a minimal jump host) does not have.
func checkStatic(path, arch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		return fmt.Errorf("%s: built for %v, want %v", path, f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s: dynamically linked (has an ELF interpreter); build with CGO_ENABLED=0", path)
		}
	}
	return nil
}
