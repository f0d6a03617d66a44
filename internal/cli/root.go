// Package cli wires the aura commands. Each command lives in its own file and
// registers itself with register(), so that a command appears in --help only
// once the file that implements it exists.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command (DESIGN §3).
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2 // bad usage or invalid configuration; nothing was changed
)

// Globals holds the flags every command shares, as the guide writes them.
type Globals struct {
	CfgFile           string // --cfg
	ExtraCfgDir       string // --ecfg
	VaultPass         string // -v
	VaultPasswordFile string // --vault-password-file
	CredentialsFile   string // -c
	Debug             bool   // --debug
	Output            string // --output text|json

	Stdin  io.Reader // confirmations; a terminal or nothing
	Stdout io.Writer
	Stderr io.Writer
}

// commandFactory builds one top-level command.
type commandFactory func(g *Globals) *cobra.Command

var factories []commandFactory

// register is called from init() of each command file.
func register(f commandFactory) { factories = append(factories, f) }

// exitCoder lets any error choose the process exit code.
type exitCoder interface{ ExitCode() int }

// usageError marks an error as bad input: exit 2, nothing changed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }
func (e usageError) ExitCode() int { return ExitUsage }

// UsageErrorf returns an error that makes aura exit with ExitUsage.
func UsageErrorf(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// newRoot builds the command tree; Execute and tests share it.
func newRoot(stdout, stderr io.Writer) (*cobra.Command, *Globals) {
	g := &Globals{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin}
	root := &cobra.Command{
		Use:           "aura",
		Short:         "Deploy and run the Aura Virtual Assistant and ATRIA platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.CfgFile, "cfg", "", "config file (config.yml)")
	pf.StringVar(&g.ExtraCfgDir, "ecfg", "", "directory of extra config files (*.yml, applied in lexical order)")
	pf.StringVarP(&g.VaultPass, "vault-pass", "v", "", "password to decrypt vaulted values (or AURA_VAULT_PASSWORD, --vault-password-file)")
	pf.StringVar(&g.VaultPasswordFile, "vault-password-file", "", "file holding the vault password")
	pf.StringVarP(&g.CredentialsFile, "credentials", "c", "", "service-principal credentials.json (or AZURE_* variables)")
	pf.BoolVar(&g.Debug, "debug", false, "debug output (secrets are never printed)")
	pf.StringVar(&g.Output, "output", "text", "progress output: text or json")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	// `aura --version` prints what `aura version` does.
	if v, err := versionText(); err == nil {
		root.Version = v
		root.SetVersionTemplate("{{.Version}}")
	}

	cmds := make([]*cobra.Command, 0, len(factories))
	for _, f := range factories {
		cmds = append(cmds, f(g))
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	root.AddCommand(cmds...)
	return root, g
}

// Execute runs aura with args and returns the process exit code.
func Execute(args []string, stdout, stderr io.Writer) int {
	root, _ := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "error:", err)
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	// cobra reports unknown commands and bad arguments as plain errors.
	if msg := err.Error(); strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, "accepts ") || strings.Contains(msg, "requires ") {
		return ExitUsage
	}
	return ExitFailed
}

// VaultPassword returns the vault password from -v, --vault-password-file or
// AURA_VAULT_PASSWORD, in that order; "" when none is given. Like ansible, a
// password file's trailing newline is not part of the password.
func (g *Globals) VaultPassword() (string, error) {
	if g.VaultPass != "" {
		return g.VaultPass, nil
	}
	if g.VaultPasswordFile != "" {
		b, err := os.ReadFile(g.VaultPasswordFile)
		if err != nil {
			return "", UsageErrorf("--vault-password-file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return os.Getenv("AURA_VAULT_PASSWORD"), nil
}
