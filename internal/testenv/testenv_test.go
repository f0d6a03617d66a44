package testenv_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/localcluster"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// helperEnv makes the test binary act as a child for the tests below:
// "panic" starts an API-only control plane and panics inside a test,
// "missing" runs against an empty binary directory.
const helperEnv = "AURAK8S_TESTENV_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		testenv.Main(m, testenv.Options{})
	}
	testenv.Main(m, testenv.Options{Pods: true, CRDDirectoryPaths: []string{"testdata/crds"}})
}

func TestCRDsAreInstalledBeforeTests(t *testing.T) {
	env := testenv.Get(t)
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	w := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.aurak8s.io/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w", "namespace": "default"},
		"spec":     map[string]any{"size": int64(2)},
	}}
	gvr := schema.GroupVersionResource{Group: "test.aurak8s.io", Version: "v1", Resource: "widgets"}
	if _, err := dyn.Resource(gvr).Namespace("default").Create(t.Context(), w, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Widget: %v", err)
	}
}

func TestDeploymentPodsBecomeReady(t *testing.T) {
	env := testenv.Get(t)
	cs := kubernetes.NewForConfigOrDie(env.Config)
	replicas := int32(2)
	labels := map[string]string{"app": "api"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"agentpool": "management"},
					Containers:   []corev1.Container{{Name: "api", Image: "example.invalid/api:1"}},
				},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("default").Create(t.Context(), dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for {
		d, err := cs.AppsV1().Deployments("default").Get(ctx, "api", metav1.GetOptions{})
		if err == nil && d.Status.ReadyReplicas == replicas {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deployment api never got %d ready pods (last: %v, %+v)", replicas, err, d.Status)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestKubectlUsesTheKubeconfig(t *testing.T) {
	env := testenv.Get(t)
	out, err := exec.Command(env.Kubectl, "--kubeconfig", env.Kubeconfig,
		"get", "nodes", "-l", "agentpool=system", "-o", "name").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); len(got) != 2 {
		t.Errorf("system pool nodes = %v, want 2", got)
	}
}

// TestHelper is the body run by the child processes of the tests below.
func TestHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "panic":
		env := testenv.Get(t)
		dir := filepath.Dir(filepath.Dir(filepath.Dir(env.Kubeconfig))) // <dir>/clusters/<name>/kubeconfig.yaml
		pids, _ := filepath.Glob(filepath.Join(filepath.Dir(env.Kubeconfig), "pids", "*.pid"))
		fmt.Printf("DIR=%s\n", dir)
		for _, f := range pids {
			raw, _ := os.ReadFile(f)
			fmt.Printf("PID=%s\n", raw)
		}
		panic("a test panics while the control plane runs")
	case "missing":
		testenv.Get(t)
		t.Log("testenv.Get returned")
	default:
		t.Skip("only runs as a child of another test")
	}
}

func runHelper(t *testing.T, mode string, env ...string) (string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$", "-test.v")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestControlPlaneIsDeletedWhenATestPanics(t *testing.T) {
	testenv.Get(t) // the child needs the same binaries
	out, err := runHelper(t, "panic")
	if err == nil || !strings.Contains(out, "a test panics") {
		t.Fatalf("child should have panicked; err=%v\n%s", err, out)
	}
	var dir string
	var pids []int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "DIR="); ok {
			dir = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "PID="); ok {
			pid, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("bad pid line %q", sc.Text())
			}
			pids = append(pids, pid)
		}
	}
	if dir == "" || len(pids) < 2 {
		t.Fatalf("child did not report its cluster (dir %q, pids %v):\n%s", dir, pids, out)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, statErr := os.Stat(dir)
		var alive []int
		for _, pid := range pids {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil && !zombie(pid) {
				alive = append(alive, pid)
			}
		}
		if os.IsNotExist(statErr) && len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after the panic: dir %s stat=%v, processes alive %v", dir, statErr, alive)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

func TestMissingBinariesSkipWithoutCIAndFailWithCI(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		ci       string
		wantErr  bool
		wantWord string
	}{
		{ci: "", wantErr: false, wantWord: "--- SKIP: TestHelper"},
		{ci: "false", wantErr: false, wantWord: "--- SKIP: TestHelper"},
		{ci: "true", wantErr: true, wantWord: "--- FAIL: TestHelper"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			out, err := runHelper(t, "missing", localcluster.BinDirEnv+"="+empty, "CI="+tc.ci)
			if (err != nil) != tc.wantErr || !strings.Contains(out, tc.wantWord) {
				t.Fatalf("err=%v, want error %v and %q in:\n%s", err, tc.wantErr, tc.wantWord, out)
			}
			if !strings.Contains(out, "hack/tools/build.sh") {
				t.Errorf("the message should say how to build the binaries:\n%s", out)
			}
			if strings.Contains(out, "testenv.Get returned") {
				t.Errorf("the test went on without a control plane:\n%s", out)
			}
		})
	}
}
