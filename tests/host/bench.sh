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

# make bench-storage still works: one quick run on 6.12 (about 60 s): every
# fio job of every row on the three disks finished, the table has all 15
# lines, the JSON and the chart were written (figures not judged).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-storage-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=$("$ROOT/scripts/bench-storage" --kernel 6.12 --quick --out "$tmp" 2>&1) || {
	echo "$out" | tail -n 30
	echo "bench-storage --quick failed"
	exit 1
}
table=$(echo "$out" | awk '/^row / { n++ } n == 1 && /^$/ { exit } n == 1')
echo "$table"
rows=$(echo "$table" | grep -cE '^ *[a-z0-9-]* *(ours|virtio-blk|virtio-scsi) +[0-9]')
if [ "$rows" != 15 ]; then
	echo "bench-storage printed $rows lines of figures in its table, expected 15"
	exit 1
fi
for f in storage-6.12.json storage-6.12.png; do
	[ -s "$tmp/$f" ] || { echo "bench-storage wrote no $f"; exit 1; }
done
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["summary"]) == 15' \
	"$tmp/storage-6.12.json" || { echo "bench-storage's JSON has not 15 summary rows"; exit 1; }
