#!/bin/sh
# vm-args: --cpus 2 --offer echo:3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
#
#   echo device: primary (relid 1) + 3 sub-channels, each its own rings,
#   spread over the 2 vCPUs' vectors; then the primary retargeted.
#
# Shows: the driver asks for sub-channels, the host offers them, each opens
# and carries verified traffic, interrupts arrive on both vCPUs' vectors;
# retargeting moves a channel's interrupts to the other vector; rescinding
# the device takes its sub-channels with it, nothing leaks, and it comes back.
. /lib/vmtest.sh

E=3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
D=/sys/kernel/debug/vmb_echo/$E
C=/sys/bus/vmb/devices/$E/channel

# irqs N: interrupts so far on channel vector N (1 or 2), all CPUs
irqs() {
	grep vmbus /proc/interrupts | sed -n "$(($1 + 1))p" |
		awk '{ s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s }'
}
ok_run() {
	bounded 120 sh -c "echo '$1' >$D/inband" || fail "run '$1': $(cat $D/result)"
	case "$(cat $D/result)" in *" bad 0 stale 0 send_errors 0 "*) ;; *) fail "$(cat $D/result)" ;; esac
}

run modprobe vmbus
settle
wait_for 20 test -d $D
relid=$(sysfs_read /sys/bus/vmb/devices/$E/relid)

run sh -c "echo 3 >$D/subchannels"
assert_eq "$(sysfs_read $C/subchannels)" 3 "sub-channels"
hostctl status | grep "instance=$E" >/tmp/st
cat /tmp/st
assert_eq "$(grep -c 'state=open' /tmp/st)" 4 "open channels on the host"
for n in 1 2 3; do
	grep -q " sub=$n" /tmp/st || fail "no sub-channel $n on the host"
done

a1=$(irqs 1)
a2=$(irqs 2)
log "20000 packets over the 4 channels, 2 senders"
ok_run "20000 1 4096 2 64 4"
log "$(cat $D/result)"
log "interrupts: vector 1 +$(($(irqs 1) - a1)), vector 2 +$(($(irqs 2) - a2))"
[ "$(irqs 1)" -gt "$a1" ] || fail "no interrupts on vector 1"
[ "$(irqs 2)" -gt "$a2" ] || fail "no interrupts on vector 2"

log "retarget the primary (vCPU $(cat $C/target_vcpu)) to vCPU 1"
run sh -c "echo '0 1' >$D/retarget"
assert_eq "$(sysfs_read $C/target_vcpu)" 1 "target_vcpu"
hostctl status | grep "relid=$relid " | grep -q 'vector=2' || fail "host did not move it"
b1=$(irqs 1)
b2=$(irqs 2)
ok_run "2000 1 1024 1 4 1"
log "primary only: vector 1 +$(($(irqs 1) - b1)), vector 2 +$(($(irqs 2) - b2))"
[ "$(irqs 2)" -gt "$b2" ] || fail "retargeted channel's interrupts did not move to vector 2"
assert_eq "$(irqs 1)" "$b1" "interrupts left on vector 1"

log "rescind the device: sub-channels first, then the primary"
run hostctl rescind "$relid"
wait_for 30 sh -c "! test -e /sys/bus/vmb/devices/$E"
assert_eq "$(dmesg_count 'rescinded')" 4 "rescinded channels"
dmesg_has 'leaking|not torn down|left the channel open' && fail "something leaked"
wait_for 10 sh -c "! hostctl status | grep -q instance=$E"
run hostctl offer echo $E
wait_for 20 test -d $D
run sh -c "echo 2 >$D/subchannels"
ok_run "3000 1 4096 2 32 3"
log "back: $(cat $D/result)"
echo "echo-multi: ok"
