#!/bin/sh
# vm-args: --offer test:1e0b6b9e-6f2a-4c61-9f44-3c2d8a1b7e10 --offer test:5c41d2a7-0b3e-4f8d-a6c9-7e2f1b0d9a34
#
#   vmbusd --offer test x2 ==ivshmem-doorbell==> guest: modprobe vmbus
#     -> version negotiated -> 2 devices on /sys/bus/vmb
#     -> hotplug helper -> modprobe vmb:<class> -> vmb_testdrv probes both
#
# Nobody loads vmb_testdrv by hand: it must come in by modalias.
. /lib/vmtest.sh

CLASS=f9eaf8b6-089b-4cdb-a72c-2776d8c17983
A=1e0b6b9e-6f2a-4c61-9f44-3c2d8a1b7e10
B=5c41d2a7-0b3e-4f8d-a6c9-7e2f1b0d9a34

run modprobe vmbus
dmesg_has 'vmbus: version [0-9.]+ loaded' || fail "no load banner"
dmesg_has 'vmbus [0-9a-f:.]+: protocol version 1\.0 negotiated \(host 1\.0-1\.0\)' ||
	fail "no version negotiation in dmesg"
assert_eq "$(cat /sys/bus/pci/drivers/vmbus/*/protocol_version)" 1.0 "pci protocol_version"

run ls -l /sys/bus/vmb/devices/
assert_eq "$(ls /sys/bus/vmb/devices | wc -l)" 2 "number of devices"

hostctl status >/tmp/status || fail "hostctl status"
cat /tmp/status
grep -qx 'state: connected' /tmp/status || fail "host does not see the guest connected"
grep -qx 'version: 1.0' /tmp/status || fail "host reports another version"

for inst in $A $B; do
	d=/sys/bus/vmb/devices/$inst
	[ -d "$d" ] || fail "no device $inst"
	assert_eq "$(sysfs_read "$d/class_id")" $CLASS "$inst class_id"
	assert_eq "$(sysfs_read "$d/device_id")" "$inst" "$inst device_id"
	assert_eq "$(sysfs_read "$d/state")" offered "$inst state"
	assert_eq "$(sysfs_read "$d/modalias")" "vmb:$CLASS" "$inst modalias"
	relid=$(sysfs_read "$d/relid")
	# later fields may follow; these must come first, as written
	grep -Eq "^channel: relid=$relid class=test class_id=$CLASS instance=$inst state=offered( |\$)" /tmp/status ||
		fail "host does not list relid $relid as $inst"
	log "$inst: relid $relid, class $CLASS"
done

log "waiting for vmb_testdrv to be autoloaded by modalias"
wait_for 20 test -L /sys/bus/vmb/devices/$A/driver
wait_for 20 test -L /sys/bus/vmb/devices/$B/driver
run lsmod
lsmod | grep -q '^vmb_testdrv' || fail "vmb_testdrv not loaded"
for inst in $A $B; do
	drv=$(basename "$(readlink /sys/bus/vmb/devices/$inst/driver)")
	assert_eq "$drv" vmb_testdrv "$inst bound driver"
	dmesg_has "vmb_testdrv $inst: probe relid [0-9]+" || fail "no probe for $inst"
done
assert_eq "$(dmesg_count 'vmb_testdrv .*: probe relid')" 2 "probe count"
echo "enumerate: ok"
