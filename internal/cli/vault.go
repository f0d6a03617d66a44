package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"

	"github.com/auracognitive/aurak8s/internal/vault"
)

// `aura vault` mirrors the ansible-vault commands people already use on the
// release configuration, so no Python install is needed to edit it.
func init() { register(newVaultCommand) }

func newVaultCommand(g *Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Encrypt, decrypt and view ansible-vault files and values",
		Long: "Encrypt, decrypt and view files in the ansible-vault format (1.1, or 1.2 with --vault-id),\n" +
			"compatible with ansible-vault. The password comes from -v, --vault-password-file or AURA_VAULT_PASSWORD.",
		// cobra only rejects unknown subcommands of the root; do it here too,
		// so `aura vault rekey` is a usage error rather than help and exit 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return UsageErrorf("unknown command %q for \"aura vault\" (want encrypt, decrypt, view or encrypt_string)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(vaultEncrypt(g), vaultDecrypt(g), vaultView(g), vaultEncryptString(g))
	return cmd
}

func vaultEncrypt(g *Globals) *cobra.Command {
	var output, vaultID string
	cmd := &cobra.Command{
		Use:   "encrypt FILE",
		Short: "Encrypt a file in place (or to --output)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			password, err := vaultPassword(g)
			if err != nil {
				return err
			}
			data, err := readInput(args[0])
			if err != nil {
				return err
			}
			if vault.IsEncrypted(data) {
				return UsageErrorf("%s is already vault-encrypted; nothing changed", args[0])
			}
			enc, err := vault.Encrypt(data, password, vaultID)
			if err != nil {
				return UsageErrorf("%s: %v", args[0], err)
			}
			if err := writeOutput(g, args[0], output, enc); err != nil {
				return err
			}
			fmt.Fprintln(g.Stderr, "Encryption successful")
			return nil
		},
	}
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of in place (- for stdout)")
	cmd.Flags().StringVar(&vaultID, "vault-id", "", "vault id label: writes format 1.2 ($ANSIBLE_VAULT;1.2;AES256;LABEL)")
	return cmd
}

func vaultDecrypt(g *Globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "decrypt FILE",
		Short: "Decrypt a file in place (or to --output)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			plain, err := decryptInput(g, args[0])
			if err != nil {
				return err
			}
			if err := writeOutput(g, args[0], output, plain); err != nil {
				return err
			}
			fmt.Fprintln(g.Stderr, "Decryption successful")
			return nil
		},
	}
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of in place (- for stdout)")
	return cmd
}

func vaultView(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "view FILE",
		Short: "Print the decrypted content of a file",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			plain, err := decryptInput(g, args[0])
			if err != nil {
				return err
			}
			_, err = g.Stdout.Write(plain)
			return err
		},
	}
}

func vaultEncryptString(g *Globals) *cobra.Command {
	var name, vaultID string
	cmd := &cobra.Command{
		Use:   "encrypt_string [--name KEY] VALUE",
		Short: "Encrypt one value for a YAML file (key: !vault | ...)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			password, err := vaultPassword(g)
			if err != nil {
				return err
			}
			block, err := vault.EncryptString(args[0], password, vaultID)
			if err != nil {
				return UsageErrorf("%v", err)
			}
			if name != "" {
				block = name + ": " + block
			}
			if _, err := fmt.Fprintln(g.Stdout, block); err != nil {
				return err
			}
			fmt.Fprintln(g.Stderr, "Encryption successful")
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "YAML key to print before the value")
	cmd.Flags().StringVar(&vaultID, "vault-id", "", "vault id label: writes format 1.2")
	return cmd
}

// vaultPassword insists on a password: ansible-vault would prompt, but aura
// runs unattended, so say how to give one instead.
func vaultPassword(g *Globals) (string, error) {
	password, err := g.VaultPassword()
	if err != nil {
		return "", err
	}
	if password == "" {
		return "", UsageErrorf("no vault password: give -v PASSWORD, --vault-password-file PATH or set AURA_VAULT_PASSWORD")
	}
	return password, nil
}

func readInput(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, UsageErrorf("%s does not exist", path)
	}
	return data, err
}

// decryptInput reads and decrypts path. Every refusal is a usage error
// (exit 2): the input is wrong and nothing was written.
func decryptInput(g *Globals, path string) ([]byte, error) {
	password, err := vaultPassword(g)
	if err != nil {
		return nil, err
	}
	data, err := readInput(path)
	if err != nil {
		return nil, err
	}
	if !vault.IsEncrypted(data) {
		return nil, UsageErrorf("%s is not vault-encrypted; nothing changed", path)
	}
	plain, err := vault.Decrypt(data, password)
	if err != nil {
		return nil, usageError{vault.InFile(path, err)}
	}
	return plain, nil
}

// writeOutput writes in place when output is empty, to stdout for "-", and
// otherwise to output; files are replaced atomically with mode 0600, so a
// failure never leaves half a file and secrets are never world-readable.
func writeOutput(g *Globals, input, output string, data []byte) error {
	if output == "-" {
		_, err := g.Stdout.Write(data)
		return err
	}
	if output == "" {
		output = input
	}
	// Not renameio.WriteFile: it copies the old file's mode, and a plain file
	// is often 0644 before it is encrypted.
	f, err := renameio.NewPendingFile(output, renameio.WithStaticPermissions(0o600))
	if err != nil {
		return fmt.Errorf("writing %s: %w", output, err)
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", output, err)
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("writing %s: %w", output, err)
	}
	return nil
}
