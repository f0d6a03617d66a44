package azure

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// terminating lists the cluster's objects that are being deleted, with
// their finalizers: what a delete that does not end waits for.
func terminating(cfg *rest.Config) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err.Error()
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err.Error()
	}
	lists, err := disc.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		return err.Error()
	}
	var out []string
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || !strings.Contains(strings.Join(r.Verbs, ","), "list") {
				continue
			}
			items, err := dyn.Resource(gv.WithResource(r.Name)).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for _, it := range items.Items {
				if it.GetDeletionTimestamp() != nil {
					out = append(out, fmt.Sprintf("%s %s/%s since %s, finalizers %q", r.Kind, it.GetNamespace(), it.GetName(),
						it.GetDeletionTimestamp().UTC().Format(time.RFC3339), it.GetFinalizers()))
				}
			}
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, "\n")
}
