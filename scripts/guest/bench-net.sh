#!/bin/sh
# scripts/guest/bench-net.sh - guest side of scripts/bench-net (busybox sh).
#
#   iperf3, ping -->  ethX  netvsc ==channels==> vmbusd ==> vmbtap0  (10.200.0.1)
#               -->  ethY  virtio-net ========> QEMU   ==> vmbtapv0 (10.201.0.1)
#
# Two NICs in one guest: ours (the synthetic NIC) and virtio-net (QEMU's
# tap back end, vhost off), each on a TAP of its own in the run's network
# namespace, where an iperf3 server listens on each host address.  For each
# round, for each row, it runs the row on both NICs, one after the other,
# swapping which goes first from round to round, so that load drift and
# order hit both alike.  Each result is one line
#   BENCH-ROW <round> <row> <nic> <value> <unit>
# (nic: ours or virtio), then BENCH-DONE.  Rows:
#   tcp-g2h-1, tcp-g2h-2   TCP guest to host, 1 and 2 streams (Mbit/s, received)
#   tcp-h2g-1, tcp-h2g-2   host to guest (iperf3 -R)
#   udp64-g2h              UDP, 64-byte payloads, unthrottled: packets/s received
#   ping-mean, ping-p99    round-trip time of BENCH_PINGS pings 5 ms apart (us)
# Settings come from variables the host prepends (defaults below), so it also
# runs by hand: scripts/vmbus-vm --nic queues=2 --virtio-nic queues=2 --script THIS
# shellcheck source=tests/vm/lib.sh
. /lib/vmtest.sh

: "${BENCH_ROUNDS:=3}"
: "${BENCH_TIME:=5}"
: "${BENCH_PINGS:=500}"
: "${BENCH_ROWS:=tcp-g2h-1 tcp-g2h-2 tcp-h2g-1 tcp-h2g-2 udp64-g2h ping}"
# which NICs: "ours virtio", or "virtio" alone (scripts/bench-net --baseline-only)
: "${BENCH_NICS:=ours virtio}"

# Kernel messages on the serial console cost time under TCG.
echo 1 >/proc/sys/kernel/printk

run modprobe vmbus
settle
modprobe virtio_net 2>/dev/null
# NICS: "<nic> <kind>" pairs, kind as lib.sh's nic_* take it
NICS=""
for n in $BENCH_NICS; do
	case "$n" in
	ours) NICS="$NICS ours:nic" ;;
	virtio) NICS="$NICS virtio:vnic" ;;
	*) fail "unknown NIC '$n' in BENCH_NICS" ;;
	esac
done
for n in $NICS; do
	wait_for 20 sh -c "grep -qx $(nic_mac "${n#*:}") /sys/class/net/*/address"
	eval "IF_${n%:*}=\$(nic_up ${n#*:})" || exit 1
done
for n in $NICS; do
	eval "set -- ${n%:*} \$IF_${n%:*} ${n#*:}"
	drv=$(basename "$(readlink "/sys/class/net/$2/device/driver")")
	echo "BENCH-INFO nic $1 iface $2 driver $drv host $(nic_host "$3")" \
		"queues $(find "/sys/class/net/$2/queues" -name 'rx-*' | wc -l)" \
		"mtu $(cat "/sys/class/net/$2/mtu")"
	wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host "$3")"
done

# iperf3's summary: the receiver's bit rate in Mbit/s ("[SUM]" with -P 2)
iperf_rx_mbits() {
	awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i }
		END { if (v == "") exit 1; print v }'
}

# run_row ROW NIC KIND : one measurement, printed as BENCH-ROW line(s)
run_row() {
	_h=$(nic_host "$3")
	case "$1" in
	tcp-g2h-1 | tcp-g2h-2 | tcp-h2g-1 | tcp-h2g-2)
		_p=${1##*-}
		_r=""
		case "$1" in tcp-h2g-*) _r=-R ;; esac
		_out=$($IPERF3 -c "$_h" -t "$BENCH_TIME" -P "$_p" $_r -f m 2>&1) ||
			fail "iperf3 $1 on $2: $_out"
		_v=$(echo "$_out" | iperf_rx_mbits) || fail "iperf3 $1 on $2: no receiver line: $_out"
		echo "BENCH-ROW $ROUND $1 $2 $_v Mbit/s"
		;;
	udp64-g2h)
		_out=$($IPERF3 -c "$_h" -u -l 64 -b 0 -t "$BENCH_TIME" 2>&1) ||
			fail "iperf3 $1 on $2: $_out"
		# receiver line: ... <lost>/<total> (<pct>%)  receiver
		_v=$(echo "$_out" | awk -v t="$BENCH_TIME" '/receiver/ {
			for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, a, "/"); v = (a[2] - a[1]) / t }
		} END { if (v == "") exit 1; printf "%d\n", v }') ||
			fail "iperf3 $1 on $2: no receiver line: $_out"
		echo "BENCH-ROW $ROUND $1 $2 $_v pkt/s"
		;;
	ping)
		_out=$($PING -n -i 0.005 -c "$BENCH_PINGS" "$_h" 2>&1) || fail "ping on $2: $(echo "$_out" | tail -n 3)"
		echo "$_out" | sed -n 's/.* time=\([0-9.]*\) ms$/\1/p' | sort -n >/tmp/rtt
		_n=$(wc -l </tmp/rtt)
		[ "$_n" -ge $((BENCH_PINGS * 9 / 10)) ] || fail "ping on $2: $_n replies of $BENCH_PINGS"
		_mean=$(awk '{ s += $1 } END { printf "%d\n", s * 1000 / NR }' /tmp/rtt)
		_p99=$(awk -v n="$_n" 'NR == int((n * 99 + 99) / 100) { printf "%d\n", $1 * 1000 }' /tmp/rtt)
		echo "BENCH-ROW $ROUND ping-mean $2 $_mean us"
		echo "BENCH-ROW $ROUND ping-p99 $2 $_p99 us"
		;;
	*) fail "unknown row $1" ;;
	esac
}

log "warm-up"
ROUND=0
for n in $NICS; do
	$IPERF3 -c "$(nic_host "${n#*:}")" -t 1 >/dev/null 2>&1 || fail "warm-up iperf3 on ${n%:*}"
done

ROUND=1
while [ "$ROUND" -le "$BENCH_ROUNDS" ]; do
	log "round $ROUND of $BENCH_ROUNDS"
	for row in $BENCH_ROWS; do
		order=$NICS
		if [ $((ROUND % 2)) = 0 ]; then
			order=""
			for n in $NICS; do order="$n $order"; done
		fi
		for n in $order; do run_row "$row" "${n%:*}" "${n#*:}"; done
	done
	ROUND=$((ROUND + 1))
done
for n in $NICS; do
	eval "set -- ${n%:*} \$IF_${n%:*}"
	echo "BENCH-INFO counters $1 $(cat "/sys/class/net/$2/statistics/rx_packets") rx" \
		"$(cat "/sys/class/net/$2/statistics/tx_packets") tx" \
		"$(cat "/sys/class/net/$2/statistics/rx_dropped") rx_dropped"
done
echo BENCH-DONE
