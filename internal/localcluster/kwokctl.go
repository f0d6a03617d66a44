package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// kwokConfigName is the file kwokctl loads from its work directory by itself,
// so a user running kwokctl by hand with KWOK_WORKDIR=<Dir> gets the same setup.
const kwokConfigName = "kwok.yaml"

// writeKwokConfig pins the runtime, our binaries, the versions (kwokctl picks
// component flags by them) and the loopback bind address (its default is 0.0.0.0).
//
// Ports are chosen here: kwokctl would pick the same ones (counting down from
// 32767) for clusters created at the same time, e.g. by test packages run in
// parallel. The kernel hands out distinct free ports instead.
func (c *Cluster) writeKwokConfig(b Binaries) error {
	ports, err := freePorts(6)
	if err != nil {
		return fmt.Errorf("local cluster: %w", err)
	}
	opts := map[string]any{
		"kubeApiserverPort":           ports[0],
		"etcdPort":                    ports[1],
		"etcdPeerPort":                ports[2],
		"kubeControllerManagerPort":   ports[3],
		"kubeSchedulerPort":           ports[4],
		"kwokControllerPort":          ports[5],
		"runtime":                     "binary",
		"bindAddress":                 "127.0.0.1",
		"kubeVersion":                 KubeVersion,
		"etcdVersion":                 etcdVersion,
		"etcdBinary":                  b.Etcd,
		"kubeApiserverBinary":         b.KubeAPIServer,
		"kubeControllerManagerBinary": b.KubeControllerManager,
		"kubeSchedulerBinary":         b.KubeScheduler,
		"kubectlBinary":               b.Kubectl,
		"kwokControllerBinary":        b.Kwok,
		"quietPull":                   true,
		// kwokctl multiplies every heartbeat setting by heartbeatFactor (5
		// by default), which made node leases last 200 s; see leases.go for
		// why that is too long. Factor 1 takes the values below as written:
		// a short lease, and kwokctl's usual pace for the rest.
		"heartbeatFactor":                                         1,
		"nodeLeaseDurationSeconds":                                nodeLeaseSeconds,
		"nodeStatusUpdateFrequencyMilliseconds":                   50000,
		"kubeControllerManagerNodeMonitorPeriodMilliseconds":      25000,
		"kubeControllerManagerNodeMonitorGracePeriodMilliseconds": 200000,
	}
	doc := map[string]any{
		"apiVersion":        "config.kwok.x-k8s.io/v1alpha1",
		"kind":              "KwokctlConfiguration",
		"options":           opts,
		"componentsPatches": controllerArgs,
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("local cluster: %w", err)
	}
	return os.WriteFile(filepath.Join(c.dir, kwokConfigName), data, 0o600)
}

// nodeLeaseSeconds is how long a node lease lasts; kwok renews it every
// quarter of that (7 nodes: about one write a second).
const nodeLeaseSeconds = 20

// controllerArgs are extra flags of kube-controller-manager and
// kube-scheduler:
//   - no leader election: each runs once, and after a restart the new
//     process otherwise waited out the old one's lease (15 s) before it
//     started any controller, so nothing was reconciled or deleted meanwhile;
//   - no tight client-side limits (20 and 50 QPS): rolling out a release's
//     Deployments at once otherwise queues their ReplicaSets, Pods and status
//     writes for seconds on an idle apiserver, whose own priority and fairness
//     still applies.
var controllerArgs = []map[string]any{
	{"name": "kube-controller-manager", "extraArgs": singleFastController},
	{"name": "kube-scheduler", "extraArgs": singleFastController},
}

var singleFastController = []map[string]any{
	{"key": "leader-elect", "value": "false"},
	{"key": "kube-api-qps", "value": "500"},
	{"key": "kube-api-burst", "value": "1000"},
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		// Held open until all are chosen, so the kernel cannot repeat one.
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// etcdVersion is the etcd in Versions, without the "v" kwokctl does not expect.
var etcdVersion = func() string {
	_, rest, _ := strings.Cut(Versions, "_etcd-v")
	v, _, _ := strings.Cut(rest, "_")
	return v
}()

// kwokctl runs one kwokctl command against our work directory. Inherited KWOK_*
// variables are dropped: they override the config file and could point the
// command at the user's own clusters.
func (c *Cluster) kwokctl(ctx context.Context, kwokctlPath string, args ...string) error {
	cmd := exec.CommandContext(ctx, kwokctlPath, append(args, "--name", c.name)...)
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KWOK_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "KWOK_WORKDIR="+c.dir)
	var out bytes.Buffer
	var w io.Writer = &out
	if c.log != nil {
		w = io.MultiWriter(&out, c.log)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kwokctl %s: %w\n%s", strings.Join(args[:min(2, len(args))], " "), err, tail(out.String(), 20))
	}
	return nil
}

// tail keeps the last n lines: kwokctl's failure reason is at the end.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
