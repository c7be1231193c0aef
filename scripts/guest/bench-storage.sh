#!/bin/sh
# scripts/guest/bench-storage.sh - guest side of scripts/bench-storage (busybox sh).
#
#   fio --libaio, O_DIRECT-->  sdX  storvsc ==channel==> vmbusd ==io_uring==> image A
#                         -->  vda  virtio-blk ========> QEMU (aio=threads) => image B
#                         -->  sdY  virtio-scsi =======> QEMU (aio=threads) => image C
#
# Three disks of one size in one guest: ours (the LUN of a vmb storage
# controller), a virtio-blk disk and a disk on a virtio-scsi controller.
# For each round, for each row (a fio job shape), it runs the job on each of
# the three disks, one after the other, rotating which goes first from round
# to round, so that load drift and order hit all three alike.
#
# Around each job it reads, in the guest: /proc/stat (busy and total
# jiffies of all vCPUs), the disk's /sys/block/<dev>/stat (sectors moved,
# for the I/Os of the whole window, ramp included), the interrupts of the
# disk's vectors in /proc/interrupts and, for ours, the channels' doorbell
# and interrupt counters (debugfs of vmbus).  Before reading them it prints
#   BENCH-MARK begin <tag>      and waits 1 s (the host samples QEMU and
#                               vmbusd's CPU time when it sees the line)
# and after
#   BENCH-MARK end <tag>
# with <tag> = "<round> <row> <disk>".  The fio JSON of every job is kept in
# /tmp and printed at the end (serial output is slow under TCG and must not
# fall inside a measurement), as
#   BENCH-STAT <tag> key value ...
#   BENCH-FIO-BEGIN <tag>  ...JSON...  BENCH-FIO-END <tag>
# then BENCH-DONE.  Settings come from variables the host prepends to this
# file (defaults below), so it also runs by hand:
#   scripts/vmbus-vm --disk new:256M --virtio-disk A --virtio-scsi-disk B \
#       --bin /usr/bin/fio --script THIS
# shellcheck source=tests/vm/lib.sh
. /lib/vmtest.sh

: "${BENCH_ROUNDS:=3}"
: "${BENCH_RUNTIME:=10}"
: "${BENCH_RAMP:=2}"
: "${BENCH_WARMUP:=3}"
# name rw bs iodepth, one row a line
: "${BENCH_ROWS:=randread-4k-qd1 randread 4k 1
randread-4k-qd32 randread 4k 32
randwrite-4k-qd32 randwrite 4k 32
read-1m-qd8 read 1m 8
write-1m-qd8 write 1m 8}"

FIO=/usr/bin/fio
[ -x "$FIO" ] || fail "no $FIO (ship it: --bin /usr/bin/fio)"
# Kernel messages on the serial console cost time under TCG.
echo 1 >/proc/sys/kernel/printk

run modprobe vmbus
settle

# proc_name of the SCSI host an sd disk hangs off
scsi_host_of() {
	_h=$(readlink "/sys/block/$1") || return 1
	_h=${_h#*/host}
	cat "/sys/class/scsi_host/host${_h%%/*}/proc_name"
}

find_disks() {
	OURS="" VBLK="" VSCSI=""
	for b in /sys/block/sd* /sys/block/vd*; do
		[ -e "$b" ] || continue
		d=${b##*/}
		case "$d" in
		vd*) VBLK=$d ;;
		sd*)
			case "$(scsi_host_of "$d")" in
			vmb_storvsc) OURS=$d ;;
			virtio_scsi) VSCSI=$d ;;
			esac ;;
		esac
	done
	[ -n "$OURS" ] && [ -n "$VBLK" ] && [ -n "$VSCSI" ]
}
wait_for 30 find_disks
find_disks
settle

# The virtio device (virtioN) of a disk: its interrupt lines are virtioN-*.
virtio_of() {
	_p=$(readlink -f "/sys/block/$1/device")
	while [ "$_p" != / ]; do
		case "${_p##*/}" in
		virtio[0-9]*) echo "${_p##*/}"; return 0 ;;
		esac
		_p=${_p%/*}
	done
	return 1
}
VBLK_IRQ="$(virtio_of "$VBLK")-req"
VSCSI_IRQ="$(virtio_of "$VSCSI")-request"

dev_of() {
	case "$1" in
	ours) echo "$OURS" ;;
	virtio-blk) echo "$VBLK" ;;
	virtio-scsi) echo "$VSCSI" ;;
	esac
}

# The same block-layer settings for all three: no I/O scheduler.
for d in "$OURS" "$VBLK" "$VSCSI"; do
	echo none >"/sys/block/$d/queue/scheduler" 2>/dev/null
done

echo "BENCH-INFO kernel $(uname -r)"
echo "BENCH-INFO vcpus $(grep -c '^processor' /proc/cpuinfo)"
echo "BENCH-INFO fio $($FIO --version)"
echo "BENCH-INFO user_hz 100"
for n in ours virtio-blk virtio-scsi; do
	d=$(dev_of $n)
	q=/sys/block/$d/queue
	depth=$(cat "/sys/block/$d/device/queue_depth" 2>/dev/null || echo -)
	hwq=$(find "/sys/block/$d/mq" -mindepth 1 -maxdepth 1 | wc -l)
	echo "BENCH-INFO disk $n dev $d size_mb $(($(cat "/sys/block/$d/size") / 2048))" \
		"hw_queues $hwq nr_requests $(cat "$q/nr_requests")" \
		"device_depth $depth max_sectors_kb $(cat "$q/max_sectors_kb")" \
		"scheduler $(sed 's/.*\[\(.*\)\].*/\1/' "$q/scheduler")"
done

# Interrupts of the lines whose name matches $1, all CPUs.
irqs_of() {
	awk -v pat="$1" '
		$NF ~ pat { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		END { print n + 0 }' /proc/interrupts
}

# Sum of a counter over every vmbus channel (only the storage ones run).
chan_sum() {
	cat /sys/kernel/debug/vmbus/*/channels 2>/dev/null |
		awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) n += substr($i, length(k) + 2) }
			END { print n + 0 }'
}

# snap NAME DISK: "busy total user system irq softirq ctxt sectors irqs
# doorbells chan_irqs" now (jiffies of all vCPUs; counters).
snap() {
	case "$1" in
	ours) _pat='vmbus$' ;;
	virtio-blk) _pat="^$VBLK_IRQ" ;;
	virtio-scsi) _pat="^$VSCSI_IRQ" ;;
	esac
	_cpu=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
			c = t - $5 - $6 " " t " " $2 + $3 " " $4 " " $7 " " $8 }
		$1 == "ctxt" { x = $2 }
		END { print c, x }' /proc/stat)
	_sec=$(awk '{ print $3 + $7 }' "/sys/block/$2/stat")
	if [ "$1" = ours ]; then
		_db=$(chan_sum doorbells) _ci=$(chan_sum irqs)
	else
		_db=0 _ci=0
	fi
	echo "$_cpu $_sec $(irqs_of "$_pat") $_db $_ci"
}

# job TAG NAME RW BS DEPTH OUT: one fio job; its counters go to $STATS.
job() {
	_dev=$(dev_of "$2")
	echo "BENCH-MARK begin $1"
	sleep 1
	_before=$(snap "$2" "$_dev")
	"$FIO" --name="$2" --filename="/dev/$_dev" --ioengine=libaio --direct=1 \
		--rw="$3" --bs="$4" --iodepth="$5" --numjobs=1 \
		--time_based=1 --runtime="$BENCH_RUNTIME" --ramp_time="$BENCH_RAMP" \
		--norandommap=1 --randrepeat=0 --lat_percentiles=1 \
		--percentile_list=50:99 --eta=never --output-format=json --output="$6" ||
		fail "fio $3 $4 depth $5 on /dev/$_dev ($2) failed: $(cat "$6")"
	_after=$(snap "$2" "$_dev")
	echo "BENCH-MARK end $1"
	STATS="$STATS$(echo "$_before $_after" | awk -v tag="$1" '{
		n = split("busy_jiffies total_jiffies user_jiffies system_jiffies irq_jiffies softirq_jiffies ctxt sectors irqs doorbells chan_irqs", k, " ")
		printf("BENCH-STAT %s", tag)
		for (i = 1; i <= n; i++) printf(" %s %d", k[i], $(i + n) - $i)
		printf("\n") }')
"
}

# Warm-up, not reported: TCG translates the paths on first use.
STATS=""
log "warm-up: $BENCH_WARMUP s of 4k random reads, depth 32, on each disk"
for n in ours virtio-blk virtio-scsi; do
	d=$(dev_of $n)
	"$FIO" --name=warmup --filename="/dev/$d" --ioengine=libaio --direct=1 \
		--rw=randread --bs=4k --iodepth=32 --time_based=1 \
		--runtime="$BENCH_WARMUP" --eta=never --output=/dev/null ||
		fail "warm-up fio on /dev/$d ($n) failed"
done

r=1
k=0
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	log "round $r of $BENCH_ROUNDS"
	# rotate the order: round 2 starts with virtio-blk, round 3 with virtio-scsi
	case $(((r - 1) % 3)) in
	0) order="ours virtio-blk virtio-scsi" ;;
	1) order="virtio-blk virtio-scsi ours" ;;
	2) order="virtio-scsi ours virtio-blk" ;;
	esac
	echo "$BENCH_ROWS" | while read -r row rw bs depth; do
		[ -n "$row" ] || continue
		echo "$row $rw $bs $depth"
	done >/tmp/rows
	while read -r row rw bs depth; do
		for n in $order; do
			k=$((k + 1))
			job "$r $row $n" "$n" "$rw" "$bs" "$depth" "/tmp/fio-$k.json"
			echo "$r $row $n" >"/tmp/fio-$k.tag"
		done
	done </tmp/rows
	r=$((r + 1))
done

# The results, now that nothing is measured.
printf '%s' "$STATS"
i=1
while [ "$i" -le "$k" ]; do
	t=$(cat "/tmp/fio-$i.tag")
	echo "BENCH-FIO-BEGIN $t"
	cat "/tmp/fio-$i.json"
	echo "BENCH-FIO-END $t"
	i=$((i + 1))
done
hostctl status 2>/dev/null | sed 's/^/BENCH-HOST /'
echo "BENCH-DONE"
