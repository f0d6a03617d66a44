package migrate

import (
	"fmt"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/provider/factory"
)

// OpenSide opens an environment's cluster (the info file's kubeconfig) and
// its storage (the provider the info file names; opts carry the Azure
// credentials).
func OpenSide(info *Info, opts ...factory.Option) (*Side, error) {
	path, err := info.KubeconfigPath()
	if err != nil {
		return nil, err
	}
	rc, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("%s: kubeconfig %s: %w", info.Path, path, err)
	}
	// Polling a few Jobs and workloads; client-go's 5 QPS would only slow a
	// scale-down of many workloads.
	rc.QPS, rc.Burst = 50, 100
	kc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	cfg := &config.Config{Provider: info.Provider}
	cfg.Local.StateDir = info.LocalStateDir
	cfg.Derived.CommonResourceGroup, cfg.Derived.CommonStorageAccount = info.CommonResourceGroup, info.CommonStorage
	p, err := factory.New(cfg, nil, opts...)
	if err != nil {
		return nil, err
	}
	return &Side{Info: info, Kube: kc, Dynamic: dyn, Storage: p}, nil
}
