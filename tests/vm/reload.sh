#!/bin/sh
# vm-args: --offer test --offer test --offer test
#
#   20 x { modprobe vmbus -> 3 devices bound -> rmmod vmb_testdrv vmbus }
#   10 x { unbind the PCI device with drivers bound -> bind it again }
#   (6 and 3 on the debug kernel, whose kmemleak scan at the end finds a
#   single leaked object where the slab count below needs many)
#
# Every unload is a handshake with the host; every load a fresh contact.
# Debian kernels have no kmemleak, so leaks are bounded by watching the
# kernel's unreclaimable slab across the cycles.
. /lib/vmtest.sh

all_bound() {
	[ "$(ls /sys/bus/vmb/devices 2>/dev/null | wc -l)" = 3 ] || return 1
	for d in /sys/bus/vmb/devices/*; do
		test -L "$d/driver" || return 1
	done
}
sunreclaim() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
host_field() { hostctl status | awk -v k="$1:" '$1 == k { print $2 }'; }

cycles=$(sized 20 6)
pcicycles=$(sized 10 3)
i=1
while [ $i -le $cycles ]; do
	modprobe vmbus || fail "cycle $i: modprobe vmbus"
	wait_for 20 all_bound
	settle
	rmmod vmb_testdrv || fail "cycle $i: rmmod vmb_testdrv"
	rmmod vmbus || fail "cycle $i: rmmod vmbus"
	[ ! -e /sys/bus/vmb ] || fail "cycle $i: bus still registered"
	[ $i -eq 5 ] && base=$(sunreclaim)
	log "cycle $i done: SUnreclaim $(sunreclaim) kB"
	i=$((i + 1))
done
end=$(sunreclaim)
log "SUnreclaim after cycle 5: $base kB, after cycle $cycles: $end kB"
[ $((end - base)) -lt 1024 ] || fail "unreclaimable slab grew by $((end - base)) kB over $((cycles - 5)) cycles"

assert_eq "$(host_field connects)" $cycles "host saw connects"
assert_eq "$(host_field unloads)" $cycles "host saw unloads"

run modprobe vmbus
wait_for 20 all_bound
bdf=$(basename /sys/bus/pci/drivers/vmbus/0000:*)
log "PCI device $bdf"
j=1
while [ $j -le $pcicycles ]; do
	echo "$bdf" >/sys/bus/pci/drivers/vmbus/unbind || fail "unbind $j"
	[ "$(ls /sys/bus/vmb/devices | wc -l)" = 0 ] || fail "devices left after unbind $j"
	echo "$bdf" >/sys/bus/pci/drivers/vmbus/bind || fail "bind $j"
	wait_for 20 all_bound
	settle
	j=$((j + 1))
done
assert_eq "$(dmesg_count 'vmb_testdrv .*: remove relid')" $((cycles * 3 + pcicycles * 3)) "driver removes"
assert_eq "$(host_field connects)" $((cycles + pcicycles + 1)) "host saw connects"
assert_eq "$(host_field unloads)" $((cycles + pcicycles)) "host saw unloads"
settle
run rmmod vmb_testdrv vmbus
echo "reload: ok"
