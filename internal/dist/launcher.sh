#!/bin/sh
# aura runs the installer binary of this bundle built for this machine
# (bin/linux-amd64/aura or bin/linux-arm64/aura), so that the guide's
# `./aura ...` commands work on both architectures.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
case $(uname -s) in
Linux) ;;
*)
	echo "aura: this installer runs on Linux; this machine is $(uname -s)" >&2
	exit 1
	;;
esac
case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*)
	echo "aura: no installer binary for architecture $(uname -m); this bundle has: $(ls "$here/bin" 2>/dev/null | tr '\n' ' ')" >&2
	exit 1
	;;
esac
bin=$here/bin/linux-$arch/aura
if [ ! -x "$bin" ]; then
	echo "aura: $bin is missing; this bundle has: $(ls "$here/bin" 2>/dev/null | tr '\n' ' ')" >&2
	exit 1
fi
exec "$bin" "$@"
