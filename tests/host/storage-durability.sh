#!/bin/bash
# Durability: what the guest wrote and fsynced is in the host's image even
# when QEMU and vmbusd are killed with SIGKILL right after, as a power cut
# of the whole VM would; and a read-only LUN's image is never written.
#
#   guest: ext4 on LUN 0, write a file, fsync it, print its checksum, then
#          try to write LUN 1 (read-only), then wait to be killed
#   host:  kill -KILL qemu and vmbusd; e2fsck replays the journal; debugfs
#          reads the file out of the image: the same checksum; LUN 1's
#          image has its checksum from before the boot
#
# On each kernel of VMB_TEST_KERNELS (tests/run sets it; default all three).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KERNELS=${VMB_TEST_KERNELS:-6.1 6.12 debug}
T=$(mktemp -d /tmp/storage-durability.XXXXXX)
trap 'rm -rf "$T"' EXIT

cat >"$T/guest.sh" <<'GUEST'
. /lib/vmtest.sh
run modprobe vmbus
settle
wait_for 30 sh -c 'ls /sys/bus/scsi/devices/*:0:0:1/block >/dev/null 2>&1'
settle
D0=$(disk_of_lun 0) && D1=$(disk_of_lun 1) || fail "no sd disks for LUN 0 and 1"
run /sbin/mke2fs -q -t ext4 -F /dev/$D0
mkdir -p /mnt
run modprobe ext4
modprobe crc32c_generic 2>/dev/null
run mount -t ext4 /dev/$D0 /mnt
# conv=fsync: fsync(2) before dd exits, i.e. a flush to the host
run dd if=/dev/urandom of=/mnt/data bs=1M count=8 conv=fsync status=none
sum=$(sha256sum </mnt/data | cut -d' ' -f1)
dd if=/dev/urandom of=/dev/$D1 bs=4096 count=16 oflag=direct status=none 2>/dev/null &&
	fail "a write to the read-only LUN succeeded"
echo "DURABLE $sum"
# the host kills us now; never get to the end of the script
sleep 600
fail "not killed"
GUEST

fail=0
for k in $KERNELS; do
	echo "==== kernel $k"
	rm -f "$T"/*.img "$T/out" "$T/pids" "$T/data"
	truncate -s 64M "$T/a.img"
	head -c 8M /dev/urandom >"$T/ro.img"
	ro_before=$(sha256sum <"$T/ro.img")
	VMB_VM_PIDS=$T/pids "$ROOT/scripts/vmbus-vm" --kernel "$k" --timeout 300 \
		--disk "$T/a.img" --disk "$T/ro.img,ro" \
		--extra-modules "sd_mod ext4 crc32c_generic" --bin /sbin/mke2fs \
		--script "$T/guest.sh" >"$T/out" 2>&1 &
	vm=$!
	sum=""
	for ((i = 0; i < 3000; i++)); do
		sum=$(sed -n 's/^DURABLE \([0-9a-f]\{64\}\).*/\1/p' "$T/out" | head -n 1)
		[ -z "$sum" ] || break
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$sum" ]; then
		echo "FAIL: $k: the guest did not get to its fsync"
		# the script's own steps and verdict first: a dmesg dump follows
		# them and would push them out of a short tail
		grep -E '^(\+ |FAIL|==> )' "$T/out" || true
		echo "---- the last 40 lines of the console"
		tail -n 40 "$T/out"
		fail=1
		wait "$vm" || true
		continue
	fi
	read -r _ vmbusd_pid <"$T/pids"
	qemu_pid=$(sed -n 's/^qemu //p' "$T/pids")
	kill -KILL "$qemu_pid" "$vmbusd_pid"
	echo "+ guest fsynced a file of sha256 $sum; killed qemu ($qemu_pid) and vmbusd ($vmbusd_pid) with SIGKILL"
	wait "$vm" || true # the launcher reports the deaths; that is the point
	# the journal holds the fsynced transaction: replay it, then read the file
	rc=0
	e2fsck -fy "$T/a.img" >"$T/fsck" 2>&1 || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "FAIL: $k: e2fsck status $rc:"
		cat "$T/fsck"
		fail=1
		continue
	fi
	debugfs -R "dump /data $T/data" "$T/a.img" >/dev/null 2>&1 || true
	got="(no such file)"
	[ ! -f "$T/data" ] || got=$(sha256sum <"$T/data" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "FAIL: $k: the image holds /data with sha256 '$got', the guest fsynced '$sum'"
		fail=1
	else
		echo "ok: $k: the image holds the fsynced file ($(stat -c %s "$T/data") bytes, same sha256; e2fsck status $rc)"
	fi
	if [ "$(sha256sum <"$T/ro.img")" != "$ro_before" ]; then
		echo "FAIL: $k: the read-only LUN's image changed"
		fail=1
	else
		echo "ok: $k: the read-only LUN's image is unchanged"
	fi
done
exit $fail
