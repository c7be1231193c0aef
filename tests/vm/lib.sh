# tests/vm/lib.sh - helpers for guest test scripts (busybox sh, no bash-isms).
# In the guest it is /lib/vmtest.sh:   . /lib/vmtest.sh
# shellcheck shell=sh

log() { echo "+ $*"; }

fail() {
	echo "FAIL: $*"
	exit 1
}

# debug_kernel : true on the debug kernel (KASAN, kmemleak, lockdep, ...),
# where kernel code runs several times slower and the detectors, not the
# volume of traffic, are what the run is for.
debug_kernel() {
	case "$(uname -r)" in
	*-vmbdebug) return 0 ;;
	esac
	return 1
}

# sized NORMAL DEBUG : print NORMAL, or DEBUG on the debug kernel; for counts
# that only make a run longer there (every path still runs, fewer times).
sized() {
	if debug_kernel; then echo "$2"; else echo "$1"; fi
}

# run CMD... : echo and run; any non-zero status fails the test.
run() {
	echo "+ $*"
	"$@" || fail "'$*' exited with status $?"
}

# assert_eq A B MSG
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-assert_eq}: expected '$2', got '$1'"
}

# wait_for TIMEOUT_S CMD... : retry CMD every 0.1 s until it succeeds.
wait_for() {
	_wf_t=$1
	shift
	_wf_n=$((_wf_t * 10))
	while [ "$_wf_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_wf_n=$((_wf_n - 1))
	done
	"$@" || fail "timed out after ${_wf_t}s waiting for: $*"
}

# dmesg_has REGEX : true if the kernel log matches (extended regex).
dmesg_has() { dmesg | grep -Eq -- "$1"; }

# dmesg_count REGEX : print the number of matching kernel log lines.
dmesg_count() { dmesg | grep -Ec -- "$1" || true; }

# sysfs_read PATH : print the file's content, fail if it cannot be read.
sysfs_read() {
	[ -r "$1" ] || fail "cannot read $1"
	cat "$1" || fail "cannot read $1"
}

# settle : like udevadm settle, wait until the hotplug helper has handled every
# uevent the kernel has sent so far (modprobe by modalias included).
settle() {
	_st_seq=$(cat /sys/kernel/uevent_seqnum)
	wait_for 20 sh -c "[ \$(cat /run/hotplug.seqnum) -ge $_st_seq ]"
}

# stall_dump : the guest's blocked tasks (sysrq w, into the kernel log), then
# what every channel is doing, both sides (guest ring headers, host status).
# The channels come last so that a log cut to its tail still shows them.
stall_dump() {
	echo "==== stall dump ===="
	echo w >/proc/sysrq-trigger 2>/dev/null
	sleep 1
	cat /sys/kernel/debug/vmbus/*/channels 2>/dev/null
	hostctl status 2>/dev/null | grep -E '^(channel|gpadls):'
	echo "==== end of stall dump ===="
}

# bounded SECS CMD... : run CMD; if it is still running after SECS, dump the
# channels' state and fail rather than hang until the VM's timeout.
bounded() {
	_bd_t=$1
	shift
	"$@" &
	_bd_pid=$!
	_bd_n=$((_bd_t * 10))
	while kill -0 "$_bd_pid" 2>/dev/null; do
		if [ "$_bd_n" -le 0 ]; then
			stall_dump
			fail "still running after ${_bd_t}s: $*"
		fi
		sleep 0.1
		_bd_n=$((_bd_n - 1))
	done
	wait "$_bd_pid"
}

# ---------------------------------------------------------------- storage
STORAGE_CLASS=8a5462b0-0636-41c5-a5ff-43190c65b6de

# storage_dev : the sysfs directory of the (first) storage controller.
storage_dev() {
	for _sd in /sys/bus/vmb/devices/*; do
		[ "$(cat "$_sd/class_id" 2>/dev/null)" = "$STORAGE_CLASS" ] || continue
		echo "$_sd"
		return 0
	done
	return 1
}

# storage_relid : the storage controller's channel id, as hostctl wants it.
storage_relid() {
	_sr=$(storage_dev) || fail "no storage controller on the bus"
	sysfs_read "$_sr/relid"
}

# disk_of_lun LUN : the block device name (sdX) of LUN on any SCSI host.
disk_of_lun() {
	for _dl in /sys/bus/scsi/devices/*:0:0:"$1"/block/*; do
		[ -e "$_dl" ] || continue
		basename "$_dl"
		return 0
	done
	return 1
}

# spare_disk N : the host path of the launcher's Nth --spare-disk image (from 0).
spare_disk() {
	_sp=$(sed -n 's/.*vmbvm\.spare=\([^ ]*\).*/\1/p' /proc/cmdline)
	echo "$_sp" | tr , '\n' | sed -n "$(($1 + 1))p" | grep . ||
		fail "no spare disk $1 (vmbus-vm --spare-disk)"
}

# storvsc_queues : storvsc's per-queue counters (debugfs), every controller.
storvsc_queues() { cat /sys/kernel/debug/storvsc/*/queues; }

# ---------------------------------------------------------------- networks
# A guest launched with --nic / --virtio-nic (scripts/vmbus-vm) finds its
# addresses on the kernel command line: vmbvm.nic=HOST,GUEST,MAC (the
# synthetic NIC) and vmbvm.vnic=... (virtio-net).  KIND: nic or vnic.
# nic_host KIND, nic_guest KIND, nic_mac KIND : print that field.
_nic_field() {
	# shellcheck disable=SC2013 # words, not lines
	for _nf_w in $(cat /proc/cmdline); do
		case "$_nf_w" in
		"vmbvm.$1="*)
			echo "${_nf_w#*=}" | cut -d, -f"$2"
			return 0
			;;
		esac
	done
	fail "no vmbvm.$1= on the kernel command line (launch with --nic or --virtio-nic)"
}
nic_host() { _nic_field "$1" 1; }
nic_guest() { _nic_field "$1" 2; }
nic_mac() { _nic_field "$1" 3; }

# The real network tools, which the launcher ships with a NIC, are called by
# path: a bare name runs busybox's applet, which lacks ip -s, ping -M, ...
# shellcheck disable=SC2034 # for the test scripts
IP=/usr/sbin/ip ETHTOOL=/usr/sbin/ethtool PING=/usr/bin/ping
# shellcheck disable=SC2034 # for the test scripts
IPERF3=/usr/bin/iperf3 SOCAT=/usr/bin/socat

# iface_of_mac MAC : print the interface that has MAC (lower case), or fail.
iface_of_mac() {
	for _im_i in /sys/class/net/*; do
		if [ "$(cat "$_im_i/address")" = "$1" ]; then
			echo "${_im_i##*/}"
			return 0
		fi
	done
	fail "no interface has MAC $1: $(cat /sys/class/net/*/address | tr '\n' ' ')"
}

# nic_up KIND : bring up KIND's interface with its guest address; prints its name.
nic_up() {
	_nu_if=$(iface_of_mac "$(nic_mac "$1")") || exit 1
	$IP link set "$_nu_if" up >&2 || fail "ip link set $_nu_if up"
	$IP addr add "$(nic_guest "$1")/24" dev "$_nu_if" >&2 || fail "ip addr add on $_nu_if"
	echo "$_nu_if"
}

# send_file FILE KIND PORT : stream FILE to the host side of KIND; prints
# "<sha256> <bytes>" of what the host received.
send_file() {
	hostnet sink "$3" >/dev/null || fail "hostnet sink $3"
	$SOCAT -b 1048576 -u "OPEN:$1" "TCP:$(nic_host "$2"):$3" || fail "socat $1 to $(nic_host "$2"):$3"
	hostnet sink-result "$3" || fail "hostnet sink-result $3"
}

# recv_file MIB KIND PORT OUT : the host serves MIB MiB of random bytes, kept
# in OUT; prints "<sha256> <bytes>" of what the host sent.
recv_file() {
	_rf_src=$(hostnet source "$3" "$1") || fail "hostnet source $3 $1"
	$SOCAT -b 1048576 -u "TCP:$(nic_host "$2"):$3" "OPEN:$4,creat,trunc" || fail "socat from $(nic_host "$2"):$3"
	echo "$_rf_src"
}

# uptime_ms : milliseconds since boot, for rates in the log.
uptime_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# recv_random MIB KIND PORT [FILE] : the host serves MIB MiB of random bytes
# on PORT; they are kept in FILE (default /tmp/.recv.dat, removed after),
# then hashed; prints two lines of "<sha256> <bytes>": what the host sent,
# then what the guest received.  (Hashing them as they come, through a pipe
# to sha256sum, took 60% longer under TCG than a copy to tmpfs and a hash.)
recv_random() {
	_rr_f=${4:-/tmp/.recv.dat}
	recv_file "$1" "$2" "$3" "$_rr_f" || exit 1
	echo "$(sha256sum <"$_rr_f" | cut -d' ' -f1) $(stat -c %s "$_rr_f")"
	[ -n "${4:-}" ] || rm -f "$_rr_f"
}

# send_random FILE SUM KIND PORT : send FILE, whose "<sha256> <bytes>" is SUM,
# to the host side of KIND; prints two lines: SUM, then the "<sha256>
# <bytes>" the host received.  Random bytes cost 70 ms a MiB to make in a
# TCG guest and 45 to hash, so a test makes them once (or receives them, with
# recv_random ... FILE) and sends them again and again.
send_random() {
	echo "$2"
	send_file "$1" "$3" "$4"
}

# echo_random MIB KIND PORT : the host serves MIB MiB of new random bytes on
# PORT and the guest relays them, as they arrive, back to a sink on PORT+1 (one
# socat, no file, no hash in the guest: both directions at once, at the cost
# of one); prints two lines of "<sha256> <bytes>": what the host sent, then
# what came back to it.
echo_random() {
	_er_back=$(($3 + 1))
	_er_src=$(hostnet source "$3" "$1") || fail "hostnet source $3 $1"
	hostnet sink "$_er_back" >/dev/null || fail "hostnet sink $_er_back"
	$SOCAT -b 1048576 -u "TCP:$(nic_host "$2"):$3" "TCP:$(nic_host "$2"):$_er_back" ||
		fail "socat from $(nic_host "$2"):$3 back to :$_er_back"
	echo "$_er_src"
	hostnet sink-result "$_er_back" || fail "hostnet sink-result $_er_back"
}
