// Package config loads the aura configuration.
//
// Layers, later wins (maps merge deeply, any other value — lists included —
// replaces): the built-in defaults (defaults/defaults.yml), the defaults of
// the environment_profile (defaults/profiles/<profile>.yml: es, uk: Active
// Listening; br: aurapush; de: Confidential Computing, DC2ds_v3 pools, NGINX
// Plus; ap: the global defaults), the --cfg file, every *.yml of --ecfg in
// lexical order, then the vaulted values: whole-file ansible-vault files of
// --ecfg come after the plain ones, and inline `!vault |` values are opened
// where they stand. A node pool set to null removes a default pool.
//
// Every file is checked against the Go types (unknown keys with a "did you
// mean" hint, wrong types) before merging; Jinja in string values ("aura-{{
// environment_name }}") is rendered strictly after merging; then the guide's
// rules run (rules.go). Every problem of a load is reported at once, as
// FILE:LINE: key.path: message, and never shows a secret.
//
// Choices where the guide is silent: environment_name is
// "{profile}-{type}", plus "-{tenant_name}" for a tenant other than
// "default" (the guide gives each tenant its own namespace and resource
// group); the "Next Azure Bot Channel" flag is next_bot_channel_enabled;
// resolutions is the ResolutionResources version as a plain string.
package config
