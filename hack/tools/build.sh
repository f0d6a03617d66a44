#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok, kwokctl) from the Go module proxy, offline from
# any release download, into ${XDG_CACHE_HOME:-~/.cache}/aurak8s/bin/<versions>/.
#
# Versions come from the committed go.mod/go.sum of the throwaway modules next to
# this script (built with -mod=readonly, so a build never resolves anything new).
# Binaries already present are skipped; each group is built into a temporary
# directory and moved into place only when complete, so an interrupted build
# never leaves a half-written binary that later looks "cached".
#
# Usage: hack/tools/build.sh            build what is missing, print what/how long
#        hack/tools/build.sh --print-dir print the binary directory and exit
# Env:   AURAK8S_BIN_DIR overrides the directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# modversion DIR MODULE prints the version DIR/go.mod requires for MODULE.
modversion() {
	awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { print $NF; exit }' "$here/$1/go.mod"
}

k8s_version=$(modversion kubernetes k8s.io/kubernetes)
etcd_version=$(modversion etcd go.etcd.io/etcd/server/v3)
kwok_version=$(modversion kwok sigs.k8s.io/kwok)
for v in "$k8s_version" "$etcd_version" "$kwok_version"; do
	[[ $v == v* ]] || { echo "build.sh: cannot read a version from hack/tools/*/go.mod" >&2; exit 1; }
done

bin_dir=${AURAK8S_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aurak8s/bin/k8s-${k8s_version}_etcd-${etcd_version}_kwok-${kwok_version}}
if [[ ${1:-} == --print-dir ]]; then
	echo "$bin_dir"
	exit 0
fi
mkdir -p "$bin_dir"

export GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0

# build MODULE_DIR "BINARIES" PACKAGES... builds PACKAGES (one go build, so the
# shared dependencies compile once) unless every name in BINARIES exists.
build() {
	local dir=$1 names=$2 missing=0 n
	shift 2
	for n in $names; do [[ -x $bin_dir/$n ]] || missing=1; done
	if ((missing == 0)); then
		echo "cached: $names"
		return
	fi
	local tmp start
	tmp=$(mktemp -d "$bin_dir/.build-XXXXXX")
	start=$(date +%s)
	(cd "$here/$dir" && go build -trimpath -ldflags "${ldflags:--s -w}" -o "$tmp/" "$@")
	for n in $names; do mv -f "$tmp/$n" "$bin_dir/$n"; done
	rmdir "$tmp"
	echo "built:  $names in $(($(date +%s) - start))s"
}

# Kubernetes reports its version from ldflags; without them kubectl and the
# apiserver say v0.0.0 and kwokctl picks the wrong flags for them.
minor=${k8s_version#v1.}
minor=${minor%%.*}
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
	ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
build kubernetes "kube-apiserver kube-controller-manager kube-scheduler kubectl" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl

ldflags="-s -w"
# etcd's main package is the module root, so go build names the binary "v3".
if [[ ! -x $bin_dir/etcd ]]; then
	start=$(date +%s)
	(cd "$here/etcd" && go build -trimpath -ldflags "$ldflags" -o "$bin_dir/.etcd.tmp" go.etcd.io/etcd/server/v3)
	mv -f "$bin_dir/.etcd.tmp" "$bin_dir/etcd"
	echo "built:  etcd in $(($(date +%s) - start))s"
else
	echo "cached: etcd"
fi

# kwokctl derives default component flags from the Kubernetes version it was built for.
ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${k8s_version#v}"
build kwok "kwok kwokctl" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl

echo "binaries in $bin_dir"
