#!/bin/sh
# vm-args: --cpus 2 --timeout 900 --nic queues=2
#
#   ping, socat, ethtool --> ethX  netvsc ==channels==> vmbusd --nic ==> vmbtap0 (10.200.0.1)
#                                 (a queue per vCPU, 2 served)     (in the run's network namespace)
#
# Shows: netvsc loads by modalias and its interface has the host's MAC,
# carrier, 10000 Mb/s and one queue per vCPU; pings both ways, none lost;
# 32 MiB cross each way with matching sha256, first with every offload on
# (so TSO sends go out as GPA ranges), then with checksum and TSO offload
# off (every frame copied into a send section) and again with them on; no
# frame was dropped for a validation failure; the MTU stops at the host's
# largest; promiscuous, all-multicast, 40 multicast addresses and a new
# MAC (SET_MAC) leave pings working; rmmod and modprobe bring the
# interface back.
. /lib/vmtest.sh

MIB=$(sized 32 8)

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

# pings: none lost, either way
out=$($PING -c 20 -i 0.05 -W 2 -q "$(nic_host nic)") || fail "ping: $out"
echo "$out" | tail -n 2
echo "$out" | grep -q ' 20 received' || fail "ping from the guest lost packets"
out=$(hostnet ping "$(nic_guest nic)" 20) || fail "ping from the host: $out"
echo "$out" | tail -n 2
echo "$out" | grep -q ' 20 received' || fail "ping from the host lost packets"

# transfer ROUND : MIB MiB each way, checked by sha256
transfer() {
	dd if=/dev/urandom of=/tmp/out bs=1M count="$MIB" status=none
	want="$(sha256sum </tmp/out | cut -d' ' -f1) $((MIB << 20))"
	got=$(send_file /tmp/out nic 5001) || exit 1
	assert_eq "$got" "$want" "$1: guest to host"
	log "$1: guest to host: $got"
	sent=$(recv_file "$MIB" nic 5002 /tmp/in) || exit 1
	got="$(sha256sum </tmp/in | cut -d' ' -f1) $(stat -c %s /tmp/in)"
	assert_eq "$got" "$sent" "$1: host to guest"
	log "$1: host to guest: $got"
	rm -f /tmp/in /tmp/out
}

# qstat NAME : the sum of ethtool -S's queue_*_NAME
qstat() {
	$ETHTOOL -S "$IF" | awk -v n="_$1:" '$1 ~ n"$" { s += $2 } END { print s + 0 }'
}

run $ETHTOOL -k "$IF"
$ETHTOOL -k "$IF" | grep -q 'tcp-segmentation-offload: on' || fail "TSO is off"
transfer "offloads on"
ranges=$(qstat tx_ranges)
log "SENDs by GPA range: $ranges, copied: $(qstat tx_copied)"
[ "$ranges" -gt 0 ] || fail "no SEND went as GPA ranges with TSO on"

run $ETHTOOL -K "$IF" tso off tx off
before=$ranges
transfer "offloads off"
assert_eq "$(qstat tx_ranges)" "$before" "GPA-range SENDs with TSO off"
run $ETHTOOL -K "$IF" tso on tx on
transfer "offloads on again"

$ETHTOOL -S "$IF"
for r in bad_section bad_length bad_meta bad_gso bad_csum bad_hash bad_vlan; do
	assert_eq "$(qstat "rx_drop_$r")" 0 "frames dropped for $r"
done
assert_eq "$(qstat rx_bad_recv)" 0 "malformed RECVs"
assert_eq "$(qstat unknown_completion)" 0 "completions of nothing"
assert_eq "$(qstat tx_host_invalid)" 0 "SENDs the host refused"

max=$($IP -d link show "$IF" | sed -n 's/.* maxmtu \([0-9]*\).*/\1/p')
log "$IF: maxmtu $max"
$IP link set "$IF" mtu $((max + 1)) 2>/dev/null && fail "mtu $((max + 1)) past the host's $max accepted"
run $IP link set "$IF" mtu 68
run $IP link set "$IF" mtu 1500

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
