#!/bin/sh
# The main job's guest side: what the suite does today, step by step.
. /lib/vmtest.sh

section() { printf '\n---- %s\n' "$*"; }

section "load the channel bus: version negotiation with the host"
run modprobe vmbus
dmesg | grep -E 'vmbus( |:)' | sed 's/^\[ *[0-9.]*\] //'

section "devices the host offered, on /sys/bus/vmb"
settle
E=5d3c8a71-2b4e-4f19-9a6c-7e0d1b2c3f48
wait_for 20 test -d /sys/kernel/debug/vmb_echo/$E
printf '%-38s %-5s %-9s %s\n' DEVICE RELID STATE DRIVER
for d in /sys/bus/vmb/devices/*; do
	drv=-
	[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	printf '%-38s %-5s %-9s %s\n' "$(basename "$d")" "$(cat "$d/relid")" \
		"$(cat "$d/state")" "$drv"
done
echo "(drivers were loaded by modalias: $(cat /sys/bus/vmb/devices/*/modalias | sort -u | tr '\n' ' '))"

section "the host's view (vmbusctl status, run on the host)"
run hostctl status

section "the device classes this host serves (its back-end registry)"
run hostctl classes

section "a channel: GPADL, rings and interrupts, through the echo device"
D=/sys/kernel/debug/vmb_echo/$E
C=/sys/bus/vmb/devices/$E/channel
echo "echo device $E: state $(cat /sys/bus/vmb/devices/$E/state), vCPU $(cat $C/target_vcpu)"
run sh -c "echo 2 >$D/subchannels"
echo "sub-channels: $(cat $C/subchannels)"
log "20000 packets of 1 B..16 KiB over 3 channels from 2 senders, every byte checked"
run sh -c "echo '20000 1 16384 2 64 3' >$D/inband"
cat $D/result
log "500 GPA-range packets: the host reads guest pages and returns a checksum"
run sh -c "echo '500 65536' >$D/gpa"
cat $D/result
for f in tx_packets rx_packets doorbells interrupts ring_full; do
	printf '%-11s %s\n' "$f" "$(cat $C/$f)"
done
awk -v p="$(cat $C/tx_packets)" -v d="$(cat $C/doorbells)" -v i="$(cat $C/interrupts)" \
	'BEGIN { printf "per packet on this channel: %.2f doorbells, %.2f interrupts\n", d / p, i / p }'
echo "(a side signals only when a ring goes from empty to non-empty and the reader"
echo " has not masked it, so the busier the channel, the fewer signals per packet)"
echo "every open channel's rings as both sides published them (debugfs; for stalls):"
grep -v '^#' /sys/kernel/debug/vmbus/*/channels | grep -o 'relid=[0-9]* sub=[0-9]* .*open=1 .*in=[0-9:/]*' |
	sed 's/ state=[a-z]* open=1 broken=0//'

first=$(ls /sys/bus/vmb/devices | grep -v $E | head -n 1)
relid=$(cat "/sys/bus/vmb/devices/$first/relid")
section "hot remove: the host rescinds relid $relid"
run hostctl rescind "$relid"
wait_for 10 sh -c "! test -e /sys/bus/vmb/devices/$first"
dmesg | grep -E "rescinded|remove relid $relid" | tail -n 2 | sed 's/^\[ *[0-9.]*\] //'
echo "devices now: $(ls /sys/bus/vmb/devices | wc -l)"

section "hot add: the host offers it again"
run hostctl offer test "$first"
wait_for 10 test -L "/sys/bus/vmb/devices/$first/driver"
dmesg | grep "$first: probe" | tail -n 1 | sed 's/^\[ *[0-9.]*\] //'
echo "devices now: $(ls /sys/bus/vmb/devices | wc -l)"

section "a disk: storvsc, a SCSI host whose queues are channels"
wait_for 20 disk_of_lun 0
settle
D0=$(disk_of_lun 0)
echo "/dev/$D0: $(($(cat /sys/block/$D0/size) / 2048)) MiB, LUN 0 of $(basename "$(storage_dev)")"
/usr/bin/sg_inq /dev/$D0 | grep -E 'Vendor identification|Product identification|Unit serial number'
echo "wwid (from VPD 0x83): $(cat /sys/block/$D0/device/wwid)"
echo "blk-mq hardware queues: $(ls /sys/block/$D0/mq | wc -l) (one per vCPU, each on its own channel)"
run /sbin/mke2fs -q -t ext4 -F /dev/$D0
modprobe ext4
modprobe crc32c_generic 2>/dev/null
mkdir -p /mnt
run mount -t ext4 /dev/$D0 /mnt
run dd if=/dev/urandom of=/mnt/data bs=1M count=32 status=none
sum=$(sha256sum </mnt/data | cut -c1-16)
echo "wrote 32 MiB, sha256 $sum..."

section "a flush: sync sends SYNCHRONIZE CACHE, the host fdatasyncs before it answers"
flushes() { hostctl disk list | sed -n "s/.*lun=$1 .* flushes=\([0-9]*\).*/\1/p"; }
f0=$(flushes 0)
run sync
echo "host-side flushes on LUN 0: $f0 before sync, $(flushes 0) after"
run umount /mnt
echo 3 >/proc/sys/vm/drop_caches
run mount -t ext4 /dev/$D0 /mnt
again=$(sha256sum </mnt/data | cut -c1-16)
echo "after unmount, dropped caches and mount: sha256 $again... ($([ "$again" = "$sum" ] && echo match || echo MISMATCH))"
[ "$again" = "$sum" ] || fail "the file changed across a remount"

section "hot add: the host adds a second disk while the guest runs"
t0=$(cut -d' ' -f1 /proc/uptime)
run hostctl disk add "$(spare_disk 0),serial=DEMO0002"
wait_for 5 disk_of_lun 1
echo "LUN 1 is /dev/$(disk_of_lun 1), $(($(cat /sys/block/$(disk_of_lun 1)/size) / 2048)) MiB, $(awk -v a="$t0" '{ printf "%.1f", $1 - a }' /proc/uptime) s after the command"
echo "the host's disks (vmbusctl disk list):"
hostctl disk list | sed 's/ path=.*//'
echo "storvsc's queues (debugfs):"
cat /sys/kernel/debug/storvsc/*/queues
run umount /mnt

section "a NIC: netvsc, a net_device whose queues are channels"
wait_for 20 sh -c "grep -qx $(nic_mac nic) /sys/class/net/*/address"
IF=$(nic_up nic) || exit 1
wait_for 10 sh -c "[ \"\$(cat /sys/class/net/$IF/carrier)\" = 1 ]"
echo "$IF: MAC $(cat /sys/class/net/$IF/address) (the host's), carrier $(cat /sys/class/net/$IF/carrier)," \
	"driver $(basename "$(readlink /sys/class/net/$IF/device/driver)"), $(find /sys/class/net/$IF/queues -name 'rx-*' | wc -l) queues"
echo "(host side: vmbtap0, 10.200.0.1, in this run's own network namespace)"
$PING -c 10 -i 0.05 -q "$(nic_host nic)" | tail -n 2
dd if=/dev/urandom of=/tmp/out bs=1M count=16 status=none
mine=$(sha256sum </tmp/out | cut -d' ' -f1)
got=$(send_file /tmp/out nic 5001) || exit 1
echo "16 MiB guest to host: sha256 ${mine%"${mine#????????????????}"}... sent, ${got%"${got#????????????????}"}... received ($([ "${got%% *}" = "$mine" ] && echo match || echo MISMATCH))"
[ "${got%% *}" = "$mine" ] || fail "the host received other bytes"
sent=$(recv_file 16 nic 5002 /tmp/in) || exit 1
back=$(sha256sum </tmp/in | cut -d' ' -f1)
echo "16 MiB host to guest: sha256 ${sent%"${sent#????????????????}"}... sent, ${back%"${back#????????????????}"}... received ($([ "$back" = "${sent%% *}" ] && echo match || echo MISMATCH))"
[ "$back" = "${sent%% *}" ] || fail "the guest received other bytes"
rm -f /tmp/in /tmp/out
echo "offloads:"
$ETHTOOL -k "$IF" | grep -E '^(rx-checksumming|tx-checksumming|scatter-gather|tcp-segmentation-offload|generic-receive-offload):'
echo "per-queue counters (ethtool -S):"
$ETHTOOL -S "$IF" | grep -E 'queue_[0-9]+_(tx|rx)_(packets|bytes):'
echo "the host's port (vmbusctl nic stats):"
hostctl nic stats vmbtap0 | grep -E '^(rx_frames|tx_frames|tx_gso|rx_csum_valid) '
$IP link set "$IF" down

section "integration services: the heartbeat (vmb_util)"
H=9c2e41d7-5a38-4f06-b1e9-3d7a8c0f6e25
wait_for 20 test -L /sys/bus/vmb/devices/$H/driver
hb_state() { hostctl heartbeat | sed -n 's/.* hb=\([a-z]*\) .*/\1/p'; }
hb_is() { [ "$(hb_state)" = "$1" ]; }
wait_for 10 hb_is alive
echo "the host's heartbeat (vmbusctl heartbeat):"
hostctl heartbeat | sed 's/^/  /'
echo "unbind the guest's heartbeat driver:"
echo "$H" >/sys/bus/vmb/drivers/vmb_heartbeat/unbind
wait_for 10 hb_is unresponsive
hostctl heartbeat | sed 's/^/  /'
echo "bind it again:"
echo "$H" >/sys/bus/vmb/drivers/vmb_heartbeat/bind
wait_for 10 hb_is alive
echo "  the host calls the guest $(hb_state) again"

section "unload: every device removed, unload handshake with the host"
settle
run rmmod netvsc storvsc vmb_util vmb_testdrv vmb_echo_test vmbus
hostctl status | head -n 4
