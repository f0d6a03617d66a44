// Package localmodules turns an OB's local use cases (npm-style bundles,
// local_modules/*.tgz) into an extended aura-bot image, built and pushed with
// go-containerregistry (no Docker daemon), and describes the result in the
// two files deploy_local reads: plugin-config.json and local_config.yml
// (guide: "Local modules deployment").
package localmodules
