#!/bin/sh
# vm-args: --offer echo:3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53 --offer echo:8e4d2c1b-7a6f-4b3e-9d0c-5f1e2a3b4c6d
#
#   vmbusctl inject ring-* A  ==> channel A's host-to-guest ring is garbage
#   channel B                 ==> keeps echoing throughout
#
# A corrupt ring breaks only its channel: logged, state "broken", its I/O
# fails, no oops; the other channel keeps working.  Unknown completions are
# counted and dropped; a GPADL answer for an unknown GPADL is rejected.
. /lib/vmtest.sh

A=3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
B=8e4d2c1b-7a6f-4b3e-9d0c-5f1e2a3b4c6d

echo_ok() { bounded 60 sh -c "echo '200 1 4096 1 16' >/sys/kernel/debug/vmb_echo/$1/inband"; }

run modprobe vmbus
settle
wait_for 20 test -d /sys/kernel/debug/vmb_echo/$A
wait_for 20 test -d /sys/kernel/debug/vmb_echo/$B

for kind in ring-index ring-len ring-offset; do
	relid=$(sysfs_read /sys/bus/vmb/devices/$A/relid)
	before=$(dmesg_count "relid $relid: host broke the ring protocol")
	run hostctl inject $kind "$relid"
	wait_for 10 sh -c "[ \$(cat /sys/bus/vmb/devices/$A/state) = broken ]"
	[ "$(dmesg_count "relid $relid: host broke the ring protocol")" -gt "$before" ] ||
		fail "$kind: not logged"
	dmesg | grep "relid $relid: host broke" | tail -n 1
	echo_ok $A && fail "$kind: I/O on the broken channel succeeded"
	log "$kind: I/O on A fails: $(cat /sys/kernel/debug/vmb_echo/$A/result)"
	echo_ok $B || fail "$kind: channel B stopped working"
	log "$kind: B still echoes"
	# the host replaces the broken channel
	run hostctl rescind "$relid"
	wait_for 20 sh -c "! test -e /sys/bus/vmb/devices/$A"
	run hostctl offer echo $A
	wait_for 20 test -d /sys/kernel/debug/vmb_echo/$A
	echo_ok $A || fail "$kind: the replacement channel does not work"
done

relid=$(sysfs_read /sys/bus/vmb/devices/$A/relid)
s0=$(cat /sys/kernel/debug/vmb_echo/$A/stale)
run hostctl inject unknown-completion "$relid"
wait_for 10 sh -c "[ \$(cat /sys/kernel/debug/vmb_echo/$A/stale) -gt $s0 ]"
echo_ok $A || fail "A stopped working after an unknown completion"
log "unknown completion dropped and counted; A still echoes"

run hostctl inject gpadl-unknown "$relid"
wait_for 10 dmesg_has 'rejected unsolicited response type 12 \(key 2147483647\)'
echo_ok $A || fail "A stopped working after a stray GPADL answer"
echo_ok $B || fail "B stopped working"
echo "echo-faults: ok"
