// Package blobtest runs a real Azure Blob emulator (Azurite, from npm) for tests:
// Start launches azurite-blob on a free loopback port with a temporary data
// directory and stops it when the test ends.
//
// Azurite is found at $AZURITE_BLOB, or at hack/azurite/node_modules/.bin/azurite-blob
// in the module root (`npm ci` in hack/azurite installs it). When it is missing the
// test is skipped, unless CI=true, where it fails.
package blobtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The emulator's well-known development account (public, documented by Microsoft).
const (
	AccountName = "devstoreaccount1"
	AccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Server is a running Azurite blob service.
type Server struct {
	// AccountURL is the blob endpoint of the dev account, e.g. http://127.0.0.1:41234/devstoreaccount1.
	AccountURL string
	// ConnectionString addresses the same account with its key.
	ConnectionString string
	// Dir is Azurite's data directory.
	Dir string

	port     int
	accounts []string // name:key, besides the dev account
	bin      string
	cmd      *exec.Cmd
	log      *bytes.Buffer
	done     chan error
}

// Start runs Azurite until tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartAccounts(tb)
}

// StartAccounts is Start with more storage accounts, each "name:base64key",
// served next to the dev account at http://127.0.0.1:port/name.
func StartAccounts(tb testing.TB, accounts ...string) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		missing(tb, err)
	}
	s := &Server{bin: bin, Dir: tb.TempDir(), accounts: accounts}
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Stop() })
	return s
}

// Endpoint is the blob service's URL, without an account.
func (s *Server) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// StartMain is Start for TestMain, where there is no testing.TB: the caller stops
// the server. A missing binary returns an error wrapping ErrMissing.
func StartMain(dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, Dir: dir}
	return s, s.start()
}

// ErrMissing says Azurite is not installed.
var ErrMissing = errors.New("azurite is not installed (run `npm ci` in hack/azurite, or set AZURITE_BLOB)")

// Binary finds azurite-blob.
func Binary() (string, error) {
	if p := os.Getenv("AZURITE_BLOB"); p != "" {
		return p, nil
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("%w: node is not on PATH", ErrMissing)
	}
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMissing, err)
	}
	p := filepath.Join(root, "hack", "azurite", "node_modules", ".bin", "azurite-blob")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s not found", ErrMissing, p)
	}
	return p, nil
}

// Skipped or failed, as the project's rule for missing test binaries says.
func missing(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and %v", err)
	}
	tb.Skipf("skipping: %v", err)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func (s *Server) start() error {
	if s.port == 0 {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.port = port
	}
	s.log = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin,
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(s.port),
		"--location", s.Dir, "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--loose")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if len(s.accounts) > 0 {
		// Azurite serves only these accounts then: keep the dev account among them.
		s.cmd.Env = append(os.Environ(), "AZURITE_ACCOUNTS="+strings.Join(append([]string{AccountName + ":" + AccountKey}, s.accounts...), ";"))
	}
	// Own process group: npm's wrapper scripts spawn node as a child.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start azurite: %w", err)
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case werr := <-s.done:
			return fmt.Errorf("azurite exited before listening (%v): %s", werr, s.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("azurite did not listen on %s within 30s: %s", addr, s.log.String())
		}
	}
	s.AccountURL = "http://" + addr + "/" + AccountName
	s.ConnectionString = "DefaultEndpointsProtocol=http;AccountName=" + AccountName + ";AccountKey=" + AccountKey +
		";BlobEndpoint=" + s.AccountURL + ";"
	return nil
}

// Stop ends Azurite; its data stays in Dir.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

// Restart starts a stopped server again on the same port and data directory.
func (s *Server) Restart() error {
	s.Stop()
	return s.start()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
