#!/bin/sh
# scripts/guest/bench-channel.sh - guest side of scripts/bench-channel (busybox sh).
#
#   vmb_echo_test kthreads --guest ring--> doorbell --> vmbusd echo
#        ^                                                  |
#        +-- tasklet <-- MSI-X <-- doorbell <--host ring----+
#
# One echo channel; for each run it measures, with the test client's inband
# file ("COUNT MIN MAX THREADS DEPTH"):
#   qd1     64-byte packets, 1 sender, 1 outstanding: round-trip latency
#   qd64    64-byte packets, 2 senders, 64 outstanding: packets per second
#   4k      4096-byte packets, 2 senders, 64 outstanding: payload MB/s
# and the channel's doorbells, interrupts and sends that had to wait for ring
# space (ring_full), per packet, in each of them.
#
# The baseline, right after each of those: the same sizes through a
# virtio-serial port (name vmb.echo) whose host end echoes every byte
# (host/vport-echo), driven from userspace by /test/vport-bench; the ratios
# channel / virtio-serial come from the same run.  Without the port or the
# program (the script run by hand) the baseline is skipped.
#
# Output, one value a line, for the host side to collect:
#   BENCH <run> <metric> <value>
#   BENCH-RESULT <run> <test> <the test client's result line>
#   BENCH-VPORT <run> <test> <mode> count <n> size <bytes> elapsed_us <us>
# Settings come from variables the host prepends to this file (defaults below),
# so it also runs as is:  scripts/vmbus-vm --offer echo:<GUID> --script THIS
# shellcheck source=tests/vm/lib.sh
. /lib/vmtest.sh

: "${BENCH_INSTANCE:=}"
: "${BENCH_RUNS:=5}"
: "${BENCH_QD1_COUNT:=2000}"
: "${BENCH_QD64_COUNT:=20000}"
: "${BENCH_4K_COUNT:=5000}"

# Kernel messages on the serial console cost time under TCG and could split
# our lines; the launcher still reads the whole log with dmesg at the end.
echo 1 >/proc/sys/kernel/printk

run modprobe vmbus
settle
if [ -z "$BENCH_INSTANCE" ]; then
	for d in /sys/kernel/debug/vmb_echo/*; do
		[ -d "$d" ] && BENCH_INSTANCE=$(basename "$d") && break
	done
fi
[ -n "$BENCH_INSTANCE" ] || fail "no echo channel (offer one: --offer echo:GUID)"
E=$BENCH_INSTANCE
DBG=/sys/kernel/debug/vmb_echo/$E
CH=/sys/bus/vmb/devices/$E/channel
wait_for 20 test -d "$DBG"
assert_eq "$(sysfs_read "/sys/bus/vmb/devices/$E/state")" open "$E state"

echo "BENCH-INFO kernel $(uname -r)"
echo "BENCH-INFO vcpus $(grep -c '^processor' /proc/cpuinfo)"
echo "BENCH-INFO instance $E"

# inband RUN NAME "COUNT MIN MAX THREADS DEPTH": one measurement. Leaves the
# elapsed time and counter deltas in EL, DB, IRQ, RF.
inband() {
	_d0=$(sysfs_read "$CH/doorbells")
	_i0=$(sysfs_read "$CH/interrupts")
	_f0=$(sysfs_read "$CH/ring_full")
	_ok=1
	echo "$3" >"$DBG/inband" || _ok=0
	_r=$(sysfs_read "$DBG/result")
	DB=$(($(sysfs_read "$CH/doorbells") - _d0))
	IRQ=$(($(sysfs_read "$CH/interrupts") - _i0))
	RF=$(($(sysfs_read "$CH/ring_full") - _f0))
	echo "BENCH-RESULT $1 $2 $_r"
	[ "$_ok" = 1 ] || fail "run $1 $2 ('$3'): the write failed; result file: $_r"
	case "$_r" in
	*" bad 0 stale 0 send_errors 0 "*) ;;
	*) fail "run $1 $2 ('$3'): $_r" ;;
	esac
	EL=${_r##*elapsed_us }
	[ "$EL" -gt 0 ] 2>/dev/null || fail "run $1 $2: no elapsed time in '$_r'"
}

# vport RUN NAME MODE COUNT SIZE: one baseline measurement (vport-bench
# checks every byte and fails on any difference); elapsed in EL.
vport() {
	_r=$(/test/vport-bench "$3" "$VPORT" "$4" "$5") || fail "run $1 $2: vport-bench $3 $4 $5 failed: $_r"
	echo "BENCH-VPORT $1 $2 $3 count $4 size $5 $_r"
	EL=${_r##*elapsed_us }
	[ "$EL" -gt 0 ] 2>/dev/null || fail "run $1 $2: no elapsed time in '$_r'"
}

VPORT=""
if [ -x /test/vport-bench ]; then
	wait_for 20 sh -c 'grep -lx vmb.echo /sys/class/virtio-ports/*/name'
	VPORT=/dev/$(basename "$(dirname "$(grep -lx vmb.echo /sys/class/virtio-ports/*/name)")")
	wait_for 10 test -c "$VPORT"
	echo "BENCH-INFO vport $VPORT"
fi

# ratio A B DECIMALS [FACTOR] : A * FACTOR / B, rounded
ratio() {
	awk -v a="$1" -v b="$2" -v d="$3" -v f="${4:-1}" \
		'BEGIN { printf("%." d "f\n", a * f / b) }'
}

# Warm-up, not reported: TCG translates the code paths on first use, and the
# host's and guest's caches and allocators settle.
log "warm-up"
inband 0 qd1 "200 64 64 1 1"
inband 0 qd64 "2000 64 64 2 64"
inband 0 4k "500 4096 4096 2 64"
if [ -n "$VPORT" ]; then
	vport 0 vport-qd1 rtt 200 64
	vport 0 vport-qd64 stream 2000 64
	vport 0 vport-4k stream 500 4096
fi

r=1
while [ "$r" -le "$BENCH_RUNS" ]; do
	log "run $r of $BENCH_RUNS"
	n=$BENCH_QD1_COUNT
	inband $r qd1 "$n 64 64 1 1"
	echo "BENCH $r qd1_us $(ratio "$EL" "$n" 1)"
	echo "BENCH $r qd1_doorbells $(ratio "$DB" "$n" 3)"
	echo "BENCH $r qd1_interrupts $(ratio "$IRQ" "$n" 3)"
	echo "BENCH $r qd1_ring_full $(ratio "$RF" "$n" 3)"
	if [ -n "$VPORT" ]; then
		ch=$EL
		vport $r vport-qd1 rtt "$n" 64
		echo "BENCH $r vport_qd1_us $(ratio "$EL" "$n" 1)"
		echo "BENCH $r qd1_vs_vport $(ratio "$ch" "$EL" 2)"
	fi

	n=$BENCH_QD64_COUNT
	inband $r qd64 "$n 64 64 2 64"
	echo "BENCH $r qd64_pps $(ratio "$n" "$EL" 0 1000000)"
	echo "BENCH $r qd64_doorbells $(ratio "$DB" "$n" 3)"
	echo "BENCH $r qd64_interrupts $(ratio "$IRQ" "$n" 3)"
	echo "BENCH $r qd64_ring_full $(ratio "$RF" "$n" 3)"
	if [ -n "$VPORT" ]; then
		ch=$EL
		vport $r vport-qd64 stream "$n" 64
		echo "BENCH $r vport_qd64_pps $(ratio "$n" "$EL" 0 1000000)"
		echo "BENCH $r qd64_vs_vport $(ratio "$EL" "$ch" 2)"
	fi

	n=$BENCH_4K_COUNT
	inband $r 4k "$n 4096 4096 2 64"
	# bytes per microsecond = MB/s (10^6 bytes), payload of one direction
	echo "BENCH $r 4k_mbs $(ratio "$n" "$EL" 1 4096)"
	echo "BENCH $r 4k_doorbells $(ratio "$DB" "$n" 3)"
	echo "BENCH $r 4k_interrupts $(ratio "$IRQ" "$n" 3)"
	echo "BENCH $r 4k_ring_full $(ratio "$RF" "$n" 3)"
	if [ -n "$VPORT" ]; then
		ch=$EL
		vport $r vport-4k stream "$n" 4096
		echo "BENCH $r vport_4k_mbs $(ratio "$n" "$EL" 1 4096)"
		echo "BENCH $r 4k_vs_vport $(ratio "$EL" "$ch" 2)"
	fi
	r=$((r + 1))
done

for f in tx_packets rx_packets tx_bytes rx_bytes doorbells interrupts ring_full; do
	echo "BENCH-INFO $f $(sysfs_read "$CH/$f")"
done
echo "BENCH-DONE"
