package phase

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/auracognitive/aurak8s/internal/provider"
)

// SSHKeyAction keeps the nodes' private key (guide: deploy_infra -f, default
// aura.pem): an existing key is used as it is, a missing one is created.
func SSHKeyAction(path string) Action {
	run := func(dry bool) func(context.Context) ([]Change, error) {
		return func(context.Context) ([]Change, error) {
			ch := Change{Op: provider.OpNone, Kind: "private key", Name: path}
			data, err := os.ReadFile(path)
			switch {
			case err == nil:
				if b, _ := pem.Decode(data); b == nil {
					return nil, fmt.Errorf("-f %s: not a PEM private key", path)
				}
				return []Change{ch}, nil
			case !os.IsNotExist(err):
				return nil, fmt.Errorf("-f %s: %w", path, err)
			}
			ch.Op, ch.Detail = provider.OpCreate, "keep it: the nodes are associated with it"
			if dry {
				return []Change{ch}, nil
			}
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return nil, err
			}
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				return nil, err
			}
			return []Change{ch}, writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		}
	}
	return Action{Name: "private key " + path, Observe: run(true), Converge: run(false)}
}
