/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The network device backend (class VMB_CLASS_NET_STR, include/vmb_net.h,
 * docs/protocol.md "The network device class"): one Ethernet port whose
 * other end is a TAP device on the host.
 *
 *   --nic tap=NAME[,mac=M][,mtu=N][,queues=Q][,version=1.0|1.1]  (each one a device)
 *   --offer net[:INSTANCE],tap=NAME[,mac=M]...
 *
 *   nic add tap=NAME[,...]        hot-add a port (answers its list line)
 *   nic remove N | link N up|down | stats N | fault N KIND | list
 *
 * N is the port's primary relid or its TAP's name.  Each queue (the
 * primary channel and each sub-channel) has a TAP queue fd of its own.
 *
 * Security model: every message is a private copy (core/channel.c copies
 * the packet out of the ring) and is checked whole in one place, against
 * one table (net_rules in net.c: size, status, packet type, the init
 * state), then by its type's own field checks, before anything is done;
 * a SEND's frame is read from guest memory only inside the channel's own
 * send buffer or through the GPA walker, and received frames are written
 * only into receive sections the host owns at that moment.  A request
 * that fails a check is answered INVALID (or BAD_STATE), counted by
 * reason, and changes nothing.
 */
#ifndef VMBUSD_NET_H
#define VMBUSD_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/tap.h"
#include "core/channel.h"
#include "vmb_net.h"

extern VMBD_BACKEND(net);

#define NET_MTU_DEFAULT		1500
#define NET_RECV_SLOTS		256	/* RECVs outstanding per queue */
#define NET_HOST_CAPS		VMB_NET_CAP_ALL

/* Why a guest message was refused or a frame dropped (per queue). */
enum net_bad {
	NET_BAD_SIZE,		/* payload not the type's size */
	NET_BAD_TYPE,		/* unknown, host-to-guest, or not in the version */
	NET_BAD_STATUS,		/* status not 0 in a request */
	NET_BAD_PKT,		/* GPA_RANGE for anything but SEND */
	NET_BAD_NO_COMPLETION,	/* a request without COMPLETION_REQUESTED */
	NET_BAD_STATE,		/* out of the init sequence (BAD_STATE) */
	NET_BAD_RESERVED,	/* a reserved or result field not zero */
	NET_BAD_FIELD,		/* a value out of range */
	NET_BAD_SECTION,	/* SEND: no such send section */
	NET_BAD_LENGTH,		/* SEND: len against section, MTU, limits */
	NET_BAD_RANGES,		/* SEND: GPA ranges' total is not len */
	NET_BAD_META,		/* SEND: meta flags, gso, checksum offsets */
	NET_BAD_COMPLETION,	/* a RECV completion of the wrong shape */
	NET_BAD_UNKNOWN_COMPLETION,	/* a completion of no outstanding RECV */
	NET_BAD_COUNT,
};

/* One queue's counters (vmbusctl nic stats); they live as long as the port. */
struct net_qstats {
	uint64_t rx_frames, rx_bytes;	/* delivered to the guest */
	uint64_t rx_gso, rx_csum_valid;	/* ...of them GSO, checksum verified */
	uint64_t recvs, recv_done;	/* RECV messages sent, completed */
	uint64_t tx_frames, tx_bytes;	/* written to the TAP */
	uint64_t tx_gso, tx_csum;	/* ...of them GSO, checksum offloaded */
	uint64_t rx_drop_filter;	/* not for the guest's filter */
	uint64_t rx_drop_link;		/* link down or receive not started */
	uint64_t rx_drop_bad;		/* the TAP's vnet header or frame unusable */
	uint64_t rx_drop_big;		/* larger than the guest takes */
	uint64_t rx_stalls;		/* reading stopped: no sections or ring room */
	uint64_t tx_drop_link;		/* link down: completed OK, not sent */
	uint64_t tx_drop_tap;		/* the TAP refused or was full */
	uint64_t injected;		/* RECVs malformed on purpose (faults) */
	uint64_t bad[NET_BAD_COUNT];
};

/* The names of enum net_bad, for counters: "bad_size", ... */
extern const char *const net_bad_name[NET_BAD_COUNT];

/* The TAP layer the back end uses (tap_linux; tests put their own). */
extern const struct tap_ops *net_tap;

/*
 * The receive filter's decision for a frame to dst: flags are
 * VMB_NET_RXF_*, mc the mc_count multicast addresses.
 */
bool net_rx_filter_pass(uint32_t flags, const uint8_t port_mac[6],
			const uint8_t (*mc)[6], unsigned int mc_count,
			const uint8_t dst[6]);

/*
 * A SEND's meta (already validated) as the TAP's vnet header; vlan_shift
 * is 4 when the back end inserts the VLAN tag (offsets move by it).
 */
void net_meta_to_vnet(const struct vmb_net_meta *m, unsigned int vlan_shift,
		      struct virtio_net_hdr *v);
/*
 * A received frame's vnet header as RECV meta, for the caps granted.
 * frame (len bytes, after any VLAN tag was stripped: vlan_shift 4) is
 * read for the TCP header length of a GSO frame.  Returns 0, or -1 if the
 * frame cannot be given to the guest as it is (a GSO kind it has no cap
 * for, offsets outside the frame): the caller checksums or drops it.
 */
int net_vnet_to_meta(const struct virtio_net_hdr *v, uint32_t caps,
		     const uint8_t *frame, uint32_t len,
		     unsigned int vlan_shift, struct vmb_net_meta *m);

/* A port's counters summed over its queues, or of queue q; NULL: not a port. */
const struct net_qstats *net_chan_qstats(const struct channel *ch);

#endif
