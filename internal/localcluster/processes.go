package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is one running control-plane program of the cluster.
type Process struct {
	Name string // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller
	PID  int
}

// Processes lists the cluster's live processes from kwokctl's pid files. A pid
// counts only if it still runs the program its file names, so a recycled pid
// is not mistaken for the cluster.
func (c *Cluster) Processes() ([]Process, error) {
	files, err := filepath.Glob(filepath.Join(c.clusterDir(), "pids", "*.pid"))
	if err != nil {
		return nil, err
	}
	var procs []Process
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // removed by a concurrent kwokctl stop
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, fmt.Errorf("local cluster %s: pid file %s: %w", c.name, f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".pid")
		if alive(pid, name) {
			procs = append(procs, Process{Name: name, PID: pid})
		}
	}
	return procs, nil
}

// alive reports whether pid runs a program called name and is not a zombie.
func alive(pid int, name string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(cmdline) == 0 {
		return false
	}
	arg0, _, _ := bytes.Cut(cmdline, []byte{0})
	if filepath.Base(string(arg0)) != name {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may hold spaces.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

// RSS is the resident memory of pid in bytes, from /proc/<pid>/status.
func RSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// stopOrder stops clients before the servers they talk to.
var stopOrder = []string{"kwok-controller", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"}

// terminate asks each process to exit (SIGTERM) in stopOrder and waits up to
// grace for it. kwokctl itself only sends SIGKILL; etcd survives that thanks to
// its write-ahead log, but a clean shutdown makes the next start faster.
func terminate(ctx context.Context, procs []Process, grace time.Duration) {
	for _, name := range stopOrder {
		for _, p := range procs {
			if p.Name != name {
				continue
			}
			if err := syscall.Kill(p.PID, syscall.SIGTERM); err == nil {
				_ = waitExit(ctx, []Process{p}, grace)
			}
		}
	}
}

// waitExit waits until none of procs runs any more, or timeout passes.
func waitExit(ctx context.Context, procs []Process, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var left []Process
		for _, p := range procs {
			if alive(p.PID, p.Name) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes still running after %s: %v", timeout, left)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
