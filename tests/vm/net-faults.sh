#!/bin/sh
# vm-args: --cpus 2 --mem 1G --timeout 1500 --nic queues=2,mtu=9000
#
#   vmbusctl nic fault --> vmbusd malforms its next RECV --> netvsc drops that frame, counts it, delivers the rest
#   vmbusctl nic link  --> LINK_STATUS                   --> carrier
#   vmb_net_fault.ko   --> malformed SENDs               --> vmbusd answers INVALID, counts them by reason
#
# Shows: for each host fault (a frame in no section, a frame running past
# the buffer, unknown metadata, a completion of nothing) netvsc's own
# counter for it goes up, no other validation counter moves, and pings
# still all get through; link down and up reach the carrier; then, with
# netvsc unloaded, each malformed SEND from vmb_net_fault.ko is answered
# INVALID (a good one OK) and counted by vmbusd under its reason; netvsc
# comes back afterwards.
. /lib/vmtest.sh

run modprobe vmbus
settle
wait_for 20 sh -c "grep -qx $(nic_mac nic) /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
RELID=$(sysfs_read "/sys/class/net/$IF/device/relid")
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"

# qstat NAME : the sum of ethtool -S's queue_*_NAME
qstat() {
	$ETHTOOL -S "$IF" | awk -v n="_$1:" '$1 ~ n"$" { s += $2 } END { print s + 0 }'
}

CHECKS="rx_drop_bad_section rx_drop_bad_length rx_drop_bad_meta rx_drop_bad_gso rx_drop_bad_csum rx_drop_bad_hash rx_drop_bad_vlan rx_bad_recv rx_bad_message unknown_completion"

# qstats PREFIX : set PREFIX_NAME to qstat NAME for every NAME in CHECKS, from
# one ethtool -S (a program costs about 170 ms on the debug kernel)
qstats() {
	eval "$($ETHTOOL -S "$IF" | awk -v p="$1" -v names="$CHECKS" '
		BEGIN { n = split(names, c, " "); for (i = 1; i <= n; i++) s[c[i]] = 0 }
		{ for (i = 1; i <= n; i++) if ($1 ~ ("_" c[i] ":$")) s[c[i]] += $2 }
		END { for (i = 1; i <= n; i++) printf "%s_%s=%d\n", p, c[i], s[c[i]] }')"
}

# pings_ok N : N pings, none lost
pings_ok() {
	out=$($PING -c "$1" -i 0.05 -W 2 -q "$(nic_host nic)") || fail "ping: $out"
	echo "$out" | grep -q " $1 received" || fail "pings lost: $out"
}

# fault KIND COUNTER : KIND in the host's next RECV shows in COUNTER only
fault() {
	before="" after=""
	qstats b
	eval "before=\$b_$2"
	run hostctl nic fault "$RELID" "$1"
	n=0
	while [ "$(qstat "$2")" -le "$before" ]; do
		n=$((n + 1))
		[ $n -lt 50 ] || fail "$1: $2 did not move"
		$PING -c 1 -W 1 -q "$(nic_host nic)" >/dev/null 2>&1
	done
	qstats a
	for c in $CHECKS; do
		[ "$c" = "$2" ] && continue
		eval "assert_eq \"\$a_$c\" \"\$b_$c\" \"$1: $c\""
	done
	eval "after=\$a_$2"
	log "$1: $2 $before -> $after"
	pings_ok 10
}

fault bad_section rx_drop_bad_section
fault bad_length rx_drop_bad_length
fault bad_meta rx_drop_bad_meta
fault unknown_completion unknown_completion
dmesg | grep -E 'netvsc.*(malformed|no outstanding)' | tail -n 3

run hostctl nic link "$RELID" down
wait_for 10 sh -c "[ \"\$(cat /sys/class/net/$IF/carrier)\" = 0 ]"
$PING -c 2 -W 1 -q "$(nic_host nic)" >/dev/null 2>&1 && fail "ping with the link down"
run hostctl nic link "$RELID" up
wait_for 10 sh -c "[ \"\$(cat /sys/class/net/$IF/carrier)\" = 1 ]"
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"
pings_ok 10
log "link down and up reached the carrier"

# Malformed SENDs from the test client; KIND:EXPECTED-STATUS:HOST-COUNTER
run $IP link set "$IF" down
run rmmod netvsc
run modprobe vmb_net_fault
F=$(echo /sys/kernel/debug/vmb_net_fault/*)
wait_for 10 test -w "$F/send"
# hstats : set h_NAME to each of vmbusd's totals, from one "nic stats"
hstats() {
	eval "$(hostctl nic stats "$RELID" |
		awk '$1 ~ /^[a-z_]+$/ && $2 ~ /^[0-9]+$/ { printf "h_%s=%s\n", $1, $2 }')"
}
hstats
for k in good:0:tx_frames bad_section:2:bad_section bad_length:2:bad_length \
	short:2:bad_length bad_meta:2:bad_meta gso_no_csum:2:bad_meta \
	bad_csum:2:bad_meta gpa_len:2:bad_ranges; do
	kind=${k%%:*} want=${k#*:} counter=${want#*:} want=${want%%:*}
	eval "before=\${h_$counter:-}"
	[ -n "$before" ] || fail "vmbusd has no counter $counter"
	echo "$kind" >"$F/send" || fail "SEND $kind not answered"
	assert_eq "$(cat "$F/status")" "$want" "the host's status for SEND $kind"
	hstats
	eval "after=\$h_$counter"
	assert_eq "$after" $((before + 1)) "vmbusd's $counter after SEND $kind"
	log "SEND $kind: status $want, vmbusd $counter $before -> $after"
done
hostctl nic stats "$RELID" | grep -E '^(tx_frames|bad_[a-z_]*|unknown_completion) '
run rmmod vmb_net_fault
run modprobe netvsc
wait_for 20 sh -c "grep -qx $(nic_mac nic) /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
wait_for 10 "$PING" -c 1 -W 1 -q "$(nic_host nic)"
pings_ok 10
echo "net-faults: ok"
