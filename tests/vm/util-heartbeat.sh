#!/bin/sh
# vm-args: --offer heartbeat:3f1c9a52-7d4e-4b8a-9e21-6c5d0f8a2b13
#
#   vmbusd --offer heartbeat ==> guest: vmb_util by modalias, heartbeat 1.0
#     -> the host's answer count grows, vmbusctl status says alive
#     -> unbind the guest's driver: unresponsive within 10 s, no answers
#     -> bind it again: alive, answers grow again
. /lib/vmtest.sh

INST=3f1c9a52-7d4e-4b8a-9e21-6c5d0f8a2b13
DRV=/sys/bus/vmb/drivers/vmb_heartbeat

# hb_field NAME : the host's value of NAME for our device ("hb=alive": hb)
hb_field() {
	hostctl heartbeat >/tmp/hb 2>&1 || fail "hostctl heartbeat: $(cat /tmp/hb)"
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" /tmp/hb
}
hb_state_is() { [ "$(hb_field hb)" = "$1" ]; }
answers_above() { [ "$(hb_field hb_answers)" -gt "$1" ]; }

run modprobe vmbus
wait_for 20 test -L /sys/bus/vmb/devices/$INST/driver
assert_eq "$(basename "$(readlink /sys/bus/vmb/devices/$INST/driver)")" vmb_heartbeat "bound driver"
wait_for 10 dmesg_has "$INST: heartbeat: version 1\\.0"

wait_for 10 hb_state_is alive
n1=$(hb_field hb_answers)
wait_for 10 answers_above "$n1"
n2=$(hb_field hb_answers)
log "host: alive, answers $n1 -> $n2, last answer $(hb_field hb_last_answer)"
hostctl status >/tmp/status || fail "hostctl status"
grep -Eq "^channel: relid=[0-9]+ class=heartbeat .*instance=$INST state=open hb=alive hb_last_answer=[0-9T:-]+Z " /tmp/status ||
	fail "status does not show the heartbeat alive: $(grep heartbeat /tmp/status)"

t0=$(uptime_ms)
echo "$INST" >"$DRV/unbind" || fail "unbind"
wait_for 10 hb_state_is unresponsive
t1=$(uptime_ms)
n3=$(hb_field hb_answers)
log "host: unresponsive $((t1 - t0)) ms after the unbind, answers $n3"
[ $((t1 - t0)) -le 10000 ] || fail "unresponsive only after $((t1 - t0)) ms"
hostctl status >/tmp/status || fail "hostctl status"
grep -Eq "^channel: relid=[0-9]+ class=heartbeat .*instance=$INST state=offered hb=unresponsive hb_last_answer=[0-9T:-]+Z " /tmp/status ||
	fail "status does not show the heartbeat unresponsive: $(grep heartbeat /tmp/status)"
sleep 2
assert_eq "$(hb_field hb_answers)" "$n3" "answers while unbound"

echo "$INST" >"$DRV/bind" || fail "bind"
wait_for 10 hb_state_is alive
wait_for 10 answers_above "$n3"
log "host: alive again, answers $(hb_field hb_answers)"
assert_eq "$(dmesg_count "$INST: heartbeat: version 1\.0")" 2 "negotiations (one per bind)"
echo "util-heartbeat: ok"
