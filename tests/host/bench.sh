#!/bin/bash
# make bench-channel still works on both kernels: one short run each (the
# figures are not judged, only that every packet and every byte of the
# virtio-serial baseline came back and the table has every row).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

for k in 6.1 6.12; do
	out=$("$ROOT/scripts/bench-channel" --kernel "$k" --runs 1 --count 400 2>&1) || {
		echo "$out" | tail -n 30
		echo "bench-channel failed on $k"
		exit 1
	}
	echo "$out" | sed -n '/^metric/,/^note:/p'
	rows=$(echo "$out" | grep -cE '^ *[A-Za-z].*( +[0-9.]+){3}$')
	if [ "$rows" != 16 ]; then
		echo "bench-channel on $k printed $rows rows of figures, expected 16"
		exit 1
	fi
done
