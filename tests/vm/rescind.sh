#!/bin/sh
# vm-args: --offer test:1e0b6b9e-6f2a-4c61-9f44-3c2d8a1b7e10 --offer test:5c41d2a7-0b3e-4f8d-a6c9-7e2f1b0d9a34
#
#   guest (vmb_testdrv bound to A and B) <== vmbusctl rescind A / offer A
#
# Hot remove and hot add while the guest runs: the device goes away with its
# driver's remove, the host gets the relid back, and a new offer probes again.
. /lib/vmtest.sh

A=1e0b6b9e-6f2a-4c61-9f44-3c2d8a1b7e10
B=5c41d2a7-0b3e-4f8d-a6c9-7e2f1b0d9a34

gone() { ! test -e "/sys/bus/vmb/devices/$1"; }
host_lists() { hostctl status | grep -q "instance=$1"; }
host_forgot() { ! host_lists "$1"; }

run modprobe vmbus
wait_for 20 test -L /sys/bus/vmb/devices/$A/driver
wait_for 20 test -L /sys/bus/vmb/devices/$B/driver

cycles=5
i=1
while [ $i -le $cycles ]; do
	relid=$(sysfs_read /sys/bus/vmb/devices/$A/relid)
	log "cycle $i: rescind $A (relid $relid)"
	run hostctl rescind "$relid"
	wait_for 10 gone $A
	dmesg_has "vmb_testdrv $A: remove relid $relid" || fail "remove did not run"
	dmesg_has "relid $relid \\($A\\) rescinded" || fail "no rescind log"
	wait_for 10 host_forgot $A
	test -L /sys/bus/vmb/devices/$B/driver || fail "B lost its driver"

	log "cycle $i: offer $A again"
	run hostctl offer test $A
	wait_for 10 test -L /sys/bus/vmb/devices/$A/driver
	assert_eq "$(sysfs_read /sys/bus/vmb/devices/$A/state)" offered "state after re-offer"
	i=$((i + 1))
done

assert_eq "$(dmesg_count "vmb_testdrv $A: probe relid")" $((cycles + 1)) "probes of A"
assert_eq "$(dmesg_count "vmb_testdrv $A: remove relid")" $cycles "removes of A"
assert_eq "$(dmesg_count "vmb_testdrv $B: remove relid")" 0 "removes of B"

log "rescind by instance GUID"
run hostctl rescind $B
wait_for 10 gone $B
wait_for 10 host_forgot $B
assert_eq "$(ls /sys/bus/vmb/devices | wc -l)" 1 "devices left"
echo "rescind: ok"
