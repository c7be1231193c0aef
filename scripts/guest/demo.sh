#!/bin/sh
# The main job's guest side: what the suite does today, step by step.
. /lib/vmtest.sh

section() { printf '\n---- %s\n' "$*"; }

section "load the channel bus: version negotiation with the host"
run modprobe vmbus
dmesg | grep -E 'vmbus( |:)' | sed 's/^\[ *[0-9.]*\] //'

section "devices the host offered, on /sys/bus/vmb"
settle
E=5d3c8a71-2b4e-4f19-9a6c-7e0d1b2c3f48
wait_for 20 test -d /sys/kernel/debug/vmb_echo/$E
printf '%-38s %-5s %-9s %s\n' DEVICE RELID STATE DRIVER
for d in /sys/bus/vmb/devices/*; do
	drv=-
	[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	printf '%-38s %-5s %-9s %s\n' "$(basename "$d")" "$(cat "$d/relid")" \
		"$(cat "$d/state")" "$drv"
done
echo "(drivers were loaded by modalias: $(cat /sys/bus/vmb/devices/*/modalias | sort -u | tr '\n' ' '))"

section "the host's view (vmbusctl status, run on the host)"
run hostctl status

section "the device classes this host serves (its back-end registry)"
run hostctl classes

section "a channel: GPADL, rings and interrupts, through the echo device"
D=/sys/kernel/debug/vmb_echo/$E
C=/sys/bus/vmb/devices/$E/channel
echo "echo device $E: state $(cat /sys/bus/vmb/devices/$E/state), vCPU $(cat $C/target_vcpu)"
run sh -c "echo 2 >$D/subchannels"
echo "sub-channels: $(cat $C/subchannels)"
log "20000 packets of 1 B..16 KiB over 3 channels from 2 senders, every byte checked"
run sh -c "echo '20000 1 16384 2 64 3' >$D/inband"
cat $D/result
log "500 GPA-range packets: the host reads guest pages and returns a checksum"
run sh -c "echo '500 65536' >$D/gpa"
cat $D/result
for f in tx_packets rx_packets doorbells interrupts ring_full; do
	printf '%-11s %s\n' "$f" "$(cat $C/$f)"
done
awk -v p="$(cat $C/tx_packets)" -v d="$(cat $C/doorbells)" -v i="$(cat $C/interrupts)" \
	'BEGIN { printf "per packet on this channel: %.2f doorbells, %.2f interrupts\n", d / p, i / p }'
echo "(a side signals only when a ring goes from empty to non-empty and the reader"
echo " has not masked it, so the busier the channel, the fewer signals per packet)"
echo "every open channel's rings as both sides published them (debugfs; for stalls):"
grep -v '^#' /sys/kernel/debug/vmbus/*/channels | grep -o 'relid=[0-9]* sub=[0-9]* .*open=1 .*in=[0-9:/]*' |
	sed 's/ state=[a-z]* open=1 broken=0//'

first=$(ls /sys/bus/vmb/devices | grep -v $E | head -n 1)
relid=$(cat "/sys/bus/vmb/devices/$first/relid")
section "hot remove: the host rescinds relid $relid"
run hostctl rescind "$relid"
wait_for 10 sh -c "! test -e /sys/bus/vmb/devices/$first"
dmesg | grep -E "rescinded|remove relid $relid" | tail -n 2 | sed 's/^\[ *[0-9.]*\] //'
echo "devices now: $(ls /sys/bus/vmb/devices | wc -l)"

section "hot add: the host offers it again"
run hostctl offer test "$first"
wait_for 10 test -L "/sys/bus/vmb/devices/$first/driver"
dmesg | grep "$first: probe" | tail -n 1 | sed 's/^\[ *[0-9.]*\] //'
echo "devices now: $(ls /sys/bus/vmb/devices | wc -l)"

section "unload: every device removed, unload handshake with the host"
settle
run rmmod vmb_testdrv vmb_echo_test vmbus
hostctl status | head -n 4
