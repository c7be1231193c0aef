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
read -r -a files <<<"$(make -s -C "$ROOT" print-dkms-files)"
(cd "$ROOT" && tar -c "${files[@]}") | tar -x -C "$T/src/vmbus-$ver"
mapfile -t mods < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
[ "${#mods[@]}" -gt 0 ] || { echo "dkms.conf names no module"; exit 1; }

for line in 6.1 6.12; do
	rel=$("$ROOT/scripts/deps" --print-kver "$line")
	echo "+ dkms build -m vmbus -v $ver -k $rel"
	dkms build -m vmbus -v "$ver" -k "$rel" --dkmstree "$T/tree" \
		--sourcetree "$T/src" --installtree "$T/inst" >"$T/log" 2>&1 || {
		cat "$T/log" "$T/tree/vmbus/$ver/build/make.log" 2>/dev/null
		exit 1
	}
	for m in "${mods[@]}"; do
		ko=$(find "$T/tree/vmbus/$ver/$rel" -name "$m.ko*" | head -n 1)
		[ -n "$ko" ] || { echo "no $m.ko for $rel"; exit 1; }
		got=$(modinfo -F version "$ko")
		echo "$rel: $(basename "$ko"), version $got"
		[ "$got" = "$ver" ] || { echo "$m: module version $got, package $ver"; exit 1; }
	done
done
