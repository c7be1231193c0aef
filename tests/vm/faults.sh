#!/bin/sh
# vm-args: --offer test:1e0b6b9e-6f2a-4c61-9f44-3c2d8a1b7e10
#
#   vmbusctl inject KIND ==> malformed message in the host-to-guest queue
#                       ==> guest logs "rejected ..." (ratelimited), survives
#
# After every kind the bus must still work: the original device stays bound,
# and a new offer and rescind go through.
. /lib/vmtest.sh

A=1e0b6b9e-6f2a-4c61-9f44-3c2d8a1b7e10
C=7c3e9f10-2d4b-4a6e-8f1c-9b0a5d7e3c21

run modprobe vmbus
wait_for 20 test -L /sys/bus/vmb/devices/$A/driver
relid_a=$(sysfs_read /sys/bus/vmb/devices/$A/relid)

# inject KIND REGEX: the guest must log a line matching REGEX.
inject() {
	before=$(dmesg_count "$2")
	run hostctl inject "$1"
	wait_for 10 sh -c "[ \$(dmesg | grep -Ec -- '$2') -gt $before ]"
	dmesg | grep -E -- "$2" | tail -n 1
}

inject short 'rejected message type 4: [0-9]+ bytes, needs 48'
inject overlong 'rejected message type [0-9]+: length [0-9]+'
inject unknown-type 'rejected message of unknown type 30583'
inject bad-relid 'rejected offer: relid (0|2053) out of range'
inject dup-offer "rejected offer: relid $relid_a already in use"
inject dup-instance "rejected offer: relid [0-9]+: instance $A already offered"
inject rescind-unknown 'rejected rescind of unknown relid [0-9]+'
inject nil-guid 'rejected offer: relid [0-9]+: null GUID'
inject bad-flags 'rejected offer: relid [0-9]+: unknown flags 0x8000'
inject bad-index 'host message queue index out of range'

log "the bus still works"
assert_eq "$(ls /sys/bus/vmb/devices | wc -l)" 1 "devices after faults"
test -L /sys/bus/vmb/devices/$A/driver || fail "A lost its driver"
run hostctl offer test $C
wait_for 10 test -L /sys/bus/vmb/devices/$C/driver
run hostctl rescind $C
wait_for 10 sh -c "! test -e /sys/bus/vmb/devices/$C"
hostctl status | grep -q "^rejected: 0\$" || fail "host rejected guest messages"
echo "faults: ok"
