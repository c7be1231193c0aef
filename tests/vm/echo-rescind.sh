#!/bin/sh
# vm-args: --offer echo:3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
#
#   traffic on an open echo channel <== vmbusctl rescind, mid-flight
#
# 50 times (15 on the debug kernel): start a run, rescind the channel under it, check the run ends
# (completed or failed, never hung), the driver's remove ran, the channel was
# closed and its GPADL torn down (nothing leaked), then offer it again.
. /lib/vmtest.sh

E=3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
D=/sys/kernel/debug/vmb_echo/$E

run modprobe vmbus
settle
wait_for 20 test -d $D

cycles=$(sized 50 15)
i=1
while [ $i -le $cycles ]; do
	relid=$(sysfs_read /sys/bus/vmb/devices/$E/relid)
	echo "200000 1 4096 2 64" >$D/inband 2>/dev/null &
	writer=$!
	sleep 0.$((i % 5))
	hostctl rescind "$relid" >/dev/null || fail "cycle $i: rescind"
	wait_for 30 sh -c "! test -e /sys/bus/vmb/devices/$E"
	# the run ends: it has no channel left to wait on
	n=0
	while kill -0 $writer 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || fail "cycle $i: the run hangs after rescind"
		sleep 0.1
	done
	wait $writer
	# the host holds no guest memory of the channel any more
	wait_for 10 sh -c "hostctl status | grep -qx 'gpadls: 0'"
	hostctl offer echo $E >/dev/null || fail "cycle $i: offer"
	wait_for 30 test -d $D
	i=$((i + 1))
done
assert_eq "$(dmesg_count "$E: echo channel closed")" $cycles "closes"
assert_eq "$(dmesg_count "$E: echo channel open")" $((cycles + 1)) "opens"
dmesg_has 'leaking|not torn down|left the channel open' && fail "a GPADL or channel leaked"
echo "after $cycles cycles:"
hostctl status | grep "instance=$E"
run bounded 60 sh -c "echo '1000 1 4096 2 64' >$D/inband"
echo "echo-rescind: ok"
