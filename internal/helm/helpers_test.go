package helm_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/auracognitive/aurak8s/internal/helm"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

const testPassword = "s3cret-Passw0rd-xyz"

var nsSeq atomic.Int32

// cluster returns a clientset and a fresh namespace name for one test.
func cluster(t *testing.T) (*testenv.Env, kubernetes.Interface, string) {
	t.Helper()
	env := testenv.Get(t)
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("helm-%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), nsSeq.Add(1))
	if len(ns) > 60 {
		ns = ns[:60]
	}
	ns = strings.TrimRight(ns, "-")
	return env, cs, ns
}

func newClient(t *testing.T, env *testenv.Env, ns string, src *helm.Source) *helm.Client {
	t.Helper()
	c, err := helm.New(env.Config, ns, src)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = time.Minute
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

// chartDir is a directory with the test chart "web" unpacked at 0.1.0 and
// packaged as web-0.2.0.tgz.
func chartDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := saveChart(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func saveChart(dir string) error {
	ch, err := loader.Load("testdata/charts/web")
	if err != nil {
		return err
	}
	if err := chartutil.SaveDir(ch, dir); err != nil {
		return err
	}
	ch.Metadata.Version = "0.2.0"
	if _, err := chartutil.Save(ch, dir); err != nil {
		return err
	}
	_, err = os.Stat(filepath.Join(dir, "web-0.2.0.tgz"))
	return err
}

func webRelease(ns, version string, values map[string]any) helm.Release {
	v := map[string]any{"auth": map[string]any{"password": testPassword}}
	for k, x := range values {
		v[k] = x
	}
	return helm.Release{
		Name: "web", Namespace: ns,
		Chart:   helm.ChartRef{Repo: "https://charts.example.invalid", Chart: "web", Version: version},
		Values:  v,
		Secrets: []string{testPassword},
	}
}

// resourceVersions of the chart's objects, to prove nothing was written.
func resourceVersions(t *testing.T, cs kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	c := context.Background()
	out := map[string]string{}
	d, err := cs.AppsV1().Deployments(ns).Get(c, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out["deployment"] = d.ResourceVersion
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(c, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out["configmap"] = cm.ResourceVersion
	s, err := cs.CoreV1().Services(ns).Get(c, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out["service"] = s.ResourceVersion
	sec, err := cs.CoreV1().Secrets(ns).Get(c, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out["secret"] = sec.ResourceVersion
	return out
}

// helmRevisions counts the release's history Secrets (Helm's storage).
func helmRevisions(t *testing.T, cs kubernetes.Interface, ns, name string) int {
	t.Helper()
	l, err := cs.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "owner=helm,name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}

func configMessage(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data["MESSAGE"]
}

func readyPods(t *testing.T, cs kubernetes.Interface, ns string) int {
	t.Helper()
	l, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range l.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
				n++
			}
		}
	}
	return n
}
