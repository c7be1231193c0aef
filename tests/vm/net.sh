#!/bin/sh
# vm-args: --cpus 2 --mem 1G --timeout 1500 --nic queues=2,mtu=9000
#
#   ping, socat, ethtool --> ethX  netvsc ==channels==> vmbusd --nic ==> vmbtap0 (10.200.0.1)
#                                 (a queue per vCPU, 2 served)     (in the run's network namespace)
#
# Shows: netvsc loads by modalias and its interface has the host's MAC,
# carrier, 10000 Mb/s and one queue per vCPU; 1000 pings each way, none
# lost; iperf3 TCP both ways, with the host's TAP taking GSO frames (TSO)
# and frames left to it to checksum, and every offload on in ethtool -k;
# a 200 MiB file of random bytes (8 on the debug kernel) from the host and
# back, the sha256 matching in the guest and on the host, with every offload
# on (TSO sends go out as GPA ranges); then with each of TSO, GSO, GRO, TX
# checksum and RX checksum off in turn, 200 MiB (8) of new random bytes
# relayed by the guest as they arrive back to the host, which compares
# sha256 (both directions at once), the host's counters showing TSO and TX
# checksum really stopped; no frame dropped for a validation failure; MTU
# 9000 (the host's, the largest accepted): unfragmented 9000-byte pings and
# 32 MiB (8) relayed the same way, then back to 1500, where they are refused
# and 1500-byte ones pass; promiscuous, all-multicast, 40 multicast addresses and a new
# MAC (SET_MAC) leave pings working; rmmod and modprobe bring the interface
# back.
. /lib/vmtest.sh

# 200 MiB; 8 on the debug kernel, where 200 MiB in took 170 s (1 MiB/s)
# and 32 MiB out took 2 minutes
MIB=$(sized 200 8)
JUMBO_MIB=$(sized 32 8)

run modprobe vmbus
settle
wait_for 20 sh -c "grep -qx $(nic_mac nic) /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
drv=$(basename "$(readlink "/sys/class/net/$IF/device/driver")")
assert_eq "$drv" netvsc "the driver of $IF"
assert_eq "$(cat "/sys/class/net/$IF/address")" "$(nic_mac nic)" "the MAC of $IF"
wait_for 10 sh -c "[ \"\$(cat /sys/class/net/$IF/carrier)\" = 1 ]"
dmesg | grep 'netvsc' | tail -n 5

run $ETHTOOL -i "$IF"
$ETHTOOL "$IF" | grep -q 'Speed: 10000Mb/s' || fail "ethtool: no 10000Mb/s"
$ETHTOOL "$IF" | grep -q 'Link detected: yes' || fail "ethtool: no link"
run $ETHTOOL -l "$IF"
queues=$(find "/sys/class/net/$IF/queues" -name 'rx-*' | wc -l)
log "$IF has $queues receive queue(s)"
assert_eq "$queues" "$(grep -c ^processor /proc/cpuinfo)" "queues (one per vCPU)"

# pings: 1000 each way at once, none lost
$PING -c 1000 -i 0.01 -W 2 -q "$(nic_host nic)" >/tmp/ping.out 2>&1 &
pid=$!
out=$(hostnet ping "$(nic_guest nic)" 1000) || fail "ping from the host: $out"
wait $pid || fail "ping from the guest: $(cat /tmp/ping.out)"
tail -n 2 /tmp/ping.out
grep -q ' 1000 received' /tmp/ping.out || fail "ping from the guest lost packets"
echo "$out" | tail -n 2
echo "$out" | grep -q ' 1000 received' || fail "ping from the host lost packets"

# hstat NAME : the host port's counter NAME (every queue's, summed)
hstat() { hostctl nic stats vmbtap0 | awk -v n="$1" '$1 == n { print $2 }'; }

# rate MIB T0 T1 : MIB MiB over T0..T1 (ms) in MiB/s, one decimal
rate() {
	_r=$(($1 * 10000 / ($3 - $2 + 1)))
	echo "$((_r / 10)).$((_r % 10))"
}

# relay ROUND MIB : MIB MiB of new random bytes from the host, relayed by
# the guest as they come straight back to it (echo_random): every frame both
# ways goes through the offloads of the moment, and the host compares sha256
relay() {
	t0=$(uptime_ms)
	out=$(echo_random "$2" nic 5002) || exit 1
	t1=$(uptime_ms)
	assert_eq "$(echo "$out" | sed -n 2p)" "$(echo "$out" | sed -n 1p)" "$1: host to guest to host"
	log "$1: host to guest to host: $(echo "$out" | sed -n 2p), $(rate "$2" "$t0" "$t1") MiB/s each way"
}

# qstat NAME : the sum of ethtool -S's queue_*_NAME
qstat() {
	$ETHTOOL -S "$IF" | awk -v n="_$1:" '$1 ~ n"$" { s += $2 } END { print s + 0 }'
}

# offloads are on by default, and TCP both ways uses them: the host's TAP
# takes GSO frames from the guest (vmbusd counts each as tx_gso)
run $ETHTOOL -k "$IF"
for f in tx-checksumming rx-checksumming tcp-segmentation-offload \
	generic-segmentation-offload generic-receive-offload scatter-gather; do
	$ETHTOOL -k "$IF" | grep -q "^$f: on" || fail "$f is not on"
done
gso=$(hstat tx_gso) csum=$(hstat tx_csum)
run $IPERF3 -c "$(nic_host nic)" -t 3 -f m
run $IPERF3 -c "$(nic_host nic)" -t 3 -f m -R
log "host: tx_gso $gso -> $(hstat tx_gso), tx_csum $csum -> $(hstat tx_csum)"
[ "$(hstat tx_gso)" -gt "$gso" ] || fail "no GSO frame reached the TAP: TSO unused"
[ "$(hstat tx_csum)" -gt "$csum" ] || fail "no frame left checksumming to the host"

# offloads on: a file from the host, kept, hashed in the guest and sent back
t0=$(uptime_ms)
out=$(recv_random "$MIB" nic 5000 /tmp/.payload) || exit 1
t1=$(uptime_ms)
assert_eq "$(echo "$out" | sed -n 2p)" "$(echo "$out" | sed -n 1p)" "offloads on: host to guest"
sum=$(echo "$out" | sed -n 2p)
log "offloads on: host to guest: $sum, $(rate "$MIB" "$t0" "$t1") MiB/s"
t0=$(uptime_ms)
out=$(send_random /tmp/.payload "$sum" nic 5001) || exit 1
t1=$(uptime_ms)
rm -f /tmp/.payload
assert_eq "$(echo "$out" | sed -n 2p)" "$sum" "offloads on: guest to host"
log "offloads on: guest to host: $(echo "$out" | sed -n 2p), $(rate "$MIB" "$t0" "$t1") MiB/s"
ranges=$(qstat tx_ranges)
log "SENDs by GPA range: $ranges, copied: $(qstat tx_copied)"
[ "$ranges" -gt 0 ] || fail "no SEND went as GPA ranges with TSO on"

# each offload off in turn, MIB MiB relayed through the guest both ways; the
# host's counters show TSO and TX checksum really stopped
for f in tso gso tx gro rx; do
	run $ETHTOOL -K "$IF" "$f" off
	gso=$(hstat tx_gso) csum=$(hstat tx_csum)
	relay "$f off" "$MIB"
	case $f in
	tso)
		assert_eq "$(hstat tx_gso)" "$gso" "GSO frames to the host with TSO off" ;;
	tx)
		assert_eq "$(hstat tx_gso)" "$gso" "GSO frames to the host with TX checksum off"
		assert_eq "$(hstat tx_csum)" "$csum" "frames needing a checksum with TX checksum off" ;;
	esac
	# TSO needs TX checksum: the kernel took it away with tx, and gives it back
	run $ETHTOOL -K "$IF" "$f" on
	$ETHTOOL -k "$IF" | grep -q '^tcp-segmentation-offload: on' || fail "TSO not back after $f on"
done

$ETHTOOL -S "$IF"
for r in bad_section bad_length bad_meta bad_gso bad_csum bad_hash bad_vlan; do
	assert_eq "$(qstat "rx_drop_$r")" 0 "frames dropped for $r"
done
assert_eq "$(qstat rx_bad_recv)" 0 "malformed RECVs"
assert_eq "$(qstat unknown_completion)" 0 "completions of nothing"
assert_eq "$(qstat tx_host_invalid)" 0 "SENDs the host refused"

# jumbo frames: the host's 9000 (--nic mtu=9000) is the interface's maximum
max=$($IP -d link show "$IF" | sed -n 's/.* maxmtu \([0-9]*\).*/\1/p')
log "$IF: maxmtu $max"
assert_eq "$max" 9000 "the largest MTU (the host's)"
$IP link set "$IF" mtu 9001 2>/dev/null && fail "mtu 9001 past the host's 9000 accepted"
run $IP link set "$IF" mtu 9000
out=$($PING -M "do" -s 8972 -c 20 -i 0.05 -W 2 -q "$(nic_host nic)") || fail "ping -s 8972: $out"
echo "$out" | grep -q ' 20 received' || fail "9000-byte pings lost: $out"
log "MTU 9000: 20 unfragmented 9000-byte pings, none lost"
relay "MTU 9000" "$JUMBO_MIB"
run $IP link set "$IF" mtu 68
run $IP link set "$IF" mtu 1500
$PING -M "do" -s 8972 -c 1 -W 2 -q "$(nic_host nic)" >/dev/null 2>&1 &&
	fail "a 9000-byte ping left unfragmented at MTU 1500"
out=$($PING -M "do" -s 1472 -c 20 -i 0.05 -W 2 -q "$(nic_host nic)") || fail "ping -s 1472: $out"
echo "$out" | grep -q ' 20 received' || fail "1500-byte pings lost: $out"
log "MTU 1500 again: 1500-byte pings through, 9000-byte ones refused"

# receive filters: promiscuous, all-multicast, a multicast list past the
# protocol's 32 (all-multicast then), each a SET_RX_FILTER the host takes
run $IP link set "$IF" promisc on
run $IP link set "$IF" allmulticast on
n=0
while [ $n -lt 40 ]; do
	$IP maddr add "01:00:5e:00:01:$(printf %02x $n)" dev "$IF" || fail "ip maddr add"
	n=$((n + 1))
done
pings() {
	out=$($PING -c 10 -i 0.05 -W 2 -q "$(nic_host nic)") || fail "ping: $out"
	echo "$out" | grep -q ' 10 received' || fail "pings lost: $out"
}
pings
run $IP link set "$IF" promisc off
run $IP link set "$IF" allmulticast off
pings
dmesg_has 'netvsc.*(SET_RX_FILTER|SET_MAC)' && fail "a filter request failed: $(dmesg | grep netvsc | tail -n 3)"

# a new MAC (SET_MAC): the host's unicast filter follows it
mac=$(nic_mac nic)
run $IP link set "$IF" address 02:76:6d:62:00:77
run $IP neigh flush dev "$IF"
pings
assert_eq "$(cat "/sys/class/net/$IF/address")" 02:76:6d:62:00:77 "the new MAC"
run $IP link set "$IF" address "$mac"
run $IP neigh flush dev "$IF"
pings
log "promisc, allmulti, 40 multicast addresses, a new MAC: pings all through"

# a clean unload, and the interface back on a new load
run $IP link set "$IF" down
run rmmod netvsc
[ -e "/sys/class/net/$IF" ] && fail "$IF still there after rmmod"
run modprobe netvsc
wait_for 20 sh -c "grep -qx $(nic_mac nic) /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"
log "back after a reload as $IF"
echo "net: ok"
