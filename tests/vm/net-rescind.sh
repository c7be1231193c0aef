#!/bin/sh
# vm-args: --cpus 2 --mem 1G --timeout 1500 --nic queues=2,mtu=9000
#
#   socat out, iperf3 -R in --> ethX netvsc (2 queues) ==> vmbusd <== vmbusctl nic remove, mid-flight
#                                                          <== vmbusctl nic add (the same TAP)
#
# 20 times (5 on the debug kernel): traffic both ways over both queues
# (iperf3 into the guest, a socat stream out of it), and the host removes
# the NIC under it (its sub-channel, then its primary, rescinded); the
# interface goes within 30 s, with no warning, and the host holds no guest
# memory any more (every GPADL torn down: the rings and each queue's
# receive and send buffers); the host adds it back and it pings again.  On
# the debug kernel kmemleak then finds nothing (the launcher's scan after
# the last script).
. /lib/vmtest.sh

MAC=$(nic_mac nic)
run modprobe vmbus
settle

# 20 cycles on the debug kernel took 600 s (30 s a cycle) of its budget; a
# leak or a torn-down GPADL missed shows in the first cycle as in the 20th
cycles=$(sized 20 5)
i=1
while [ $i -le $cycles ]; do
	wait_for 20 sh -c "grep -qx $MAC /sys/class/net/*/address"
	IF=$(nic_up nic) || exit 1
	RELID=$(sysfs_read "/sys/class/net/$IF/device/relid")
	wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"
	hostnet sink $((5010 + i)) >/dev/null || fail "hostnet sink"
	$SOCAT -u OPEN:/dev/urandom "TCP:$(nic_host nic):$((5010 + i))" 2>/dev/null &
	g2h=$!
	$IPERF3 -c "$(nic_host nic)" -R -P 4 -t 30 >/tmp/h2g.log 2>&1 &
	h2g=$!
	sleep $((1 + i % 2))
	run hostctl nic remove "$RELID"
	wait_for 30 sh -c "! grep -qx $MAC /sys/class/net/*/address"
	# the streams have nowhere to go; they are not what is tested
	kill -9 $g2h $h2g 2>/dev/null
	wait $g2h $h2g 2>/dev/null
	wait_for 10 sh -c "hostctl status | grep -qx 'gpadls: 0'"
	log "cycle $i: removed under traffic, every GPADL torn down"
	run hostctl nic add "tap=vmbtap0,mac=$MAC,mtu=9000,queues=2"
	i=$((i + 1))
done
wait_for 20 sh -c "grep -qx $MAC /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"
dmesg_has 'leak|not torn down|left the channel open' && fail "something leaked"
assert_eq "$(dmesg_count 'netvsc .*: removed')" "$cycles" "removes"
echo "net-rescind: ok"
