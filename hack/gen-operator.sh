#!/usr/bin/env bash
# Regenerates the aura-operator's generated files with controller-gen:
#   api/v1/zz_generated.deepcopy.go, config/crd/bases/*.yaml, config/rbac/role.yaml
# `hack/gen-operator.sh --check` generates into a temporary directory and fails
# (listing the differences) when the committed files are stale; the test suite runs it.
# `go run pkg@version` keeps controller-gen out of our go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."
CONTROLLER_GEN=(go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0)

generate() { # $1 = deepcopy dir, $2 = crd dir, $3 = rbac dir
	# One run: loading the packages is most of controller-gen's time.
	"${CONTROLLER_GEN[@]}" object crd:crdVersions=v1 rbac:roleName=aura-operator \
		paths=./api/... paths=./internal/controller/... \
		output:object:dir="$1" output:crd:dir="$2" output:rbac:dir="$3"
}

if [[ "${1:-}" == "--check" ]]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/api" "$tmp/crd" "$tmp/rbac"
	generate "$tmp/api" "$tmp/crd" "$tmp/rbac"
	stale=0
	diff -u api/v1/zz_generated.deepcopy.go "$tmp/api/zz_generated.deepcopy.go" || stale=1
	diff -ru config/crd/bases "$tmp/crd" || stale=1
	diff -u config/rbac/role.yaml "$tmp/rbac/role.yaml" || stale=1
	if ((stale)); then
		echo "generated operator files are stale: run hack/gen-operator.sh" >&2
		exit 1
	fi
	exit 0
fi

mkdir -p config/crd/bases config/rbac
generate api/v1 config/crd/bases config/rbac
