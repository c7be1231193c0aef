#!/bin/sh
# vm-args: --cpus 2 --timeout 900 --disk new:128M,serial=VMBHP0000 --spare-disk new:64M --extra-modules sd_mod --bin /usr/bin/fio
#
#   hostctl disk add / disk remove ==> LUNS_CHANGED ==> storvsc rescans
#   hostctl rescind (the controller) during fio ==> storvsc's remove
#
# Shows: a disk added on the host while the guest runs appears within 5 s
# and carries data; removed during fio, fio sees errors, nothing hangs, the
# disk goes; added back it works again.  Then 20 times (5 on the debug
# kernel, each delay once): rescind the whole
# controller during fio, each cycle bounded (fio ends, the SCSI host goes),
# offer it again and its disk comes back.  On the debug kernel kmemleak
# then looks for whatever the cycles left behind (the launcher's /init).
. /lib/vmtest.sh

run modprobe vmbus
settle
wait_for 20 disk_of_lun 0
settle
INST=$(basename "$(storage_dev)")
SPARE=$(spare_disk 0)
P0=$(hostctl disk list | sed -n 's/.*lun=0 .*path=\([^ ]*\).*/\1/p')
[ -n "$P0" ] || fail "no path for LUN 0 in 'hostctl disk list'"
log "controller $INST, LUN 0 on $P0, spare image $SPARE"

# now_ms : milliseconds since boot
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# wait_gone PID SECS WHAT : PID ends within SECS, or the test fails
# (an exited child the shell has not reaped yet, a zombie, counts as gone)
alive() { [ -e /proc/"$1" ] && ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null; }
wait_gone() {
	_wg=$(($2 * 10))
	while alive "$1"; do
		_wg=$((_wg - 1))
		if [ $_wg -le 0 ]; then
			grep State /proc/"$1"/status
			for _t in /proc/"$1"/task/*; do
				echo "task $_t: $(cat "$_t/wchan" 2>/dev/null)"
				cat "$_t/stack" 2>/dev/null
			done
			stall_dump
			fail "$3 still running after $2 s"
		fi
		sleep 0.1
	done
}

# fio_bg DEV SECS : random read/write on DEV in the background ($FIO); a
# thread, not a forked job: on the debug kernel the fork cost 3 s a cycle
fio_bg() {
	/usr/bin/fio --name=load --filename=/dev/"$1" --direct=1 --ioengine=libaio \
		--thread --iodepth=8 --rw=randrw --bs=4k --size=32M --time_based \
		--runtime="$2" --output=/tmp/fio.log >/dev/null 2>&1 &
	FIO=$!
	# fio has its job running and I/O flowing (a device that goes while
	# fio is still setting its job up can leave fio itself waiting forever)
	_fb=$(awk '{ print $1 + $5 }' /sys/block/"$1"/stat)
	wait_for 20 sh -c "[ \$(awk '{ print \$1 + \$5 }' /sys/block/$1/stat) -gt $((_fb + 32)) ]"
}

# ---------------------------------------------------------------- hot add
t0=$(now_ms)
run hostctl disk add "$SPARE,lun=3,serial=VMBHP0003"
wait_for 5 disk_of_lun 3
D3=$(disk_of_lun 3)
log "hot-added LUN 3 appeared as /dev/$D3 after $(($(now_ms) - t0)) ms"
assert_eq "$(cat /sys/block/$D3/size)" $((64 * 2048)) "LUN 3 size in sectors"
grep -q VMBHP0003 /sys/block/$D3/device/vpd_pg80 || fail "LUN 3 serial"
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 status=none
run dd if=/tmp/pat of=/dev/$D3 bs=1M oflag=direct status=none
head -c 4194304 /dev/$D3 | cmp /tmp/pat - || fail "data read back from /dev/$D3 differs"

# ---------------------------------------------------------------- hot remove during fio
fio_bg "$D3" 60
sleep 1
t0=$(now_ms)
run hostctl disk remove 3
wait_gone $FIO 60 "fio on the removed disk"
rc=0
wait $FIO || rc=$?
log "fio ended $(($(now_ms) - t0)) ms after the remove, status $rc"
[ "$rc" != 0 ] || fail "fio saw no error on a disk removed under it"
wait_for 30 sh -c '! ls -d /sys/bus/scsi/devices/*:0:0:3 >/dev/null 2>&1'
log "LUN 3 is gone"
run hostctl disk add "$SPARE,lun=3,serial=VMBHP0003"
wait_for 5 disk_of_lun 3
D3=$(disk_of_lun 3)
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 status=none
run dd if=/tmp/pat of=/dev/$D3 bs=1M oflag=direct status=none
echo 3 >/proc/sys/vm/drop_caches
head -c 4194304 /dev/$D3 | cmp /tmp/pat - || fail "data read back from /dev/$D3 differs"
log "added back as /dev/$D3: data written and read back"
run hostctl disk remove 3
wait_for 30 sh -c '! ls -d /sys/bus/scsi/devices/*:0:0:3 >/dev/null 2>&1'

# ---------------------------------------------------------------- rescind during fio
# Each cycle rescinds 0.1-0.4 s (or at once) after fio got going: five
# cycles take each of those delays once.  The debug kernel runs those five,
# where a cycle costs about 15 s and the detectors, not the repetition,
# are what it is for; Debian's kernels run all 20.
cycles=$(sized 20 5)
worst=0
i=1
while [ $i -le $cycles ]; do
	relid=$(storage_relid)
	D0=$(disk_of_lun 0) || fail "cycle $i: no LUN 0"
	fio_bg "$D0" 60
	sleep 0.$((i % 5))
	t0=$(now_ms)
	hostctl rescind "$relid" >/dev/null || fail "cycle $i: rescind"
	wait_gone $FIO 30 "cycle $i: fio after the rescind"
	wait $FIO || true
	wait_for 30 sh -c "! test -e /sys/bus/vmb/devices/$INST"
	wait_for 10 sh -c '! ls -d /sys/bus/scsi/devices/*:0:0:0 >/dev/null 2>&1'
	dt=$(($(now_ms) - t0))
	[ $dt -le $worst ] || worst=$dt
	wait_for 10 sh -c "hostctl status | grep -qx 'gpadls: 0'"
	hostctl offer storage "$INST" "disk=$P0" serial=VMBHP0000 >/dev/null ||
		fail "cycle $i: offer"
	wait_for 20 disk_of_lun 0
	log "cycle $i: gone in $dt ms, back after $(($(now_ms) - t0)) ms"
	i=$((i + 1))
done
log "$cycles rescinds during fio: each ended (fio done, controller gone) within $worst ms"
D0=$(disk_of_lun 0)
run dd if=/tmp/pat of=/dev/$D0 bs=1M oflag=direct status=none
echo 3 >/proc/sys/vm/drop_caches
head -c 4194304 /dev/$D0 | cmp /tmp/pat - || fail "data read back from /dev/$D0 differs"
echo "storage-hotplug: ok"
