#!/bin/sh
# vm-args: --offer echo:3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
#
#   vmb_echo_test ==ring (64 KiB)==> vmbusd echo, paused (vmbusctl echo-pause)
#
# Flow control: with the host not reading, the sender fills the ring, asks
# to be woken (pending_send_sz) and sleeps: it is not running and burns no
# CPU.  When the host drains (echo-resume) it wakes and the run completes.
. /lib/vmtest.sh

E=3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
D=/sys/kernel/debug/vmb_echo/$E
S=/sys/bus/vmb/devices/$E/channel

run modprobe vmbus
settle
wait_for 20 test -d $D
relid=$(sysfs_read /sys/bus/vmb/devices/$E/relid)

run hostctl echo-pause "$relid"
rf0=$(sysfs_read $S/ring_full)
log "3000 packets of 1 KiB into a 64 KiB ring the host does not read"
echo "3000 1024 1024 1 3000" >$D/inband &
writer=$!
wait_for 20 sh -c "[ \$(cat $S/ring_full) -gt $rf0 ]"
sleep 1

kt=""
for p in /proc/[0-9]*; do
	grep -q '^Name:[[:space:]]*vmb_echo/0$' "$p/status" 2>/dev/null && kt=${p#/proc/}
done
[ -n "$kt" ] || fail "no sender kthread"
state=$(awk '/^State:/ { print $2 }' /proc/$kt/status)
cpu() { awk '{ print $14 + $15 }' /proc/$kt/stat; }
c0=$(cpu)
sleep 2
c1=$(cpu)
log "sender $kt: state $state, CPU ticks over 2 s: $((c1 - c0)), ring: $(cat $S/ring_used)"
case "$state" in S | D) ;; *) fail "sender is $state, not sleeping" ;; esac
[ $((c1 - c0)) -le 2 ] || fail "sender used $((c1 - c0)) ticks while waiting"
out_used=$(awk '{ print $2 }' $S/ring_used)
[ "$out_used" -gt $((65536 - 2048)) ] || fail "ring not full: $out_used bytes used"
kill -0 $writer || fail "the run ended while the host was paused"

run hostctl echo-resume "$relid"
wait $writer || fail "run failed after resume: $(cat $D/result)"
r=$(cat $D/result)
log "$r"
case "$r" in "count 3000 good 3000 bad 0 stale 0 send_errors 0 "*) ;; *) fail "$r" ;; esac
log "ring_full events: $(($(cat $S/ring_full) - rf0))"
echo "echo-flow: ok"
