#!/bin/sh
# vm-args: --cpus 2 --timeout 900 --mem 768M --disk new:640M,serial=VMBIO0001 --extra-modules sd_mod --extra-modules ext4 --extra-modules crc32c_generic --bin /usr/bin/fio --bin /sbin/mke2fs --bin /usr/sbin/fstrim
#
#   fio (2 jobs, 2 vCPUs, QD 32) ==> storvsc, one blk-mq queue per vCPU ==> vmbusd
#   ext4 + fstrim ==> UNMAP ==> holes punched in the host's image
#
# Shows: a crc32c-verified random write, then read, of 512 MiB at queue
# depth 32 from two jobs pinned to the two vCPUs passes with no error, and
# both hardware queues (channels) carried it (storvsc's per-queue
# counters); fstrim on a mounted ext4 frees the deleted files' blocks in
# the image on the host (its allocated bytes, from "vmbusctl disk list").
. /lib/vmtest.sh

run modprobe vmbus
settle
wait_for 20 sh -c 'ls /sys/bus/scsi/devices/*:0:0:0/block >/dev/null 2>&1'
settle
D=$(disk_of_lun 0) || fail "no sd disk for LUN 0"
log "LUN 0 is /dev/$D, $(cat /sys/block/$D/mq/*/nr_tags 2>/dev/null | head -n 1) tags, $(ls -d /sys/block/$D/mq/* | wc -l) hardware queues"
[ "$(ls -d /sys/block/$D/mq/* | wc -l)" -ge 2 ] || fail "fewer than 2 hardware queues on 2 vCPUs"

# requests QUEUE : that queue's request counter
requests() { storvsc_queues | awk -v q="$1" '$1 == "queue" && $2 == q { print $6 }'; }
r0=$(requests 0) r1=$(requests 1)

# 2 jobs x 256 MiB, each on its own half, each pinned to its own vCPU
run /usr/bin/fio --name=verify --filename=/dev/$D --direct=1 --ioengine=libaio \
	--iodepth=32 --numjobs=2 --size=256M --offset_increment=256M \
	--rw=randwrite --bsrange=4k-128k --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --cpus_allowed=0,1 --cpus_allowed_policy=split \
	--group_reporting --output-format=terse --terse-version=3 >/tmp/fio.out
# terse v3 (its line starts "3;"): field 5 is the error, 6 the KiB read (the
# verify pass), 47 the KiB written
line=$(grep '^3;' /tmp/fio.out) || fail "no fio result: $(cat /tmp/fio.out)"
err=$(echo "$line" | cut -d';' -f5)
rkb=$(echo "$line" | cut -d';' -f6)
wkb=$(echo "$line" | cut -d';' -f47)
log "fio: error $err, read ${rkb} KiB (verified), written ${wkb} KiB"
assert_eq "$err" 0 "fio's error count"
assert_eq "$wkb" $((512 * 1024)) "KiB written"
assert_eq "$rkb" $((512 * 1024)) "KiB read back and verified"
storvsc_queues
d0=$(($(requests 0) - r0)) d1=$(($(requests 1) - r1))
log "requests: queue 0 +$d0, queue 1 +$d1"
[ "$d0" -ge 1000 ] && [ "$d1" -ge 1000 ] || fail "both hardware queues should carry the run: +$d0, +$d1"

# ---------------------------------------------------------------- discard
allocated() { hostctl disk list | sed -n 's/.*lun=0 .*allocated=\([0-9]*\).*/\1/p'; }
run /sbin/mke2fs -q -t ext4 -F -E nodiscard /dev/$D
mkdir -p /mnt
run modprobe ext4
modprobe crc32c_generic 2>/dev/null
run mount -t ext4 /dev/$D /mnt
i=0
while [ $i -lt 8 ]; do
	run dd if=/dev/urandom of=/mnt/f$i bs=1M count=16 status=none
	i=$((i + 1))
done
sync
before=$(allocated)
rm /mnt/f*
sync
run /usr/sbin/fstrim -v /mnt
after=$(allocated)
log "image allocated on the host: $before bytes before fstrim, $after after"
[ -n "$before" ] && [ -n "$after" ] || fail "no allocated= in 'hostctl disk list'"
[ $((before - after)) -ge $((100 << 20)) ] ||
	fail "fstrim freed $(((before - after) >> 20)) MiB of the image, expected >= 100"
run umount /mnt
echo "storage-io: ok"
