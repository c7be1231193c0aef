#!/bin/bash
# The debug lane can fail: on the debug kernel, tests/kmod/vmb_debug_proof.ko
# commits one bug per run, and each run must fail with the launcher naming
# the detector's report.  Without this, a lane that never reports anything
# (a detector compiled out, a report the launcher does not grep) would pass.
#
#   host: scripts/vmbus-vm --kernel debug --exec 'modprobe vmb_debug_proof bug=X'
#         guest: the module commits X at load; /init unloads our modules and
#         runs a kmemleak scan before it dumps dmesg
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

fail=0
# bug, then what the launcher must name (extended regex)
while read -r bug want; do
	echo "+ scripts/vmbus-vm --kernel debug --quiet --exec 'modprobe vmb_debug_proof bug=$bug'"
	rc=0
	out=$("$ROOT/scripts/vmbus-vm" --kernel debug --quiet --timeout 240 \
		--exec "modprobe vmb_debug_proof bug=$bug" 2>&1) || rc=$?
	reports=$(printf '%s\n' "$out" | grep 'guest report:' || true)
	printf '%s\n' "$reports" | sed 's/^/    /'
	if [ "$rc" = 0 ]; then
		echo "FAIL: bug=$bug: the run passed"
		fail=1
	elif ! printf '%s\n' "$reports" | grep -qE "$want"; then
		echo "FAIL: bug=$bug: run failed (status $rc) but named no report matching '$want':"
		printf '%s\n' "$out" | tail -n 30
		fail=1
	else
		echo "ok: bug=$bug failed the run (status $rc), naming its report"
	fi
done <<'EOT'
uaf guest report: BUG: KASAN: slab-use-after-free in vmb_proof_uaf
leak guest report: kmemleak: [0-9]+ new suspected memory leak
lockdep guest report: WARNING: possible circular locking dependency detected
EOT
exit "$fail"
