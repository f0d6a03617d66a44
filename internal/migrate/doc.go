// Package migrate moves an environment's data to a new cluster (guide "New
// cluster", "Cluster migration", "Logs migration"): `aura migrate cluster`,
// `aura migrate users` and `aura migrate logs`.
//
// Both sides are described by the output_install/*_info.json files that
// deploy_core writes. Every migration records its progress in the
// destination's common storage account, so a re-run after a failure or
// Ctrl-C continues from the step that broke, and a finished migration run
// again changes nothing.
package migrate
