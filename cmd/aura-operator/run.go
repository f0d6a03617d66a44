package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/controller"
	"github.com/auracognitive/aurak8s/internal/packages"
)

func run(ctx context.Context, c config) error {
	level := slog.LevelInfo
	if c.debug {
		level = slog.LevelDebug
	}
	ctrl.SetLogger(logr.FromSlogHandler(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(aurav1.AddToScheme(scheme))

	opts := ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: c.metricsAddr},
		HealthProbeBindAddress:  c.probeAddr,
		LeaderElection:          c.leaderElect,
		LeaderElectionID:        "aura-operator.auracognitive.com",
		LeaderElectionNamespace: c.LeaderElectionNamespace,
	}
	if c.WatchNamespace != "" {
		opts.Cache = cache.Options{DefaultNamespaces: map[string]cache.Config{c.WatchNamespace: {}}}
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), opts)
	if err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	sink, err := packages.NewBlobSink(c.blob())
	if err != nil {
		return err
	}
	if err := controller.Setup(mgr, controller.Options{
		Environment:     c.Environment,
		AgentsNamespace: c.AgentsNamespace,
		ImagePullSecret: c.ImagePullSecret,
		Bucket:          c.S3Bucket,
		Publisher:       &packages.Publisher{Source: packages.NewS3Source(c.s3()), Sink: sink},
		Resync:          c.resync,
	}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	log.Info("starting", "environment", c.Environment, "bucket", c.S3Bucket,
		"blobContainer", sink.URL(), "resync", c.resync.String())
	return mgr.Start(ctx)
}
