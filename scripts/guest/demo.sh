#!/bin/sh
# The main job's guest side: what the suite does today, step by step.
. /lib/vmtest.sh

section() { printf '\n---- %s\n' "$*"; }

section "load the channel bus: version negotiation with the host"
run modprobe vmbus
dmesg | grep -E 'vmbus( |:)' | sed 's/^\[ *[0-9.]*\] //'

section "devices the host offered, on /sys/bus/vmb"
settle
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

first=$(ls /sys/bus/vmb/devices | head -n 1)
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
run rmmod vmb_testdrv vmbus
hostctl status | head -n 4
