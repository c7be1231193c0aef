#!/bin/sh
# vm-args: --offer test --vmbusd-arg --version-range=2.0-2.3
#
#   vmbusd speaks 2.0-2.3 only; the guest speaks 1.0: no common version.
#
# The guest must say so plainly, register no device, and unload cleanly.
. /lib/vmtest.sh

run modprobe vmbus
dmesg_has 'vmbus [0-9a-f:.]+: no common protocol version: host 2\.0-2\.3, guest 1\.0-1\.0' ||
	fail "no clear version error"
assert_eq "$(ls /sys/bus/vmb/devices | wc -l)" 0 "devices"
assert_eq "$(ls -d /sys/bus/pci/drivers/vmbus/0000:* 2>/dev/null | wc -l)" 0 "bound PCI devices"
hostctl status | grep -qx 'state: connected' && fail "host thinks the guest connected"
run rmmod vmbus
echo "version: ok"
