package phase

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auracognitive/aurak8s/internal/testtool"
)

// TestGeneratedKeyWorksWithSSH: the key deploy_infra creates is read by
// `ssh-keygen -y` (so `ssh -i aura.pem` works) and is the RSA key AKS needs;
// the public key given to the cluster is the one ssh derives.
func TestGeneratedKeyWorksWithSSH(t *testing.T) {
	keygen := testtool.Need(t, "ssh-keygen", "apt-get install openssh-client")
	path := filepath.Join(t.TempDir(), "aura.pem")
	a := SSHKeyAction(path)
	if _, err := a.Converge(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(keygen, "-y", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen -y -f aura.pem: %v\n%s", err, out)
	}
	pub, err := sshPublicKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pub, "ssh-rsa ") || strings.TrimSpace(string(out)) != pub {
		t.Fatalf("public key %q, ssh-keygen derives %q", pub, out)
	}
	if ch, err := a.Converge(context.Background()); err != nil || ch[0].Changed() {
		t.Fatalf("a second run: %v %v, want the key kept", ch, err)
	}
}

func TestUnusableKeysAreRefusedBeforeAnyChange(t *testing.T) {
	dir := t.TempDir()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ed)
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(dir, "good.pem")
	if _, err := SSHKeyAction(good).Converge(context.Background()); err != nil {
		t.Fatal(err)
	}
	goodData, _ := os.ReadFile(good)
	cases := map[string]struct{ path, want string }{
		"ed25519":        {write("ed.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600), "only RSA"},
		"world-readable": {write("open.pem", goodData, 0o644), "chmod 600"},
		"not a key":      {write("junk.pem", []byte("hello"), 0o600), "not a private key"},
	}
	for name, c := range cases {
		_, err := SSHKeyAction(c.path).Observe(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}
