#!/bin/sh
# scripts/bench-storage.d/profile.sh - guest script: the kernel's tick profile
# (/proc/profile) of 4k random reads at depth 32 on each disk (busybox sh; not
# run by scripts/bench-storage).
#
#   scripts/vmbus-vm --kernel 6.12 --append profile=4 --disk IMG_A,direct \
#       --virtio-disk IMG_B --virtio-scsi-disk IMG_C --bin /usr/bin/fio --script THIS
#
# profile=4 makes the kernel count, at every timer tick, the 16-byte bucket
# of core kernel text the interrupted CPU was in.  Ticks in user mode and in
# module text (ours, virtio_blk, virtio_scsi, scsi_mod, sd_mod) are not
# counted, and a tick never lands inside a handler that runs with interrupts
# off (it is counted where they are enabled again).  Per disk it prints
#   PROF-JOB <disk> randread 4k 32 ios <I/Os> busy <busy jiffies, USER_HZ>
#   PROF <disk>-32 <ticks> <function>      (the 45 largest)
# at 250 Hz one tick is 4 ms of one vCPU.
# shellcheck source=tests/vm/lib.sh
. /lib/vmtest.sh
echo 1 >/proc/sys/kernel/printk
[ -r /proc/profile ] || fail "no /proc/profile: boot with profile=4"
run modprobe vmbus
settle
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
		sd*) case "$(scsi_host_of "$d")" in
			vmb_storvsc) OURS=$d ;;
			virtio_scsi) VSCSI=$d ;;
			esac ;;
		esac
	done
	[ -n "$OURS" ] && [ -n "$VBLK" ] && [ -n "$VSCSI" ]
}
wait_for 30 find_disks
find_disks
for d in "$OURS" "$VBLK" "$VSCSI"; do echo none >"/sys/block/$d/queue/scheduler" 2>/dev/null; done
# core kernel text symbols, offsets from _stext (low 32 bits of the address)
awk 'function hex(s,  i, n, c) { n = 0; s = substr(s, length(s) - 7); for (i = 1; i <= 8; i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c } return n }
	NF == 3 && ($2 == "t" || $2 == "T") { print hex($1), $3 }' /proc/kallsyms | sort -n >/tmp/syms
STEXT=$(awk '$2 == "_stext" { print $1 }' /tmp/syms)
set -- randread 4k 32
for n in ours virtio-blk virtio-scsi; do
	case "$n" in ours) d=$OURS ;; virtio-blk) d=$VBLK ;; *) d=$VSCSI ;; esac
	/usr/bin/fio --name=w --filename="/dev/$d" --ioengine=libaio --direct=1 --rw="$1" --bs="$2" --iodepth="$3" --time_based=1 --runtime=2 --eta=never --output=/dev/null
	echo 0 >/proc/profile
	b=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6; exit }' /proc/stat)
	s0=$(awk '{ print $3 + $7 }' "/sys/block/$d/stat")
	/usr/bin/fio --name=w --filename="/dev/$d" --ioengine=libaio --direct=1 --rw="$1" --bs="$2" --iodepth="$3" --time_based=1 --runtime=10 --eta=never --output=/dev/null
	a=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6; exit }' /proc/stat)
	s1=$(awk '{ print $3 + $7 }' "/sys/block/$d/stat")
	ios=$(( (s1 - s0) / 8 ))
	cp /proc/profile /tmp/prof.bin
	echo "PROF-JOB $n $1 $2 $3 ios $ios busy $((a - b))"
	od -An -v -tu4 /tmp/prof.bin | awk -v stext="$STEXT" -v job="$n-$3" '
		BEGIN { while ((getline l < "/tmp/syms") > 0) { split(l, f, " "); ns++; sa[ns] = f[1] + 0; sn[ns] = f[2] } }
		{ for (i = 1; i <= NF; i++) { k++; if (k == 1) { mult = $i; continue } if ($i > 0) { idx = k - 2; cnt[idx] += $i } } }
		END {
			last = k - 2
			for (idx in cnt) {
				tot += cnt[idx]
				if (idx + 0 == last) { by["[modules+past _etext]"] += cnt[idx]; continue }
				addr = stext + 0 + idx * mult
				lo = 1; hi = ns
				while (lo < hi) { mid = int((lo + hi + 1) / 2); if (sa[mid] <= addr) lo = mid; else hi = mid - 1 }
				by[sn[lo]] += cnt[idx]
			}
			for (s in by) printf("PROF %s %d %s\n", job, by[s], s)
			printf("PROF-TOTAL %s %d\n", job, tot)
		}' | sort -k3 -n -r | head -n 45
done
