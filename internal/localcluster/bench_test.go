package localcluster

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// BenchmarkLifecycle reports what a user waits for and what the cluster costs:
// cold create (new state directory), stop→start with data kept, the summed
// RSS of the control-plane processes right after create and, with pods, the
// deletion of a namespace holding Pods right after the start (the goal of
// issue #14: seconds, not the ~4 minutes it took while the stopped kwok's
// node leases were left to expire).
//
//	go test -run '^$' -bench Lifecycle -benchtime 1x ./internal/localcluster/
func BenchmarkLifecycle(b *testing.B) {
	needBinaries(b)
	for _, bc := range []struct {
		name    string
		apiOnly bool
	}{{"pods", false}, {"api-only", true}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			var create, restart, deleteNS time.Duration
			var rss int64
			n := 0
			for b.Loop() {
				cl, err := New(Options{Dir: filepath.Join(b.TempDir(), "c"), ControlPlaneOnly: bc.apiOnly})
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, err := cl.Create(ctx); err != nil {
					b.Fatal(err)
				}
				create += time.Since(t0)
				procs, err := cl.Processes()
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range procs {
					r, err := RSS(p.PID)
					if err != nil {
						b.Fatal(err)
					}
					rss += r
				}
				var cs *kubernetes.Clientset
				if !bc.apiOnly {
					if cs, err = cl.clientset(); err != nil {
						b.Fatal(err)
					}
					podsInNamespace(b, ctx, cs, "held")
				}
				t1 := time.Now()
				if _, err := cl.Stop(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := cl.Start(ctx); err != nil {
					b.Fatal(err)
				}
				restart += time.Since(t1)
				if !bc.apiOnly {
					t2 := time.Now()
					deleteNamespace(b, ctx, cs, "held")
					deleteNS += time.Since(t2)
				}
				if _, err := cl.Delete(ctx); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(create.Seconds()/float64(n), "create-s")
			b.ReportMetric(restart.Seconds()/float64(n), "stop-start-s")
			b.ReportMetric(float64(rss)/float64(n)/(1<<20), "rss-MiB")
			if !bc.apiOnly {
				b.ReportMetric(deleteNS.Seconds()/float64(n), "delete-ns-after-restart-s")
			}
		})
	}
}

// podsInNamespace creates namespace ns with a Deployment of 3 Pods and waits
// until they are Ready.
func podsInNamespace(b *testing.B, ctx context.Context, cs *kubernetes.Clientset, ns string) {
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment("app", 3, nil), metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	poll(b, ctx, func() bool {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, "app", metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 3
	})
}

// deleteNamespace deletes ns and waits until it is gone.
func deleteNamespace(b *testing.B, ctx context.Context, cs *kubernetes.Clientset, ns string) {
	if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		b.Fatal(err)
	}
	poll(b, ctx, func() bool {
		_, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}

func poll(b *testing.B, ctx context.Context, done func() bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for !done() {
		select {
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
