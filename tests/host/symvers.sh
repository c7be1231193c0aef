#!/bin/bash
# No symbol our modules export may collide with one a supported kernel
# exports (Module.symvers), so the suite installs beside the in-tree Hyper-V
# drivers.  Builds the modules for both kernel lines and compares.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# collisions OURS KERNEL: symbols exported by both Module.symvers files.
collisions() {
	comm -12 <(awk '{ print $2 }' "$1" | sort -u) <(awk '{ print $2 }' "$2" | sort -u)
}

fail=0
for line in 6.1 6.12; do
	rel=$("$ROOT/scripts/deps" --print-kver "$line")
	"$ROOT/scripts/build-modules" "$rel" >/dev/null
	ours="$ROOT/.cache/build/$rel/src/Module.symvers"
	theirs="/usr/src/linux-headers-$rel/Module.symvers"
	[ -s "$ours" ] || { echo "no Module.symvers for our build on $rel"; exit 1; }
	[ -s "$theirs" ] || { echo "no $theirs"; exit 1; }
	n=$(awk '$3 ~ /vmbus$/' "$ours" | wc -l)
	echo "$rel: vmbus.ko exports $n symbols; kernel exports $(wc -l <"$theirs")"
	[ "$n" -gt 0 ] || { echo "vmbus.ko exports nothing: test would prove nothing"; exit 1; }

	# The check itself must be able to fail: a kernel symbol is caught.
	probe=$(mktemp)
	awk 'NR == 1' "$theirs" >"$probe"
	[ -n "$(collisions "$probe" "$theirs")" ] || { echo "self-check failed"; exit 1; }
	rm -f "$probe"

	clash=$(collisions "$ours" "$theirs")
	if [ -n "$clash" ]; then
		echo "$rel: exported symbols colliding with the kernel's:"
		echo "$clash" | sed 's/^/  /'
		fail=1
	fi
done
exit $fail
