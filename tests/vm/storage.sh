#!/bin/sh
# vm-args: --cpus 2 --timeout 900 --disk new:512M,serial=VMBTEST0001 --disk new:16M,ro,serial=VMBTEST0002 --extra-modules sd_mod --extra-modules ext4 --extra-modules crc32c_generic --bin /sbin/mke2fs --bin /usr/bin/sg_inq --bin /usr/bin/sg_vpd --bin /usr/bin/sg_raw
#
#   storvsc.ko (SCSI host, blk-mq) ==GPA ranges==> vmbusd storage ==io_uring==> images
#   LUN 0: 512 MiB, writable; LUN 1: 16 MiB, read-only
#
# Shows: the controller's driver loads by modalias and its LUNs become sd
# disks with the host's size, vendor/model and serial (VPD 0x80, and 0x83's
# identifiers, through sysfs and sg3-utils); an ext4 filesystem made, filled
# with 256 MiB of files (64 MiB on the debug kernel), unmounted and mounted
# again with caches dropped
# reads back every byte; the read-only disk (write-protected, from MODE
# SENSE) refuses a write with an I/O error and still reads as before.
. /lib/vmtest.sh

run modprobe vmbus
settle
wait_for 20 sh -c 'ls /sys/bus/scsi/devices/*:0:0:1 >/dev/null 2>&1'
settle

D0=$(disk_of_lun 0) && D1=$(disk_of_lun 1) ||
	fail "no sd disks for LUN 0 and 1: $(ls /sys/block)"
log "LUN 0 is /dev/$D0, LUN 1 is /dev/$D1"
assert_eq "$(cat /sys/block/$D0/size)" $((512 * 2048)) "LUN 0 size in 512-byte sectors"
assert_eq "$(cat /sys/block/$D1/size)" $((16 * 2048)) "LUN 1 size in 512-byte sectors"
for d in $D0 $D1; do
	log "$d: vendor '$(cat /sys/block/$d/device/vendor)' model '$(cat /sys/block/$d/device/model)' wwid '$(cat /sys/block/$d/device/wwid)'"
done
assert_eq "$(sed 's/ *$//' /sys/block/$D0/device/vendor)" VMBUS "LUN 0 vendor"
assert_eq "$(sed 's/ *$//' /sys/block/$D0/device/model)" "Virtual Disk" "LUN 0 model"
grep -q VMBTEST0001 /sys/block/$D0/device/vpd_pg80 || fail "LUN 0 serial not in VPD 0x80"
grep -q VMBTEST0002 /sys/block/$D1/device/vpd_pg80 || fail "LUN 1 serial not in VPD 0x80"
[ "$(wc -c </sys/block/$D0/device/vpd_pg83)" -gt 4 ] || fail "LUN 0 has no VPD 0x83"
# the same through SCSI commands from user space (SG_IO)
inq=$(/usr/bin/sg_inq /dev/$D0) || fail "sg_inq /dev/$D0"
echo "$inq" | grep -E 'Vendor identification|Product identification|Unit serial number'
echo "$inq" | grep -q 'Unit serial number: VMBTEST0001' || fail "sg_inq: no serial VMBTEST0001"
di=$(/usr/bin/sg_vpd --page=di /dev/$D0) || fail "sg_vpd --page=di /dev/$D0"
echo "$di"
echo "$di" | grep -q 'designator type: NAA' || fail "VPD 0x83 has no NAA designator"
wwid=$(cat /sys/block/$D0/device/wwid)
case "$wwid" in naa.*) ;; *) fail "LUN 0 wwid '$wwid' is not an NAA name" ;; esac
/usr/bin/sg_vpd --page=bl /dev/$D0 | grep -i 'maximum transfer length' ||
	fail "sg_vpd: no block limits page"
assert_eq "$(cat /sys/block/$D1/ro)" 1 "LUN 1 read-only"
ro_sum=$(sha256sum </dev/$D1)

# busybox sh runs its own applet for a bare name: the real one by path
run /sbin/mke2fs -q -t ext4 -F /dev/$D0
mkdir -p /mnt
run modprobe ext4
modprobe crc32c_generic 2>/dev/null
run mount -t ext4 /dev/$D0 /mnt
# 256 MiB; 64 MiB on the debug kernel, where writing and summing them is
# most of the test's time and the detectors, not the volume, are the point
n=$(sized 16 4)
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
log "$n files of 16 MiB ($((n * 16)) MiB) read back intact"
run umount /mnt

dd if=/dev/zero of=/dev/$D1 bs=4096 count=1 oflag=direct status=none 2>/dev/null &&
	fail "a write to the read-only disk succeeded"
# past the block layer's read-only check: a WRITE(10) straight to the host,
# which must refuse it (DATA PROTECT, write protected)
dd if=/dev/urandom of=/tmp/blk bs=512 count=1 status=none
out=$(/usr/bin/sg_raw -R -s 512 -i /tmp/blk /dev/$D1 2a 00 00 00 00 00 00 00 01 00 2>&1) &&
	fail "the host accepted a WRITE(10) to the read-only LUN: $out"
echo "$out" | grep -i 'data protect' || fail "WRITE(10) to the read-only LUN: no DATA PROTECT sense: $out"
echo 3 >/proc/sys/vm/drop_caches
assert_eq "$(sha256sum </dev/$D1)" "$ro_sum" "the read-only disk's content after the refused write"
log "write to the read-only disk refused, its content unchanged"
echo "storage: ok"
