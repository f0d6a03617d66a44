// Package testenv gives a package's tests one real Kubernetes control plane
// (etcd + kube-apiserver, and with Options.Pods also the controller manager,
// scheduler and kwok-simulated nodes) for the whole test binary.
//
// Call Main from TestMain, first thing, and Get from each test:
//
//	func TestMain(m *testing.M) { testenv.Main(m, testenv.Options{Pods: true}) }
//
//	func TestX(t *testing.T) { env := testenv.Get(t); ... env.Config ... }
//
// The cluster lives in a temporary directory and is deleted when the tests end,
// even if a test panics, the binary is killed or go test times out: a small
// watcher process deletes it once the test binary's end of a pipe closes.
// Without the binaries (hack/tools/build.sh) tests skip, unless CI is set,
// in which case they fail.
package testenv
