package phase

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// sshKeyBits is the size of a generated key: AKS accepts only RSA keys, of
// at least 2048 bits.
const sshKeyBits = 4096

// SSHKeyAction keeps the nodes' private key (guide: deploy_infra -f, default
// aura.pem): an existing key is checked (an RSA key that only its owner can
// read, as ssh and AKS require) and used as it is, a missing one is created
// as a PEM RSA key that `ssh -i` and `ssh-keygen -y` read.
func SSHKeyAction(path string) Action {
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return func(context.Context) ([]Change, error) {
			ch := Change{Op: provider.OpNone, Kind: "private key", Name: path}
			_, err := sshPublicKey(path)
			switch {
			case err == nil:
				return []Change{ch}, nil
			case !os.IsNotExist(err):
				return nil, err
			}
			ch.Op, ch.Detail = provider.OpCreate, "keep it: the nodes are associated with it"
			if dry {
				return []Change{ch}, nil
			}
			key, err := rsa.GenerateKey(rand.Reader, sshKeyBits)
			if err != nil {
				return nil, err
			}
			der := x509.MarshalPKCS1PrivateKey(key)
			return []Change{ch}, writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
		}
	}
	return Action{Name: "private key " + path, Observe: run(true), Converge: run(false)}
}

// sshPublicKey reads the private key at path and returns its public key in
// authorized_keys form. A missing file is an os.IsNotExist error.
func sshPublicKey(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return "", err
		}
		return "", fmt.Errorf("-f %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("-f %s: the private key is readable by others (mode %s); ssh refuses such a key: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-f %s: %w", path, err)
	}
	raw, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		if _, ok := err.(*ssh.PassphraseMissingError); ok {
			return "", fmt.Errorf("-f %s: the key has a passphrase; give a key without one (the nodes are created non-interactively)", path)
		}
		return "", fmt.Errorf("-f %s: not a private key ssh can read: %w", path, err)
	}
	rk, ok := raw.(*rsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("-f %s: a %T key; AKS accepts only RSA keys (ssh-keygen -t rsa -b 4096 -m PEM -f %s)", path, raw, path)
	}
	if rk.N.BitLen() < 2048 {
		return "", fmt.Errorf("-f %s: an RSA key of %d bits; AKS needs at least 2048", path, rk.N.BitLen())
	}
	pub, err := ssh.NewPublicKey(&rk.PublicKey)
	if err != nil {
		return "", fmt.Errorf("-f %s: %w", path, err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), nil
}
