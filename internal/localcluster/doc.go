// Package localcluster runs the local provider's Kubernetes cluster on one
// machine with no Docker and no cloud account: kwokctl (--runtime binary) starts
// a real etcd, kube-apiserver, kube-controller-manager and kube-scheduler from
// binaries built by hack/tools/build.sh, and kwok simulates the nodes and their
// Pods. Every file of a cluster lives in a directory the caller chooses (never
// ~/.kwok or ~/.kube), and every component listens on the loopback address only.
package localcluster
