package localcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// TestLifecycle walks a cluster through what `aura` does to it: create,
// use, stop, start with everything kept, delete leaving nothing behind.
func TestLifecycle(t *testing.T) {
	bins := needBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "cluster")
	pools := []Pool{
		{Name: "common", Mode: "User", Count: 2, VMSize: "Standard_D4as_v4"},
		{Name: "management", Mode: "User", Count: 1, VMSize: "Standard_D4as_v4"},
		{Name: "system", Mode: "System", Count: 1, VMSize: "Standard_D2as_v4"},
	}
	cl, err := New(Options{Dir: dir, Name: "life", Pools: pools})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = cl.Delete(context.Background()) })

	step(t, "create", func(t *testing.T) {
		t0 := time.Now()
		created, err := cl.Create(ctx)
		if err != nil || !created {
			t.Fatalf("Create = %v, %v; want true, nil", created, err)
		}
		t.Logf("created in %s", time.Since(t0).Round(time.Millisecond))
		wantStatus(t, cl, StatusRunning)
		if created, err := cl.Create(ctx); err != nil || created {
			t.Fatalf("second Create = %v, %v; want false, nil (no-op)", created, err)
		}
		if !strings.HasPrefix(cl.Kubeconfig(), dir) {
			t.Errorf("kubeconfig %s is outside the state directory %s", cl.Kubeconfig(), dir)
		}
	})
	cs := clientset(t, cl)

	step(t, "listens on loopback only", func(t *testing.T) {
		for _, p := range mustProcesses(t, cl) {
			for _, addr := range listening(t, p.PID) {
				if !strings.HasPrefix(addr, "127.0.0.1:") && !strings.HasPrefix(addr, "[::1]:") {
					t.Errorf("%s (pid %d) listens on %s", p.Name, p.PID, addr)
				}
			}
		}
	})

	step(t, "nodes are labelled as agent pools", func(t *testing.T) {
		for _, tc := range []struct {
			pool, mode string
			count      int
		}{{"common", "user", 2}, {"management", "user", 1}, {"system", "system", 1}} {
			nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "agentpool=" + tc.pool})
			if err != nil {
				t.Fatal(err)
			}
			if len(nodes.Items) != tc.count {
				t.Errorf("pool %s: %d nodes, want %d", tc.pool, len(nodes.Items), tc.count)
			}
			for _, n := range nodes.Items {
				if got := n.Labels[LabelAKSMode]; got != tc.mode {
					t.Errorf("node %s: %s=%q, want %q", n.Name, LabelAKSMode, got, tc.mode)
				}
				if !nodeReady(&n) {
					t.Errorf("node %s is not Ready", n.Name)
				}
			}
		}
	})

	step(t, "kubectl installs a CRD and a custom resource", func(t *testing.T) {
		kubectl(t, bins, cl, "apply", "-f", "testdata/widgets-crd.yaml")
		kubectl(t, bins, cl, "wait", "--for=condition=Established", "--timeout=60s", "crd/widgets.test.aurak8s.io")
		kubectl(t, bins, cl, "apply", "-f", "testdata/widget.yaml")
	})

	step(t, "a Deployment's Pods are scheduled on the pool and Ready", func(t *testing.T) {
		dep := deployment("web", 3, map[string]string{"agentpool": "common"})
		if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, ctx, "deployment web available", func() (bool, error) {
			d, err := cs.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
			return err == nil && d.Status.ReadyReplicas == 3 && d.Status.UpdatedReplicas == 3, err
		})
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if !strings.HasPrefix(p.Spec.NodeName, "aks-common-") {
				t.Errorf("pod %s scheduled on %q, want a common pool node", p.Name, p.Spec.NodeName)
			}
		}
	})

	step(t, "a Job completes", func(t *testing.T) {
		if _, err := cs.BatchV1().Jobs("default").Create(ctx, job("once"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, ctx, "job once complete", func() (bool, error) {
			j, err := cs.BatchV1().Jobs("default").Get(ctx, "once", metav1.GetOptions{})
			return err == nil && j.Status.Succeeded == 1, err
		})
	})

	step(t, "a namespace with running Pods", func(t *testing.T) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "restarted"}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		dep := deployment("again", 2, map[string]string{"agentpool": "common"})
		// Else the namespace controller waits out the 30 s grace period
		// before it looks again, whoever deletes the Pods.
		dep.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
		if _, err := cs.AppsV1().Deployments("restarted").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, ctx, "deployment again ready", func() (bool, error) {
			d, err := cs.AppsV1().Deployments("restarted").Get(ctx, "again", metav1.GetOptions{})
			return err == nil && d.Status.ReadyReplicas == 2, err
		})
	})

	var before []Process
	step(t, "stop keeps files and ends every process", func(t *testing.T) {
		before = mustProcesses(t, cl)
		if len(before) != 5 {
			t.Errorf("running processes = %v, want etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok", before)
		}
		if stopped, err := cl.Stop(ctx); err != nil || !stopped {
			t.Fatalf("Stop = %v, %v; want true, nil", stopped, err)
		}
		wantStatus(t, cl, StatusStopped)
		wantDead(t, before)
		if stopped, err := cl.Stop(ctx); err != nil || stopped {
			t.Fatalf("second Stop = %v, %v; want false, nil (already stopped)", stopped, err)
		}
	})

	step(t, "start brings every object back", func(t *testing.T) {
		// As `aura start` does: a new handle that knows nothing of the pools.
		cl, err := New(Options{Dir: dir, Name: "life"})
		if err != nil {
			t.Fatal(err)
		}
		if started, err := cl.Start(ctx); err != nil || !started {
			t.Fatalf("Start = %v, %v; want true, nil", started, err)
		}
		wantStatus(t, cl, StatusRunning)
		if started, err := cl.Start(ctx); err != nil || started {
			t.Fatalf("second Start = %v, %v; want false, nil", started, err)
		}
		if out := kubectl(t, bins, cl, "get", "widget", "w1", "-o", "jsonpath={.spec.size}"); out != "3" {
			t.Errorf("widget w1 size = %q after restart, want 3", out)
		}
		eventually(t, ctx, "deployment web ready again", func() (bool, error) {
			d, err := cs.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
			return err == nil && d.Status.ReadyReplicas == 3, err
		})
		j, err := cs.BatchV1().Jobs("default").Get(ctx, "once", metav1.GetOptions{})
		if err != nil || j.Status.Succeeded != 1 {
			t.Errorf("job once after restart: %v, succeeded=%d", err, j.Status.Succeeded)
		}
	})

	step(t, "after a restart kwok manages the nodes: the namespace with Pods is deleted", func(t *testing.T) {
		// Nothing waits for leases that a stopped kwok still holds.
		leases, err := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases.Items {
			if d := l.Spec.LeaseDurationSeconds; d == nil || *d != nodeLeaseSeconds {
				t.Errorf("lease %s lasts %s s, want %d", l.Name, fmt.Sprint(ptr.Deref(d, 0)), nodeLeaseSeconds)
			}
		}
		if err := cs.CoreV1().Namespaces().Delete(ctx, "restarted", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		// Before the leases were released, this took over 4 minutes.
		eventually(t, ctx, "namespace restarted gone", func() (bool, error) {
			_, err := cs.CoreV1().Namespaces().Get(ctx, "restarted", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	})

	step(t, "after kwok was killed, start takes its leases back", func(t *testing.T) {
		// As after a crash or a reboot: kwok never got to hand its leases back.
		for _, p := range mustProcesses(t, cl) {
			if p.Name == "kwok-controller" {
				if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := cl.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if started, err := cl.Start(ctx); err != nil || !started {
			t.Fatalf("Start = %v, %v; want true, nil", started, err)
		}
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(pods.Items) == 0 {
			t.Fatalf("pods of web: %v, %d", err, len(pods.Items))
		}
		victim := pods.Items[0].Name
		if err := cs.CoreV1().Pods("default").Delete(ctx, victim, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, ctx, "pod "+victim+" gone", func() (bool, error) {
			_, err := cs.CoreV1().Pods("default").Get(ctx, victim, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	})

	step(t, "delete leaves no process and no file", func(t *testing.T) {
		running := mustProcesses(t, cl)
		if deleted, err := cl.Delete(ctx); err != nil || !deleted {
			t.Fatalf("Delete = %v, %v; want true, nil", deleted, err)
		}
		wantDead(t, running)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("state directory %s still exists (err=%v)", dir, err)
		}
		wantStatus(t, cl, StatusAbsent)
		if deleted, err := cl.Delete(ctx); err != nil || deleted {
			t.Fatalf("second Delete = %v, %v; want false, nil", deleted, err)
		}
	})
}

// step runs one stage and stops the walk at the first failed stage, since
// every later stage builds on it.
func step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

func wantStatus(t *testing.T, cl *Cluster, want Status) {
	t.Helper()
	if got, err := cl.Status(context.Background()); err != nil || got != want {
		t.Fatalf("Status = %q, %v; want %q", got, err, want)
	}
}

func wantDead(t *testing.T, procs []Process) {
	t.Helper()
	for _, p := range procs {
		if alive(p.PID, p.Name) {
			t.Errorf("%s (pid %d) still running", p.Name, p.PID)
		}
	}
}

func mustProcesses(t *testing.T, cl *Cluster) []Process {
	t.Helper()
	procs, err := cl.Processes()
	if err != nil {
		t.Fatal(err)
	}
	return procs
}

func clientset(t *testing.T, cl *Cluster) *kubernetes.Clientset {
	t.Helper()
	cs, err := cl.clientset()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func kubectl(t *testing.T, b Binaries, cl *Cluster, args ...string) string {
	t.Helper()
	out, err := exec.Command(b.Kubectl, append([]string{"--kubeconfig", cl.Kubeconfig()}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func eventually(t *testing.T, ctx context.Context, what string, cond func() (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var err error
	for {
		var ok bool
		if ok, err = cond(); ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s (last error: %v)", what, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func deployment(name string, replicas int32, nodeSelector map[string]string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: nodeSelector,
					Containers:   []corev1.Container{{Name: "app", Image: "example.invalid/app:1"}},
				},
			},
		},
	}
}

func job(name string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "run", Image: "example.invalid/job:1"}},
				},
			},
		},
	}
}
