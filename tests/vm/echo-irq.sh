#!/bin/sh
# vm-args: --cpus 2 --offer echo:5c7e1a93-2b4d-4f60-8e19-a3d5b7c9e0f2
#
#   vmb_echo_test, its channel reopened in interrupt mode (vmb_chan_open_irq):
#     MSI-X -> callback (hard IRQ): mask, schedule the poll
#     poll (a tasklet, as NAPI): vmb_chan_recv() up to 64, then
#                                vmb_chan_try_send() until -EAGAIN, unmask
#   ==ring (64 KiB)==> vmbusd echo (paused, then resumed) ==ring==> back
#
# Shows: with the host not reading, the non-blocking sender fills the ring,
# gets -EAGAIN and sends nothing more; once the host reads again its signal
# reaches the callback, the poll resumes, and every echo comes back intact.
# Two GPADLs (2 MiB of vmalloc memory, 64 KiB of linear memory) are created
# while the channel is closed and torn down after it closed.  GPA_RANGE
# packets of 2..8 buffers (vmb_chan_try_send_bufs, ranges crossing frames)
# come back with the host's checksum of exactly those bytes.
. /lib/vmtest.sh

E=5c7e1a93-2b4d-4f60-8e19-a3d5b7c9e0f2
D=/sys/kernel/debug/vmb_echo/$E
S=/sys/bus/vmb/devices/$E/channel

# field NAME : the number after NAME in $r (the echo client's result line).
field() { echo " $r" | sed -n "s/.* $1 \([0-9]*\).*/\1/p"; }
gpadls() { hostctl status | sed -n 's/^gpadls: //p'; }

run modprobe vmbus
settle
wait_for 20 test -d $D
relid=$(sysfs_read /sys/bus/vmb/devices/$E/relid)
g0=$(gpadls)
log "host's live GPADLs: $g0"

log "interrupt mode: close, two GPADLs on the closed channel, open_irq"
run sh -c "echo irq >$D/mode"
g1=$(gpadls)
log "host's live GPADLs now: $g1"
assert_eq "$g1" "$((g0 + 2))" "GPADLs created on the closed channel"

N=$(sized 20000 4000)
# The channel was reopened: pause the new open of it.
run hostctl echo-pause "$relid"
rf0=$(sysfs_read $S/ring_full)
tx0=$(sysfs_read $S/tx_packets)
log "flood: $N packets of 64..2048 bytes, host paused"
echo "$N 64 2048" >$D/flood &
writer=$!
wait_for 30 sh -c "[ \$(cat $S/ring_full) -gt $rf0 ]"
sleep 1
t1=$(sysfs_read $S/tx_packets)
sleep 2
t2=$(sysfs_read $S/tx_packets)
log "sent before -EAGAIN: $((t1 - tx0)) packets; ring used (out in): $(cat $S/ring_used)"
assert_eq "$t2" "$t1" "packets sent while the ring stayed full"
kill -0 $writer || fail "the flood ended while the host was paused: $(cat $D/result)"

run hostctl echo-resume "$relid"
wait $writer || fail "flood failed after resume: $(cat $D/result)"
r=$(cat $D/result)
log "$r"
case "$r" in "count $N good $N bad 0 stale 0 send_errors 0 "*) ;; *) fail "$r" ;; esac
eagain=$(field eagain)
resumed=$(field resumed)
[ "$eagain" -ge 1 ] || fail "no -EAGAIN seen"
[ "$resumed" -ge 1 ] || fail "never resumed after -EAGAIN"
rf=$(($(sysfs_read $S/ring_full) - rf0))
log "-EAGAIN: $eagain, resumed after one: $resumed, ring_full: +$rf"
[ "$rf" -ge "$eagain" ] || fail "ring_full +$rf counts fewer than $eagain -EAGAINs"
assert_eq "$(sysfs_read /sys/bus/vmb/devices/$E/state)" open "state after the flood"

M=$(sized 50000 5000)
log "flood: $M packets of 8..16384 bytes, host running"
bounded 300 sh -c "echo '$M 8 16384' >$D/flood" || fail "flood failed: $(cat $D/result)"
r=$(cat $D/result)
log "$r"
case "$r" in "count $M good $M bad 0 stale 0 send_errors 0 "*) ;; *) fail "$r" ;; esac

B=$(sized 1000 200)
log "$B GPA_RANGE packets of 2..8 buffers (vmb_chan_try_send_bufs)"
bounded 300 sh -c "echo $B >$D/bufs" || fail "bufs failed: $(cat $D/result)"
r=$(cat $D/result)
log "$r"
case "$r" in "count $B good $B bad 0 stale 0 send_errors 0 "*) ;; *) fail "$r" ;; esac

log "tasklet mode again: close, tear the GPADLs down after the close, open"
run sh -c "echo tasklet >$D/mode"
assert_eq "$(gpadls)" "$g0" "GPADLs left after teardown"
run bounded 120 sh -c "echo '1000 1 4096 2 32' >$D/inband"
log "$(cat $D/result)"
echo "echo-irq: ok"
