#!/bin/sh
# vm-args: --cpus 2 --disk new:256M,serial=VMBTEST0001 --disk new:16M,ro,serial=VMBTEST0002 --extra-modules sd_mod --extra-modules ext4 --extra-modules crc32c_generic --bin /sbin/mke2fs
#
#   storvsc.ko (SCSI host, blk-mq) ==GPA ranges==> vmbusd storage ==io_uring==> images
#   LUN 0: 256 MiB, writable; LUN 1: 16 MiB, read-only
#
# Shows: the controller's driver loads by modalias and its LUNs become sd
# disks with the host's size and serial; an ext4 filesystem made, filled,
# unmounted and mounted again with caches dropped reads back every byte;
# the read-only disk (write-protected, from MODE SENSE) refuses a write.
. /lib/vmtest.sh

run modprobe vmbus
settle
wait_for 20 sh -c 'ls /sys/bus/scsi/devices/*:0:0:1 >/dev/null 2>&1'
settle

disk_of_lun() { basename "$(ls -d /sys/bus/scsi/devices/*:0:0:"$1"/block/* 2>/dev/null | head -n 1)"; }
D0=$(disk_of_lun 0)
D1=$(disk_of_lun 1)
[ -n "$D0" ] && [ -n "$D1" ] || fail "no sd disks for LUN 0 and 1: $(ls /sys/block)"
log "LUN 0 is /dev/$D0, LUN 1 is /dev/$D1"
assert_eq "$(cat /sys/block/$D0/size)" $((256 * 2048)) "LUN 0 size in 512-byte sectors"
assert_eq "$(cat /sys/block/$D1/size)" $((16 * 2048)) "LUN 1 size in 512-byte sectors"
log "vendor '$(cat /sys/block/$D0/device/vendor)' model '$(cat /sys/block/$D0/device/model)'"
grep -q VMBTEST0001 /sys/block/$D0/device/vpd_pg80 || fail "LUN 0 serial not in VPD 0x80"
grep -q VMBTEST0002 /sys/block/$D1/device/vpd_pg80 || fail "LUN 1 serial not in VPD 0x80"
log "wwid $(cat /sys/block/$D0/device/wwid)"
assert_eq "$(cat /sys/block/$D1/ro)" 1 "LUN 1 read-only"

# busybox sh runs its own applet for a bare name: the real one by path
run /sbin/mke2fs -q -t ext4 -F /dev/$D0
mkdir -p /mnt
run modprobe ext4
modprobe crc32c_generic 2>/dev/null
run mount -t ext4 /dev/$D0 /mnt
n=$(sized 8 4)
i=0
while [ $i -lt $n ]; do
	run dd if=/dev/urandom of=/mnt/f$i bs=1M count=16 status=none
	i=$((i + 1))
done
sums=$(cd /mnt && sha256sum f*)
run umount /mnt
echo 3 >/proc/sys/vm/drop_caches
run mount -t ext4 /dev/$D0 /mnt
again=$(cd /mnt && sha256sum f*)
assert_eq "$again" "$sums" "checksums after remount"
log "$n files of 16 MiB read back intact"
run umount /mnt

dd if=/dev/zero of=/dev/$D1 bs=4096 count=1 oflag=direct status=none 2>/dev/null &&
	fail "a write to the read-only disk succeeded"
log "write to the read-only disk refused"
echo "storage: ok"
