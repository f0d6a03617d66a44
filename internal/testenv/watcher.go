package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/auracognitive/aurak8s/internal/localcluster"
)

// watcherScript deletes the cluster unless told "done" before its stdin closes.
// The test binary holds the only write end, so a panic, a kill -9 or go test's
// timeout closes it too. kwokctl runs the components in their own sessions, so
// they would otherwise outlive the test binary. The pid sweep catches processes
// a still-running `kwokctl create` started after the first delete.
const watcherScript = `trap '' INT TERM HUP
read -r line
[ "$line" = done ] && exit 0
for i in 1 2 3; do
	"$KWOKCTL" delete cluster --name "$NAME" --kubeconfig "$DIR/kwokctl-contexts.yaml" >/dev/null 2>&1
	for f in "$DIR"/clusters/*/pids/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
	sleep 1
done
rm -rf "$DIR"
`

type watcher struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startWatcher starts the watcher in its own session, so that Ctrl-C on go
// test reaches the test binary but not the watcher.
func startWatcher(cl *localcluster.Cluster, bins localcluster.Binaries) (*watcher, error) {
	cmd := exec.Command("/bin/sh", "-c", watcherScript)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KWOK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "KWOK_WORKDIR="+cl.Dir(), "KWOKCTL="+bins.Kwokctl, "NAME="+cl.Name(), "DIR="+cl.Dir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testenv: start cleanup watcher: %w", err)
	}
	return &watcher{cmd: cmd, stdin: stdin}, nil
}

// release tells the watcher the cluster is already gone.
func (w *watcher) release() {
	_, _ = io.WriteString(w.stdin, "done\n")
	_ = w.stdin.Close()
	_ = w.cmd.Wait()
}
