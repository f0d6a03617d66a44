#!/usr/bin/env bash
# The whole Aura life cycle on the local provider, from examples/config.yml,
# in a scratch directory: common → infra → system → core → dns → stop → start
# → dns --rollback → delete_core --full → delete_system → delete_infra →
# delete_common. Every phase then runs a second time to show it changes
# nothing. Needs the cluster binaries: `make tools` (run by `make demo`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
aura="$root/bin/aura"
work=$(mktemp -d "${TMPDIR:-/tmp}/aura-demo.XXXXXX")
cfg="$root/examples/config.yml"
export AURA_VAULT_PASSWORD="${AURA_VAULT_PASSWORD:-aura-demo}"
cd "$work"
cleanup() {
  # Leave nothing running if the demo is interrupted.
  "$aura" delete_infra --cfg "$cfg" --ecfg "$root/examples/ecfg" >/dev/null 2>&1 || true
  "$aura" delete_common --yes --cfg "$cfg" --ecfg "$root/examples/ecfg" >/dev/null 2>&1 || true
  cd / && rm -rf "$work"
}
trap cleanup EXIT

step() { echo; echo "\$ aura $* --cfg config.yml --ecfg ecfg"; "$aura" "$@" --cfg "$cfg" --ecfg "$root/examples/ecfg"; }

step validate
for ph in deploy_common deploy_infra deploy_system deploy_core; do
  step "$ph"
  step "$ph"   # idempotent: the second run changes nothing
done
step deploy_core --ns      # a new core namespace for the release…
step dns --ns              # …and the DNS switch to it (backup first)
step stop
step stop                  # already stopped: says so, does nothing
step start
step dns --rollback        # back to the previous namespace, exactly
ls -l output_install
step delete_core --ns
step delete_core --full
step delete_system
step delete_infra
step delete_common --yes   # it deletes every backup: asks unless --yes
echo
echo "left in $work: $(find . -mindepth 1 | wc -l) files (aura.pem is the nodes' key)"
