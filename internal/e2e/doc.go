// Package e2e runs the aura binary through the whole life cycle on the local
// provider (a kwokctl control plane built from the Go module proxy) and
// checks every claim against the API server and the state on disk.
package e2e
