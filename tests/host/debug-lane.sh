#!/bin/bash
# The debug lane can fail: on the debug kernel, tests/kmod/vmb_debug_proof.ko
# commits one bug per run, and each run must fail with the launcher naming
# the detector's report.  Without this, a lane that never reports anything
# (a detector compiled out, a report the launcher does not grep) would pass.
#
#   host: scripts/vmbus-vm --kernel debug --exec 'modprobe vmb_debug_proof bug=X'
#         guest: the module commits X at load; /init unloads our modules and
#         runs a kmemleak scan before it dumps dmesg
#
# Then the same for a guest that runs several scripts (tests/run's groups):
# kmemleak scans once, after the last, so a leak in the first must still
# fail the first, and a lock inversion in the second the second, each
# naming its own report and not the other's.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

fail=0
# bug, the kernel command line it adds ("-": none), then what the launcher
# must name (extended regex).  The use-after-free boots without KFENCE's
# sampling: a freed object that KFENCE happened to sample would be reported
# by KFENCE instead (seen in CI), and this proof is KASAN's.
while read -r bug append want; do
	args=()
	[ "$append" = - ] || args=(--append "$append")
	echo "+ scripts/vmbus-vm --kernel debug --quiet ${args[*]} --exec 'modprobe vmb_debug_proof bug=$bug'"
	rc=0
	out=$("$ROOT/scripts/vmbus-vm" --kernel debug --quiet --timeout 240 "${args[@]}" \
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
uaf kfence.sample_interval=0 guest report: BUG: KASAN: slab-use-after-free in vmb_proof_uaf
leak - guest report: kmemleak: [0-9]+ new suspected memory leak
EOT

# one guest, three scripts: a leak, a clean one, a lock inversion
tmp=$(mktemp -d "${TMPDIR:-/tmp}/debug-lane.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo 'modprobe vmb_debug_proof bug=leak' >"$tmp/leak.sh"
printf '%s\n' '. /lib/vmtest.sh' 'run modprobe vmbus' 'run rmmod vmbus' >"$tmp/clean.sh"
echo 'modprobe vmb_debug_proof bug=lockdep' >"$tmp/lockdep.sh"
echo "+ scripts/vmbus-vm --kernel debug --quiet --script leak.sh --script clean.sh --script lockdep.sh"
rc=0
out=$(VMB_VM_LOGDIR=$tmp/logs "$ROOT/scripts/vmbus-vm" --kernel debug --quiet --timeout 240 \
	--script "$tmp/leak.sh" --script "$tmp/clean.sh" --script "$tmp/lockdep.sh" 2>&1) || rc=$?
printf '%s\n' "$out" | grep 'guest report:' | sed 's/^/    /' || true
LEAK_RE='guest report: kmemleak: [0-9]+ new suspected memory leak'
LOCK_RE='guest report: WARNING: possible circular locking dependency detected'
# script N | its verdict | what its lines must name | what they must not
while IFS="|" read -r n verdict want unwanted; do
	got=$(sed -n "s/^$n \([a-z]*\) .*/\1/p" "$tmp/logs/results" 2>/dev/null || true)
	lines=$(cat "$tmp/logs/launcher.$n.log" 2>/dev/null || true)
	if [ "$got" != "$verdict" ]; then
		echo "FAIL: script $n of 3: $got, expected $verdict"
		printf '%s\n' "$out" | tail -n 30
		fail=1
	elif [ "$want" != - ] && ! printf '%s\n' "$lines" | grep -qE "$want"; then
		echo "FAIL: script $n of 3 failed but named no report matching '$want':"
		printf '%s\n' "$lines" | tail -n 30
		fail=1
	elif printf '%s\n' "$lines" | grep -qE "$unwanted"; then
		echo "FAIL: script $n of 3 was charged with another script's report ('$unwanted'):"
		printf '%s\n' "$lines" | tail -n 30
		fail=1
	else
		echo "ok: script $n of 3: $verdict, naming its own report only"
	fi
done <<EOT
1|fail|$LEAK_RE|$LOCK_RE
2|pass|-|guest report:
3|fail|$LOCK_RE|$LEAK_RE
EOT
[ "$rc" != 0 ] || { echo "FAIL: the three-script run exited 0"; fail=1; }
exit "$fail"
