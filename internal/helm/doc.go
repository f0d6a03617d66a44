// Package helm installs, upgrades, rolls back and removes the third-party
// system software of deploy_system (ECK, Prometheus, Grafana, fluent-bit, the
// NGINX ingress controller, the MongoDB Atlas operator, Redis, …) as Helm v3
// releases, through the Helm SDK.
//
// A Release names its chart by repository, chart and version, as the release
// manifest does; a Source finds that chart in an override directory, an OCI
// registry or the real HTTP repository, so offline installs and tests can use
// local charts. Plan computes, without changing anything, whether a release
// would be installed, upgraded or left alone and which objects would change;
// Apply converges with wait, timeout and atomic rollback, so a failed upgrade
// leaves the previous revision deployed and serving.
//
// The package takes plain values and never imports internal/config; the
// values the caller lists as secret are redacted from every error and log
// line this package returns. Values are not guessed secret from their keys:
// those under keys such as existingSecret are names.
package helm
