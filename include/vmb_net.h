/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The network device class (docs/protocol.md, "The network device class"):
 * one Ethernet port on the host's virtual switch (in vmbusd, a TAP device).
 * Every message is one struct vmb_net_hdr followed by the type's body,
 * little-endian, in the payload of a ring packet:
 *
 *   guest -> host  INBAND with VMB_PKT_F_COMPLETION_REQUESTED and a trans_id
 *                  of the guest's choosing, answered by one COMPLETION with
 *                  that trans_id carrying the same struct, status (and for
 *                  INIT, CONFIG and SUBCHANNELS, the results) filled in.  A
 *                  SEND whose frame is not in a send-buffer section is a
 *                  GPA_RANGE packet: its ranges are the frame, in order.
 *   host -> guest  RECV: INBAND with COMPLETION_REQUESTED and the host's
 *                  trans_id, naming frames in the channel's receive buffer;
 *                  the guest completes it (a vmb_net_hdr) once it has copied
 *                  them out, which gives their sections back to the host.
 *                  LINK_STATUS: INBAND, trans_id 0, no completion.
 *
 * Init: on the primary channel INIT (walk down the versions until OK), then
 * CONFIG; then on every channel, the primary first, ATTACH_BUFS; optionally
 * SUBCHANNELS (1.1; then the bus's REQUEST_SUBCHANNELS) and SET_RSS (1.1);
 * then SET_RX_FILTER, which starts receive.  Sub-channels need only
 * ATTACH_BUFS.
 */
#ifndef VMB_NET_H
#define VMB_NET_H

#include "vmb_protocol.h"

/* 6c3b5f0e-9d2a-4e71-b8c4-1f0a7d36e952 */
#define VMB_CLASS_NET_GUID(m) \
	m(6c3b5f0e, 9d2a, 4e71, b8, c4, 1f, 0a, 7d, 36, e9, 52)
VMB_CLASS_NET_GUID(VMB_GUID_CHECK);

#define VMB_CLASS_NET_STR	VMB_CLASS_NET_GUID(VMB_GUID_STR)
#define VMB_CLASS_NET_BYTES	VMB_CLASS_NET_GUID(VMB_GUID_BYTES)
#ifdef __KERNEL__
#define VMB_CLASS_NET		VMB_CLASS_NET_GUID(VMB_GUID_INIT)
#endif

/* Network protocol versions, major << 16 | minor, negotiated by INIT. */
#define VMB_NET_VERSION(major, minor)	((major) << 16 | (minor))
#define VMB_NET_VERSION_1_0		VMB_NET_VERSION(1, 0)	/* one queue */
#define VMB_NET_VERSION_1_1		VMB_NET_VERSION(1, 1)	/* + SUBCHANNELS, SET_RSS */
#define VMB_NET_VERSION_CURRENT		VMB_NET_VERSION_1_1

/* Limits. */
#define VMB_NET_MTU_MIN		68	/* IPv4's minimum */
#define VMB_NET_MTU_MAX		9000	/* no host offers more */
#define VMB_NET_L2_HLEN		18	/* Ethernet header and one VLAN tag */
#define VMB_NET_GSO_FRAME_MAX	(65535 + VMB_NET_L2_HLEN) /* a GSO frame, headers included */
#define VMB_NET_QUEUES_MAX	(1 + VMB_MAX_SUBCHANNELS)
#define VMB_NET_RECV_MAX	64	/* frames in one RECV */
#define VMB_NET_MC_MAX		32	/* multicast addresses in SET_RX_FILTER */
#define VMB_NET_RSS_KEY_LEN	40	/* Toeplitz key bytes */
#define VMB_NET_RSS_INDIR_LEN	128	/* indirection table entries */
#define VMB_NET_SECTION_MIN	256	/* bytes; sections are multiples of 64 */
#define VMB_NET_SECTION_MAX	65536
#define VMB_NET_NO_SECTION	0xffffffffU /* SEND: the frame is in GPA ranges */

/* vmb_net_hdr.type */
enum {
	VMB_NET_INIT		= 1,	/* guest -> host, vmb_net_init */
	VMB_NET_CONFIG		= 2,	/* guest -> host, vmb_net_config */
	VMB_NET_ATTACH_BUFS	= 3,	/* guest -> host, vmb_net_bufs; every channel */
	VMB_NET_SUBCHANNELS	= 4,	/* guest -> host, vmb_net_subchannels; 1.1 */
	VMB_NET_SET_RSS		= 5,	/* guest -> host, vmb_net_rss; 1.1 */
	VMB_NET_SET_RX_FILTER	= 6,	/* guest -> host, vmb_net_rx_filter */
	VMB_NET_SET_MAC		= 7,	/* guest -> host, vmb_net_mac */
	VMB_NET_SEND		= 8,	/* guest -> host, vmb_net_send; any channel */
	VMB_NET_RECV		= 9,	/* host -> guest, vmb_net_recv; any channel */
	VMB_NET_LINK_STATUS	= 10,	/* host -> guest, vmb_net_link; primary */
};

/*
 * vmb_net_hdr.status: 0 in every request; in a completion, the outcome.
 * Anything but OK: nothing was done (a SEND's frame was not forwarded) and
 * the host's state did not change.
 */
enum {
	VMB_NET_S_OK			= 0,
	VMB_NET_S_UNSUPPORTED_VERSION	= 1,	/* INIT: try a lower one */
	VMB_NET_S_INVALID		= 2,	/* malformed: size, field, length */
	VMB_NET_S_BAD_STATE		= 3,	/* out of the init sequence */
	VMB_NET_S_NO_RESOURCES		= 4,	/* e.g. more queues than max_queues */
};

struct vmb_net_hdr {
	__le32 type;			/* VMB_NET_* */
	__le32 status;			/* VMB_NET_S_*; 0 in requests */
};

VMB_ASSERT_SIZE(struct vmb_net_hdr, 8);
VMB_ASSERT_OFFSET(struct vmb_net_hdr, type, 0);
VMB_ASSERT_OFFSET(struct vmb_net_hdr, status, 4);

/*
 * INIT: the guest proposes version; the host answers OK (in use from now
 * on) or UNSUPPORTED_VERSION with version set to the highest it speaks.
 */
struct vmb_net_init {
	struct vmb_net_hdr hdr;
	__le32 version;			/* VMB_NET_VERSION(major, minor) */
	__le32 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_net_init, 16);
VMB_ASSERT_OFFSET(struct vmb_net_init, version, 8);
VMB_ASSERT_OFFSET(struct vmb_net_init, reserved, 12);

/* Capabilities (vmb_net_config.caps) */
#define VMB_NET_CAP_TX_CSUM	0x01	/* SEND may ask for CSUM_NEEDED */
#define VMB_NET_CAP_RX_CSUM	0x02	/* RECV may say CSUM_VALID */
#define VMB_NET_CAP_TSO4	0x04	/* SEND may carry GSO_TCPV4 */
#define VMB_NET_CAP_TSO6	0x08	/* SEND may carry GSO_TCPV6 */
#define VMB_NET_CAP_RX_GSO	0x10	/* RECV may carry GSO_TCPV4/6 frames */
#define VMB_NET_CAP_VLAN	0x20	/* the VLAN flag, both ways */
#define VMB_NET_CAP_RSS		0x40	/* RECV carries hashes; SET_RSS (1.1) */
#define VMB_NET_CAP_ALL		0x7f

/*
 * CONFIG: the guest states the capabilities it wants (caps) and the others
 * zero; the host answers with caps granted (those of the request it has),
 * the largest MTU it carries, the port's MAC address, the number of queues
 * it serves (1 at version 1.0) and the link state.  Once per open, before
 * ATTACH_BUFS; the answer holds until the channel is closed.
 */
struct vmb_net_config {
	struct vmb_net_hdr hdr;
	__le32 caps;			/* VMB_NET_CAP_* */
	__le32 mtu_max;			/* VMB_NET_MTU_MIN .. VMB_NET_MTU_MAX */
	__u8 mac[6];			/* unicast, not zero */
	__le16 max_queues;		/* 1 .. VMB_NET_QUEUES_MAX */
	__le32 link_up;			/* 1 up, 0 down */
	__le32 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_net_config, 32);
VMB_ASSERT_OFFSET(struct vmb_net_config, caps, 8);
VMB_ASSERT_OFFSET(struct vmb_net_config, mtu_max, 12);
VMB_ASSERT_OFFSET(struct vmb_net_config, mac, 16);
VMB_ASSERT_OFFSET(struct vmb_net_config, max_queues, 22);
VMB_ASSERT_OFFSET(struct vmb_net_config, link_up, 24);
VMB_ASSERT_OFFSET(struct vmb_net_config, reserved, 28);

/*
 * ATTACH_BUFS, on each channel once after it is opened: two GPADLs of this
 * channel, each cut into sections of section_size bytes (a multiple of 64,
 * SECTION_MIN .. SECTION_MAX).  The receive buffer must hold the largest
 * frame the host may send (mtu_max + L2_HLEN, or GSO_FRAME_MAX with RX_GSO);
 * the send buffer's sections hold frames the guest copies in.  Both stay
 * the host's to read (send) or write (receive) until the channel closes.
 */
struct vmb_net_bufs {
	struct vmb_net_hdr hdr;
	__le32 recv_gpadl;
	__le32 recv_section_size;
	__le32 recv_sections;		/* >= 1; times section size <= the GPADL */
	__le32 send_gpadl;
	__le32 send_section_size;
	__le32 send_sections;
};

VMB_ASSERT_SIZE(struct vmb_net_bufs, 32);
VMB_ASSERT_OFFSET(struct vmb_net_bufs, recv_gpadl, 8);
VMB_ASSERT_OFFSET(struct vmb_net_bufs, recv_section_size, 12);
VMB_ASSERT_OFFSET(struct vmb_net_bufs, recv_sections, 16);
VMB_ASSERT_OFFSET(struct vmb_net_bufs, send_gpadl, 20);
VMB_ASSERT_OFFSET(struct vmb_net_bufs, send_section_size, 24);
VMB_ASSERT_OFFSET(struct vmb_net_bufs, send_sections, 28);

/*
 * SUBCHANNELS (1.1): the guest will use count (1 .. max_queues - 1)
 * sub-channels; on OK it asks the bus for exactly that many.
 */
struct vmb_net_subchannels {
	struct vmb_net_hdr hdr;
	__le16 count;
	__le16 reserved0;		/* 0 */
	__le32 reserved1;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_net_subchannels, 16);
VMB_ASSERT_OFFSET(struct vmb_net_subchannels, count, 8);

/* Hash types: vmb_net_rss.hash_types (a mask), vmb_net_meta.hash_type (one) */
#define VMB_NET_HASH_IPV4	0x01	/* source and destination address */
#define VMB_NET_HASH_TCP_IPV4	0x02	/* addresses and ports */
#define VMB_NET_HASH_UDP_IPV4	0x04
#define VMB_NET_HASH_IPV6	0x08
#define VMB_NET_HASH_TCP_IPV6	0x10
#define VMB_NET_HASH_UDP_IPV6	0x20
#define VMB_NET_HASH_ALL	0x3f

/*
 * SET_RSS (1.1, with CAP_RSS): the host spreads received frames over the
 * queues by indir[hash % 128], hash being the Toeplitz hash with key over
 * the fields of the most specific of hash_types the frame has (0: every
 * frame to queue 0).  Each entry is a queue (0 the primary, n sub-channel
 * n) that has had ATTACH_BUFS.  Until the first SET_RSS everything arrives
 * on the primary.
 */
struct vmb_net_rss {
	struct vmb_net_hdr hdr;
	__le32 hash_types;		/* VMB_NET_HASH_* mask */
	__le32 reserved;		/* 0 */
	__u8 key[VMB_NET_RSS_KEY_LEN];
	__u8 indir[VMB_NET_RSS_INDIR_LEN];
};

VMB_ASSERT_SIZE(struct vmb_net_rss, 184);
VMB_ASSERT_OFFSET(struct vmb_net_rss, hash_types, 8);
VMB_ASSERT_OFFSET(struct vmb_net_rss, key, 16);
VMB_ASSERT_OFFSET(struct vmb_net_rss, indir, 56);

/* vmb_net_rx_filter.flags */
#define VMB_NET_RXF_UNICAST	0x01	/* frames to the port's MAC */
#define VMB_NET_RXF_BROADCAST	0x02
#define VMB_NET_RXF_MULTICAST	0x04	/* to an address in mc[] */
#define VMB_NET_RXF_ALLMULTI	0x08	/* to any multicast address */
#define VMB_NET_RXF_PROMISC	0x10	/* everything */
#define VMB_NET_RXF_ALL		0x1f

/*
 * SET_RX_FILTER: which frames the host delivers; 0 delivers none.  The
 * first one starts receive.  mc[] past mc_count is zero.
 */
struct vmb_net_rx_filter {
	struct vmb_net_hdr hdr;
	__le32 flags;			/* VMB_NET_RXF_* */
	__le32 mc_count;		/* 0 .. VMB_NET_MC_MAX */
	__u8 mc[VMB_NET_MC_MAX][6];	/* multicast (bit 0 of byte 0 set) */
};

VMB_ASSERT_SIZE(struct vmb_net_rx_filter, 208);
VMB_ASSERT_OFFSET(struct vmb_net_rx_filter, flags, 8);
VMB_ASSERT_OFFSET(struct vmb_net_rx_filter, mc_count, 12);
VMB_ASSERT_OFFSET(struct vmb_net_rx_filter, mc, 16);

/* SET_MAC: the port's unicast address from now on (for RXF_UNICAST). */
struct vmb_net_mac {
	struct vmb_net_hdr hdr;
	__u8 mac[6];			/* unicast, not zero */
	__le16 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_net_mac, 16);
VMB_ASSERT_OFFSET(struct vmb_net_mac, mac, 8);

/* vmb_net_meta.flags */
#define VMB_NET_M_CSUM_NEEDED	0x01	/* the L4 checksum is to be filled in */
#define VMB_NET_M_CSUM_VALID	0x02	/* RECV: every checksum was verified */
#define VMB_NET_M_VLAN		0x04	/* vlan_tci: insert (SEND), stripped (RECV) */
#define VMB_NET_M_HASH		0x08	/* RECV: hash and hash_type are valid */
#define VMB_NET_M_GSO_ECN	0x10	/* GSO: the TCP frame has CWR set */
#define VMB_NET_M_ALL		0x1f

/* vmb_net_meta.gso_type */
enum {
	VMB_NET_GSO_NONE	= 0,
	VMB_NET_GSO_TCPV4	= 1,
	VMB_NET_GSO_TCPV6	= 2,
};

/*
 * Per-frame metadata, in the spirit of virtio-net's header.  CSUM_NEEDED:
 * the ones' complement sum from csum_start to the frame's end goes at
 * csum_start + csum_offset (which holds the pseudo-header sum), with
 * csum_start + csum_offset + 2 <= len.  GSO: the frame is one TCP segment
 * of up to GSO_FRAME_MAX bytes to be cut into segments of gso_size payload
 * bytes behind hdr_len bytes of headers (hdr_len < len, gso_size >= 1,
 * CSUM_NEEDED set).  Without GSO a frame is at most the MTU plus L2_HLEN.
 */
struct vmb_net_meta {
	__le16 flags;			/* VMB_NET_M_* */
	__u8 gso_type;			/* VMB_NET_GSO_* */
	__u8 hash_type;			/* one VMB_NET_HASH_*, with M_HASH */
	__le16 gso_size;
	__le16 hdr_len;
	__le16 csum_start;
	__le16 csum_offset;
	__le16 vlan_tci;
	__le16 reserved0;		/* 0 */
	__le32 hash;
	__le32 reserved1;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_net_meta, 24);
VMB_ASSERT_OFFSET(struct vmb_net_meta, flags, 0);
VMB_ASSERT_OFFSET(struct vmb_net_meta, gso_type, 2);
VMB_ASSERT_OFFSET(struct vmb_net_meta, hash_type, 3);
VMB_ASSERT_OFFSET(struct vmb_net_meta, gso_size, 4);
VMB_ASSERT_OFFSET(struct vmb_net_meta, hdr_len, 6);
VMB_ASSERT_OFFSET(struct vmb_net_meta, csum_start, 8);
VMB_ASSERT_OFFSET(struct vmb_net_meta, csum_offset, 10);
VMB_ASSERT_OFFSET(struct vmb_net_meta, vlan_tci, 12);
VMB_ASSERT_OFFSET(struct vmb_net_meta, reserved0, 14);
VMB_ASSERT_OFFSET(struct vmb_net_meta, hash, 16);
VMB_ASSERT_OFFSET(struct vmb_net_meta, reserved1, 20);

/*
 * SEND: one Ethernet frame of len bytes (at least 14), either in send
 * section (len <= send_section_size; an INBAND packet) or, with section
 * VMB_NET_NO_SECTION, in the GPA_RANGE packet's ranges (len their total).
 * The host completes it once it no longer reads the frame: OK (forwarded,
 * or dropped because the link is down or the switch is full) or INVALID
 * (malformed: dropped and counted).
 */
struct vmb_net_send {
	struct vmb_net_hdr hdr;
	__le32 section;
	__le32 len;
	struct vmb_net_meta meta;
};

VMB_ASSERT_SIZE(struct vmb_net_send, 40);
VMB_ASSERT_OFFSET(struct vmb_net_send, section, 8);
VMB_ASSERT_OFFSET(struct vmb_net_send, len, 12);
VMB_ASSERT_OFFSET(struct vmb_net_send, meta, 16);

/*
 * One received frame: len bytes (at least 14) from the start of the
 * receive section numbered by section, running on through the sections
 * after it, all of them inside the receive buffer.
 */
struct vmb_net_rx_desc {
	__le32 section;
	__le32 len;
	struct vmb_net_meta meta;
};

VMB_ASSERT_SIZE(struct vmb_net_rx_desc, 32);
VMB_ASSERT_OFFSET(struct vmb_net_rx_desc, section, 0);
VMB_ASSERT_OFFSET(struct vmb_net_rx_desc, len, 4);
VMB_ASSERT_OFFSET(struct vmb_net_rx_desc, meta, 8);

/*
 * RECV: count (1 .. RECV_MAX) frames, the payload exactly this struct and
 * count descriptors; no two frames of one RECV, nor of RECVs not yet
 * completed, share a section.  The guest's COMPLETION (a vmb_net_hdr, type
 * RECV, status OK) gives all their sections back.
 */
struct vmb_net_recv {
	struct vmb_net_hdr hdr;
	__le32 count;
	__le32 reserved;		/* 0 */
	struct vmb_net_rx_desc desc[];
};

VMB_ASSERT_SIZE(struct vmb_net_recv, 16);
VMB_ASSERT_OFFSET(struct vmb_net_recv, count, 8);
VMB_ASSERT_OFFSET(struct vmb_net_recv, desc, 16);

/* LINK_STATUS: the port's link went up or down. */
struct vmb_net_link {
	struct vmb_net_hdr hdr;
	__le32 link_up;			/* 1 up, 0 down */
	__le32 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_net_link, 16);
VMB_ASSERT_OFFSET(struct vmb_net_link, link_up, 8);

#endif /* VMB_NET_H */
