#!/bin/bash
# The DKMS package builds for both supported kernels, from exactly the files
# `make dkms-install` ships, in private DKMS trees (the host is not touched),
# and the module it produces carries the package's version.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/src/vmbus-$ver" "$T/tree" "$T/inst"
(cd "$ROOT" && tar -c Kbuild Makefile dkms.conf vmbus include compat) |
	tar -x -C "$T/src/vmbus-$ver"

for line in 6.1 6.12; do
	rel=$("$ROOT/scripts/deps" --print-kver "$line")
	echo "+ dkms build -m vmbus -v $ver -k $rel"
	dkms build -m vmbus -v "$ver" -k "$rel" --dkmstree "$T/tree" \
		--sourcetree "$T/src" --installtree "$T/inst" >"$T/log" 2>&1 || {
		cat "$T/log" "$T/tree/vmbus/$ver/build/make.log" 2>/dev/null
		exit 1
	}
	ko=$(find "$T/tree/vmbus/$ver/$rel" -name 'vmbus.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "no vmbus.ko for $rel"; exit 1; }
	got=$(modinfo -F version "$ko")
	echo "$rel: $(basename "$ko"), version $got"
	[ "$got" = "$ver" ] || { echo "module version $got, package $ver"; exit 1; }
done
