#!/bin/sh
# vm-args: --cpus 2 --disk new:64M,serial=VMBFAULT01 --extra-modules sd_mod
#
#   dd (O_DIRECT) -> sdX -> storvsc.ko ==SRBs==> vmbusd storage --> image
#                              ^                      |
#                              +--- TASK_MANAGEMENT --+   storage-fault:
#                                   (abort)               medium-error, drop,
#                                                         malformed completions
#
# Shows, with the host's fault injection (hostctl storage-fault RELID ...):
# a medium error on an LBA range fails the reads of that range, and no
# other read, with MEDIUM ERROR / Unrecovered read error sense (03/11/00)
# in the log: EIO through the page cache, ENODATA with O_DIRECT (the block
# layer's errno for a critical medium error, BLK_STS_MEDIUM); an SRB the host drops times out, the midlayer's abort asks the
# host (NOT_FOUND), the command is retried and the disk keeps working;
# each kind of malformed completion (unknown id, overlong sense, unknown
# status, more data than asked for) is counted in debugfs and dropped, the
# command is recovered the same way, and the data read back is what was
# written.  (No WARN or oops: the launcher checks the kernel log.)
. /lib/vmtest.sh

TIMEOUT_S=3

run modprobe vmbus
settle
wait_for 20 sh -c 'ls /sys/bus/scsi/devices/*:0:0:0/block/* >/dev/null 2>&1'
settle

RELID=$(storage_relid)
D=$(disk_of_lun 0) || fail "no sd disk for LUN 0: $(ls /sys/block)"
log "controller relid $RELID, LUN 0 is /dev/$D"
storvsc_queues >/dev/null || fail "no storvsc debugfs queues file"

# counter NAME : NAME's value summed over the hardware queues
counter() {
	storvsc_queues | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) s += $(i + 1) }
		END { print s + 0 }'
}
# host_dropped : SRBs the host dropped, over the controller's channels
host_dropped() {
	hostctl status | sed -n 's/.* stor_dropped=\([0-9]*\).*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
# block N : sha256 of 4 KiB block N of the disk, read with O_DIRECT
block() { dd if=/dev/$D bs=4096 skip="$1" count=1 iflag=direct status=none | sha256sum; }
# want N : sha256 of block N of what was written
want() { dd if=/tmp/pattern bs=4096 skip="$1" count=1 status=none | sha256sum; }

# A known pattern over the first 4 MiB.
run dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 status=none
run dd if=/tmp/pattern of=/dev/$D bs=1M oflag=direct status=none
echo "$TIMEOUT_S" >/sys/block/$D/device/timeout
assert_eq "$(cat /sys/block/$D/device/timeout)" "$TIMEOUT_S" "SCSI command timeout"

# ---- a medium error on LBAs 4096..4103 (4 KiB block 512)
run hostctl storage-fault "$RELID" medium-error 0 4096 8
if dd if=/dev/$D of=/dev/null bs=4096 skip=512 count=1 iflag=direct 2>/tmp/err; then
	fail "an O_DIRECT read of the bad range succeeded"
fi
grep -q "No data available" /tmp/err || fail "the O_DIRECT read failed, but not with ENODATA: $(cat /tmp/err)"
echo 3 >/proc/sys/vm/drop_caches
if dd if=/dev/$D of=/dev/null bs=4096 skip=512 count=1 2>/tmp/err; then
	fail "a read of the bad range through the page cache succeeded"
fi
grep -q "Input/output error" /tmp/err || fail "the page-cache read failed, but not with EIO: $(cat /tmp/err)"
dmesg_has "Sense Key : (Medium Error|0x3) " || fail "no MEDIUM ERROR sense key in the kernel log"
dmesg_has "Add\. Sense: (Unrecovered read error|ASC=0x11 ASCQ=0x0)$" ||
	fail "no ASC/ASCQ 11/00 in the kernel log"
dmesg_has "critical medium error, dev $D, sector 4096 " || fail "no medium error at sector 4096"
log "the bad range: ENODATA (O_DIRECT), EIO (page cache), sense 03/11/00 at sector 4096"
before=$(block 511) after=$(block 513)
# every request that failed was the bad range's, none of its neighbours'
bad=$(dmesg | grep "critical medium error" | grep -vc "critical medium error, dev $D, sector 4096 " || true)
assert_eq "$bad" 0 "medium errors outside sector 4096"
assert_eq "$before" "$(want 511)" "the block before the bad range"
assert_eq "$after" "$(want 513)" "the block after the bad range"
run hostctl storage-fault "$RELID" clear
assert_eq "$(block 512)" "$(want 512)" "the bad range once cleared"

# ---- an SRB the host never answers: timeout, abort (NOT_FOUND), retry
aborts=$(counter aborts) released=$(counter released) dropped=$(host_dropped)
run hostctl storage-fault "$RELID" drop 1
t0=$(date +%s)
got=$(block 100)
t1=$(date +%s)
assert_eq "$got" "$(want 100)" "block 100 after the dropped SRB"
[ $((t1 - t0)) -ge $((TIMEOUT_S - 1)) ] || fail "read took $((t1 - t0)) s: was the SRB dropped?"
assert_eq "$(counter aborts)" $((aborts + 1)) "aborts after the dropped SRB"
assert_eq "$(counter released)" $((released + 1)) "commands released by the abort"
dmesg_has "aborted on queue [0-9]+ \(host: not found\)" || fail "no abort in the kernel log"
assert_eq "$(host_dropped)" $((dropped + 1)) "SRBs the host dropped"
log "dropped SRB recovered by the abort in $((t1 - t0)) s"

# ---- malformed completions: counted, dropped, recovered the same way
n=200
for f in bad-trans-id:bad_id overlong-sense:bad_sense bad-status:bad_status \
	overlong-transfer:bad_length; do
	kind=${f%%:*} ctr=${f#*:}
	before=$(counter "$ctr") aborts=$(counter aborts)
	run hostctl storage-fault "$RELID" "$kind"
	assert_eq "$(block $n)" "$(want $n)" "block $n after $kind"
	assert_eq "$(counter "$ctr")" $((before + 1)) "$ctr after $kind"
	assert_eq "$(counter aborts)" $((aborts + 1)) "aborts after $kind"
	log "$kind: $ctr $((before + 1)), recovered"
	n=$((n + 1))
done

# ---- the disk still works, and holds what was written
assert_eq "$(cat /sys/block/$D/device/state)" running "device state"
storvsc_queues | grep -q "^state live" || fail "controller not live: $(storvsc_queues | head -n 1)"
got=$(dd if=/dev/$D bs=1M count=4 iflag=direct status=none | sha256sum)
assert_eq "$got" "$(sha256sum </tmp/pattern)" "the 4 MiB read back"
storvsc_queues
echo "storage-faults: ok"
