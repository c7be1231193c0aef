#!/bin/sh
# scripts/bench-storage.d/ftrace.sh - guest script: where a 4k request's time goes,
# by function_graph (busybox sh; not run by scripts/bench-storage).
#
#   scripts/vmbus-vm --kernel 6.12 --disk IMG_A,direct --virtio-disk IMG_B \
#       --virtio-scsi-disk IMG_C --bin /usr/bin/fio --script THIS
#
# For each disk (ours, virtio-blk, virtio-scsi): 2 s of 4k random reads at
# depth 32 to warm up, then 3 s with the function_graph tracer on the
# functions of the submission and completion paths of all three drivers
# (below), and for each traced function prints
#   FTR <disk> <function> calls <n> us <total duration>
# after "FTR-JOB <disk> ios <I/Os in the window>".  Durations include the
# tracer's own overhead (large under TCG) and nest (a caller's includes its
# callees'); compare calls and durations per request between the disks.  If
# the trace buffer wraps, the per-request functions show fewer calls than
# the window's I/Os: divide by their call count, not by the I/Os.
# shellcheck source=tests/vm/lib.sh
. /lib/vmtest.sh
echo 1 >/proc/sys/kernel/printk
run modprobe vmbus
settle
scsi_host_of() { _h=$(readlink "/sys/block/$1") || return 1; _h=${_h#*/host}; cat "/sys/class/scsi_host/host${_h%%/*}/proc_name"; }
find_disks() {
	OURS="" VBLK="" VSCSI=""
	for b in /sys/block/sd* /sys/block/vd*; do
		[ -e "$b" ] || continue
		d=${b##*/}
		case "$d" in
		vd*) VBLK=$d ;;
		sd*) case "$(scsi_host_of "$d")" in vmb_storvsc) OURS=$d ;; virtio_scsi) VSCSI=$d ;; esac ;;
		esac
	done
	[ -n "$OURS" ] && [ -n "$VBLK" ] && [ -n "$VSCSI" ]
}
wait_for 30 find_disks
find_disks
for d in "$OURS" "$VBLK" "$VSCSI"; do echo none >"/sys/block/$d/queue/scheduler" 2>/dev/null; done
T=/sys/kernel/tracing
[ -d "$T"/options ] || mount -t tracefs nodev "$T"
F="vmb_ivshmem_signal vmb_chan_send_gpa storvsc_queuecommand vmb_ivshmem_chan_irq vmb_chan_tasklet storvsc_chan_cb vp_notify virtio_queue_rq virtscsi_queuecommand vring_interrupt virtblk_done virtscsi_req_done scsi_queue_rq scsi_done blk_mq_complete_request __kmalloc_noprof kfree"
for n in ours virtio-blk virtio-scsi; do
	case "$n" in ours) d=$OURS ;; virtio-blk) d=$VBLK ;; *) d=$VSCSI ;; esac
	/usr/bin/fio --name=w --filename="/dev/$d" --ioengine=libaio --direct=1 --rw=randread --bs=4k --iodepth=32 --time_based=1 --runtime=2 --eta=never --output=/dev/null
	echo nop >"$T"/current_tracer
	: >"$T"/trace
	echo "$F" | tr ' ' '\n' | while read -r f; do echo "$f" >>"$T"/set_ftrace_filter 2>/dev/null; done
	echo 1 >"$T"/options/funcgraph-tail
	echo 16384 >"$T"/buffer_size_kb
	s0=$(awk '{ print $3 + $7 }' "/sys/block/$d/stat")
	echo function_graph >"$T"/current_tracer
	/usr/bin/fio --name=w --filename="/dev/$d" --ioengine=libaio --direct=1 --rw=randread --bs=4k --iodepth=32 --time_based=1 --runtime=3 --eta=never --output=/dev/null
	echo 0 >"$T"/tracing_on
	s1=$(awk '{ print $3 + $7 }' "/sys/block/$d/stat")
	echo "FTR-JOB $n ios $(( (s1 - s0) / 8 ))"
	awk -v job="$n" '
		/us +\|/ {
			for (i = 1; i <= NF; i++) if ($i == "us") { dur = $(i - 1); break }
			name = ""
			if (match($0, /\/\* [a-z_0-9.]+/)) name = substr($0, RSTART + 3, RLENGTH - 3)
			else if (match($0, /[a-z_0-9.]+( \[[a-z_0-9]+\])?\(\);/)) { name = substr($0, RSTART, RLENGTH); sub(/[ (].*/, "", name) }
			if (name == "") next
			gsub(/[+!#*@$]/, "", dur)
			n[name]++; t[name] += dur
		}
		END { for (k in n) printf("FTR %s %s calls %d us %.1f\n", job, k, n[k], t[k]) }' "$T"/trace
	echo nop >"$T"/current_tracer; echo 1 >"$T"/tracing_on; echo > "$T"/set_ftrace_filter
done
