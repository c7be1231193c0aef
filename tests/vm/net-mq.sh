#!/bin/sh
# vm-args: --cpus 2 --mem 1G --timeout 1500 --nic queues=2,mtu=9000
#
#   iperf3 -P 8 --> ethX  queue 0 = primary channel,  queue 1 = sub-channel 1 ==> vmbusd ==> vmbtap0
#                         RSS (SET_RSS: key, 128-entry table) spreads host-to-guest flows
#
# Shows: two queues (one per vCPU, the host serves two); ethtool -x shows
# the 40-byte key and a table over both; eight host-to-guest streams land on
# both queues; ethtool -X equal 1 sends everything to queue 0; ethtool -L
# combined 1 and back to 2 while a transfer runs, which still completes
# with matching sha256.
. /lib/vmtest.sh

run modprobe vmbus
settle
wait_for 20 sh -c "grep -qx $(nic_mac nic) /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"

run $ETHTOOL -l "$IF"
$ETHTOOL -l "$IF" | sed -n '/Current/,$p' | grep -q 'Combined:[[:space:]]*2' ||
	fail "not 2 combined channels"
run $ETHTOOL -x "$IF"
$ETHTOOL -x "$IF" | grep -q '^ *0: *0 *1 *0 *1' || fail "RSS table is not 0 1 0 1 ..."

# rxq N : frames received on queue N
rxq() {
	$ETHTOOL -S "$IF" | awk -v n="queue_$1_rx_packets:" '$1 == n { print $2 }'
}

# h2g : eight streams from the host for a few seconds
h2g() {
	$IPERF3 -c "$(nic_host nic)" -R -P 8 -t "$(sized 4 2)" >/tmp/iperf.log 2>&1 ||
		{ cat /tmp/iperf.log; fail "iperf3 -R -P 8"; }
	grep -E 'SUM.*receiver' /tmp/iperf.log
}

a0=$(rxq 0) a1=$(rxq 1)
h2g
d0=$(($(rxq 0) - a0)) d1=$(($(rxq 1) - a1))
log "eight streams: queue 0 got $d0 frames, queue 1 got $d1"
[ "$d0" -gt 100 ] && [ "$d1" -gt 100 ] || fail "RSS did not spread eight streams over both queues"

run $ETHTOOL -X "$IF" equal 1
a1=$(rxq 1)
h2g
d1=$(($(rxq 1) - a1))
log "with the table all 0: queue 1 got $d1 frames"
[ "$d1" -lt 10 ] || fail "queue 1 still gets flows with the table all 0"
run $ETHTOOL -X "$IF" default

# channels changed under a transfer each way
dd if=/dev/urandom of=/tmp/out bs=1M count="$(sized 32 8)" status=none
want="$(sha256sum </tmp/out | cut -d' ' -f1) $(stat -c %s /tmp/out)"
hostnet sink 5003 >/dev/null || fail "hostnet sink"
$SOCAT -u OPEN:/tmp/out "TCP:$(nic_host nic):5003" &
tx=$!
$IPERF3 -c "$(nic_host nic)" -R -P 8 -t "$(sized 6 3)" >/tmp/iperf.log 2>&1 &
rx=$!
for n in 1 2 1 2; do
	sleep 1
	run $ETHTOOL -L "$IF" combined $n
done
wait $tx || fail "socat under ethtool -L"
wait $rx || { cat /tmp/iperf.log; fail "iperf3 under ethtool -L"; }
got=$(hostnet sink-result 5003) || fail "hostnet sink-result"
assert_eq "$got" "$want" "the transfer under ethtool -L"
log "transfer under ethtool -L: $got"
run $ETHTOOL -l "$IF"
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"
echo "net-mq: ok"
