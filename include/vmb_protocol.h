/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Wire protocol between the guest (vmbus.ko and its client drivers) and the
 * host (vmbusd).  Defined once, used by both sides; docs/protocol.md is the
 * prose description and must be kept in step with this file.
 *
 * Everything here is little-endian on the wire.  Both sides treat every field
 * written by the other side as hostile until checked.
 */
#ifndef VMB_PROTOCOL_H
#define VMB_PROTOCOL_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/uuid.h>
#endif

#include "vmb_layout.h"

/*
 * The interface region: BAR2 of the ivshmem-doorbell device, created by the
 * host.  Its layout is fixed by the ABI major version.
 *
 *   0x0000  struct vmb_if_header             (signature, ABI, host facts)
 *   0x1000  struct vmb_msgq_ctl              host-to-guest message queue
 *   0x2000  VMB_MSGQ_SLOTS x struct vmb_msg  ...its slots
 *   0x6000  struct vmb_msgq_ctl              guest-to-host message queue
 *   0x7000  VMB_MSGQ_SLOTS x struct vmb_msg  ...its slots
 *   0xb000  host-to-guest event flags: VMB_MAX_RELID bits per channel
 *           vector, vector v (1..VMB_MAX_CHAN_VECTORS) at
 *           VMB_IF_H2G_EVENTS_OFF + (v - 1) * VMB_EVENT_BITMAP_SIZE
 *   0xc000  guest-to-host event flags: VMB_MAX_RELID bits
 *   0xd000  reserved, zero
 */
#define VMB_IF_SIGNATURE	"VMBUSIF1"
#define VMB_IF_SIGNATURE_LEN	8
#define VMB_IF_ABI_MAJOR	1
#define VMB_IF_ABI_MINOR	0
#define VMB_IF_SIZE		0x10000

#define VMB_IF_H2G_CTL_OFF	0x1000
#define VMB_IF_H2G_SLOTS_OFF	0x2000
#define VMB_IF_G2H_CTL_OFF	0x6000
#define VMB_IF_G2H_SLOTS_OFF	0x7000
#define VMB_IF_H2G_EVENTS_OFF	0xb000
#define VMB_IF_G2H_EVENTS_OFF	0xc000

/* Relids are 1 .. VMB_MAX_RELID - 1; 0 is never a channel. */
#define VMB_MAX_RELID		2048

/* Doorbell/interrupt vector carrying channel-management messages. */
#define VMB_VECTOR_MSG		0
/*
 * Channel events.  Guest to host: set the channel's bit in the guest-to-host
 * bitmap, ring VMB_VECTOR_CHANNEL.  Host to guest: set the bit in the bitmap
 * of the channel's vector (1 + its target vCPU's index), raise that vector.
 * The receiver clears the bits it handles (atomic test-and-clear).
 */
#define VMB_VECTOR_CHANNEL	1
#define VMB_MAX_CHAN_VECTORS	16
#define VMB_EVENT_BITMAP_SIZE	(VMB_MAX_RELID / 8)
/* The host offers at most this many vectors; the guest uses what it gets. */
#define VMB_MAX_VECTORS		64

struct vmb_if_header {
	__u8 signature[VMB_IF_SIGNATURE_LEN];
	__le16 abi_major;
	__le16 abi_minor;
	__le32 region_size;	/* bytes, >= VMB_IF_SIZE */
	__le32 host_peer_id;	/* ivshmem peer id to ring in the Doorbell */
	__le32 nr_vectors;	/* vectors per peer */
	__le32 reserved[10];
};

VMB_ASSERT_SIZE(struct vmb_if_header, 64);
VMB_ASSERT_OFFSET(struct vmb_if_header, signature, 0);
VMB_ASSERT_OFFSET(struct vmb_if_header, abi_major, 8);
VMB_ASSERT_OFFSET(struct vmb_if_header, abi_minor, 10);
VMB_ASSERT_OFFSET(struct vmb_if_header, region_size, 12);
VMB_ASSERT_OFFSET(struct vmb_if_header, host_peer_id, 16);
VMB_ASSERT_OFFSET(struct vmb_if_header, nr_vectors, 20);
VMB_ASSERT_OFFSET(struct vmb_if_header, reserved, 24);

/*
 * A message queue: a single-producer, single-consumer ring of fixed-size
 * slots.  prod and cons are free-running counters; slot = counter %
 * VMB_MSGQ_SLOTS.  The producer writes the slot, then (release) prod; the
 * consumer reads prod (acquire), copies the slot out, then writes cons.
 * A producer that finds the queue full sets prod_waiting; a consumer that
 * frees slots while it is set rings the peer's VMB_VECTOR_MSG (and may clear
 * the flag).  Each side writes only its own counter, keeps its own copy of it
 * and never reads it back.  A (re)loaded guest adopts the counters it finds.
 * A consumer that sees prod - cons > VMB_MSGQ_SLOTS treats the queue as
 * corrupt: it reads no slot and resynchronises cons to prod.
 */
#define VMB_MSGQ_SLOTS		64
#define VMB_MSG_SIZE		256
#define VMB_MSG_MAX_PAYLOAD	(VMB_MSG_SIZE - 8)

struct vmb_msgq_ctl {
	__le32 prod;		/* written by the producer only */
	__le32 prod_waiting;	/* producer found the queue full */
	__u8 pad0[56];
	__le32 cons;		/* written by the consumer only */
	__u8 pad1[60];
};

VMB_ASSERT_SIZE(struct vmb_msgq_ctl, 128);
VMB_ASSERT_OFFSET(struct vmb_msgq_ctl, prod, 0);
VMB_ASSERT_OFFSET(struct vmb_msgq_ctl, prod_waiting, 4);
VMB_ASSERT_OFFSET(struct vmb_msgq_ctl, cons, 64);

struct vmb_msg {
	__le32 type;		/* enum vmb_msg_type */
	__le32 len;		/* payload bytes, <= VMB_MSG_MAX_PAYLOAD */
	__u8 payload[VMB_MSG_MAX_PAYLOAD];
};

VMB_ASSERT_SIZE(struct vmb_msg, VMB_MSG_SIZE);
VMB_ASSERT_OFFSET(struct vmb_msg, type, 0);
VMB_ASSERT_OFFSET(struct vmb_msg, len, 4);
VMB_ASSERT_OFFSET(struct vmb_msg, payload, 8);

/* The region's parts do not overlap, and the counters may wrap. */
static_assert(VMB_IF_H2G_SLOTS_OFF + VMB_MSGQ_SLOTS * VMB_MSG_SIZE <=
	      VMB_IF_G2H_CTL_OFF, "host-to-guest slots overlap");
static_assert(VMB_IF_G2H_SLOTS_OFF + VMB_MSGQ_SLOTS * VMB_MSG_SIZE <=
	      VMB_IF_H2G_EVENTS_OFF, "guest-to-host slots overlap");
static_assert(VMB_IF_H2G_EVENTS_OFF +
	      VMB_MAX_CHAN_VECTORS * VMB_EVENT_BITMAP_SIZE <=
	      VMB_IF_G2H_EVENTS_OFF, "event bitmaps overlap");
static_assert(VMB_IF_G2H_EVENTS_OFF + VMB_EVENT_BITMAP_SIZE <= VMB_IF_SIZE,
	      "event bitmaps beyond the region");
static_assert((VMB_IF_SIZE & (VMB_IF_SIZE - 1)) == 0,
	      "ivshmem BAR2 must be a power of two");
static_assert((VMB_MSGQ_SLOTS & (VMB_MSGQ_SLOTS - 1)) == 0,
	      "free-running counters need a power-of-two slot count");

/* Protocol versions: major << 16 | minor. */
#define VMB_VERSION(maj, min)	(((maj) << 16) | (min))
#define VMB_VERSION_MAJOR(v)	((v) >> 16)
#define VMB_VERSION_MINOR(v)	((v) & 0xffff)
#define VMB_VERSION_1_0		VMB_VERSION(1, 0)

/* Channel-management message types; numbers are stable once released. */
enum vmb_msg_type {
	VMB_MSG_INVALID			= 0,
	VMB_MSG_INITIATE_CONTACT	= 1,	/* guest -> host */
	VMB_MSG_VERSION_RESPONSE	= 2,	/* host -> guest */
	VMB_MSG_REQUEST_OFFERS		= 3,	/* guest -> host */
	VMB_MSG_OFFER			= 4,	/* host -> guest */
	VMB_MSG_ALL_OFFERS_DELIVERED	= 5,	/* host -> guest */
	VMB_MSG_RESCIND			= 6,	/* host -> guest */
	VMB_MSG_RELID_RELEASED		= 7,	/* guest -> host */
	VMB_MSG_UNLOAD			= 8,	/* guest -> host */
	VMB_MSG_UNLOAD_RESPONSE		= 9,	/* host -> guest */
	VMB_MSG_GPADL_HEADER		= 10,	/* guest -> host */
	VMB_MSG_GPADL_BODY		= 11,	/* guest -> host */
	VMB_MSG_GPADL_CREATED		= 12,	/* host -> guest */
	VMB_MSG_GPADL_TEARDOWN		= 13,	/* guest -> host */
	VMB_MSG_GPADL_TORNDOWN		= 14,	/* host -> guest */
	VMB_MSG_OPEN_CHANNEL		= 15,	/* guest -> host */
	VMB_MSG_OPEN_RESULT		= 16,	/* host -> guest */
	VMB_MSG_CLOSE_CHANNEL		= 17,	/* guest -> host */
	VMB_MSG_MODIFY_CHANNEL		= 18,	/* guest -> host */
	VMB_MSG_MODIFY_RESULT		= 19,	/* host -> guest */
	VMB_MSG_REQUEST_SUBCHANNELS	= 20,	/* guest -> host */
	VMB_MSG_TYPE_COUNT
};

struct vmb_msg_initiate_contact {
	__le32 version_min;	/* lowest protocol version the guest speaks */
	__le32 version_max;	/* highest */
	__le32 nr_vcpus;	/* guest's possible vCPUs, informational */
	__le32 reserved;
};

VMB_ASSERT_SIZE(struct vmb_msg_initiate_contact, 16);
VMB_ASSERT_OFFSET(struct vmb_msg_initiate_contact, version_min, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_initiate_contact, version_max, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_initiate_contact, nr_vcpus, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_initiate_contact, reserved, 12);

enum vmb_status {
	VMB_STATUS_OK			= 0,
	VMB_STATUS_NO_COMMON_VERSION	= 1,
	VMB_STATUS_INVALID		= 2,	/* a field is out of range */
	VMB_STATUS_NO_RESOURCES		= 3,	/* the host cannot take more */
	VMB_STATUS_BAD_GPA		= 4,	/* a frame outside guest RAM */
};

struct vmb_msg_version_response {
	__le32 status;		/* enum vmb_status */
	__le32 version;		/* chosen version when status is OK */
	__le32 host_version_min;
	__le32 host_version_max;
};

VMB_ASSERT_SIZE(struct vmb_msg_version_response, 16);
VMB_ASSERT_OFFSET(struct vmb_msg_version_response, status, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_version_response, version, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_version_response, host_version_min, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_version_response, host_version_max, 12);

/* struct vmb_msg_request_offers has no payload. */

#define VMB_GUID_LEN		16

/*
 * GUIDs travel in the layout of the kernel's guid_t: the first three fields
 * little-endian, the last eight bytes as written.
 *
 * Each GUID is written once, as a macro that hands the 11 fields of its text
 * form (lower-case hex, no 0x: 8, 4 and 4 digits, then 8 bytes of 2) to
 * another macro, e.g. in a class header
 *
 *   #define VMB_CLASS_FOO_GUID(m) \
 *	m(f9eaf8b6, 089b, 4cdb, a7, 2c, 27, 76, d8, c1, 79, 83)
 *
 * from which every form is generated, so they cannot disagree:
 *
 *   VMB_CLASS_FOO_GUID(VMB_GUID_STR)    "f9eaf8b6-089b-4cdb-a72c-2776d8c17983"
 *   VMB_CLASS_FOO_GUID(VMB_GUID_BYTES)  { 0xb6, 0xf8, ... } (wire order)
 *   VMB_CLASS_FOO_GUID(VMB_GUID_INIT)   GUID_INIT(0xf9eaf8b6, ...) (kernel)
 *   VMB_CLASS_FOO_GUID(VMB_GUID_CHECK); each field has its number of digits
 *
 * The fields are pasted and stringified, never macro-expanded.
 */
#define VMB_GUID_STR(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) \
	VMB_GUID_JOIN(#a "-" #b "-" #c "-" #d0 #d1 "-" #d2 #d3 #d4 #d5 #d6 #d7)
/* Only so that the string above is one expression: adjacent literals. */
#define VMB_GUID_JOIN(...)	__VA_ARGS__

#define VMB_GUID_BYTES(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) {	\
	(0x##a) & 0xff, ((0x##a) >> 8) & 0xff,				\
	((0x##a) >> 16) & 0xff, ((0x##a) >> 24) & 0xff,			\
	(0x##b) & 0xff, ((0x##b) >> 8) & 0xff,				\
	(0x##c) & 0xff, ((0x##c) >> 8) & 0xff,				\
	0x##d0, 0x##d1, 0x##d2, 0x##d3, 0x##d4, 0x##d5, 0x##d6, 0x##d7	\
}

#ifdef __KERNEL__
#define VMB_GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) \
	GUID_INIT(0x##a, 0x##b, 0x##c, 0x##d0, 0x##d1, 0x##d2, 0x##d3, \
		  0x##d4, 0x##d5, 0x##d6, 0x##d7)
#endif

#define VMB_GUID_CHECK(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)	\
	static_assert(sizeof(#a) == 9 && sizeof(#b) == 5 &&		\
		      sizeof(#c) == 5 && sizeof(#d0) == 3 &&		\
		      sizeof(#d1) == 3 && sizeof(#d2) == 3 &&		\
		      sizeof(#d3) == 3 && sizeof(#d4) == 3 &&		\
		      sizeof(#d5) == 3 && sizeof(#d6) == 3 &&		\
		      sizeof(#d7) == 3, "GUID fields: 8-4-4-2-2-2-2-2-2-2-2 digits")

struct vmb_msg_offer {
	__u8 class_id[VMB_GUID_LEN];	/* device class */
	__u8 instance_id[VMB_GUID_LEN];	/* this device, unique per host */
	__le32 relid;
	__le16 sub_index;		/* 0: primary channel */
	__le16 flags;			/* none defined; must be 0 */
	__le32 reserved[2];
};

VMB_ASSERT_SIZE(struct vmb_msg_offer, 48);
VMB_ASSERT_OFFSET(struct vmb_msg_offer, class_id, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_offer, instance_id, 16);
VMB_ASSERT_OFFSET(struct vmb_msg_offer, relid, 32);
VMB_ASSERT_OFFSET(struct vmb_msg_offer, sub_index, 36);
VMB_ASSERT_OFFSET(struct vmb_msg_offer, flags, 38);
VMB_ASSERT_OFFSET(struct vmb_msg_offer, reserved, 40);

/* struct vmb_msg_all_offers_delivered has no payload. */

struct vmb_msg_rescind {
	__le32 relid;
};

VMB_ASSERT_SIZE(struct vmb_msg_rescind, 4);

struct vmb_msg_relid_released {
	__le32 relid;
};

VMB_ASSERT_SIZE(struct vmb_msg_relid_released, 4);

/* UNLOAD and UNLOAD_RESPONSE have no payload. */

/*
 * GPADL: guest memory handed to the host, as a list of guest page frame
 * numbers (4 KiB pages).  GPADL_HEADER carries the total and the first
 * frames; GPADL_BODY messages carry the rest, in order.  When the host has
 * all nr_pages frames it answers GPADL_CREATED.  Ids are chosen by the guest,
 * nonzero, unique among its live GPADLs.
 */
#define VMB_PAGE_SIZE		4096
#define VMB_GPADL_MAX_PAGES	8192
#define VMB_GPADL_HEADER_PFNS	((VMB_MSG_MAX_PAYLOAD - 16) / 8)
#define VMB_GPADL_BODY_PFNS	((VMB_MSG_MAX_PAYLOAD - 8) / 8)

struct vmb_msg_gpadl_header {
	__le32 gpadl_id;
	__le32 relid;		/* the channel it belongs to */
	__le32 nr_pages;	/* 1 .. VMB_GPADL_MAX_PAGES, all messages */
	__le32 nr_pfns;		/* frames in this message */
	__le64 pfn[];		/* nr_pfns <= VMB_GPADL_HEADER_PFNS */
};

VMB_ASSERT_SIZE(struct vmb_msg_gpadl_header, 16);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_header, gpadl_id, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_header, relid, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_header, nr_pages, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_header, nr_pfns, 12);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_header, pfn, 16);
static_assert(sizeof(struct vmb_msg_gpadl_header) +
	      8 * VMB_GPADL_HEADER_PFNS <= VMB_MSG_MAX_PAYLOAD,
	      "a full GPADL_HEADER fits a message");

struct vmb_msg_gpadl_body {
	__le32 gpadl_id;
	__le32 nr_pfns;		/* frames in this message */
	__le64 pfn[];		/* nr_pfns <= VMB_GPADL_BODY_PFNS */
};

VMB_ASSERT_SIZE(struct vmb_msg_gpadl_body, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_body, gpadl_id, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_body, nr_pfns, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_body, pfn, 8);
static_assert(sizeof(struct vmb_msg_gpadl_body) +
	      8 * VMB_GPADL_BODY_PFNS <= VMB_MSG_MAX_PAYLOAD,
	      "a full GPADL_BODY fits a message");

struct vmb_msg_gpadl_created {
	__le32 gpadl_id;
	__le32 relid;
	__le32 status;		/* enum vmb_status */
};

VMB_ASSERT_SIZE(struct vmb_msg_gpadl_created, 12);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_created, gpadl_id, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_created, relid, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_created, status, 8);

struct vmb_msg_gpadl_teardown {
	__le32 gpadl_id;
	__le32 relid;
};

VMB_ASSERT_SIZE(struct vmb_msg_gpadl_teardown, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_teardown, gpadl_id, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_gpadl_teardown, relid, 4);

struct vmb_msg_gpadl_torndown {
	__le32 gpadl_id;
};

VMB_ASSERT_SIZE(struct vmb_msg_gpadl_torndown, 4);

/*
 * OPEN_CHANNEL: the ring GPADL holds the guest-to-host ring (pages
 * 0 .. in_ring_page - 1) then the host-to-guest ring (the rest).  Each ring
 * is a header page and a power-of-two number of data pages.
 */
struct vmb_msg_open_channel {
	__le32 relid;
	__le32 open_id;		/* echoed in OPEN_RESULT */
	__le32 ring_gpadl;
	__le32 in_ring_page;	/* first page of the host-to-guest ring */
	__le32 target_vcpu;	/* host signals vector 1 + target_vcpu */
	__le32 reserved;
};

VMB_ASSERT_SIZE(struct vmb_msg_open_channel, 24);
VMB_ASSERT_OFFSET(struct vmb_msg_open_channel, relid, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_open_channel, open_id, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_open_channel, ring_gpadl, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_open_channel, in_ring_page, 12);
VMB_ASSERT_OFFSET(struct vmb_msg_open_channel, target_vcpu, 16);
VMB_ASSERT_OFFSET(struct vmb_msg_open_channel, reserved, 20);

struct vmb_msg_open_result {
	__le32 relid;
	__le32 open_id;
	__le32 status;		/* enum vmb_status */
};

VMB_ASSERT_SIZE(struct vmb_msg_open_result, 12);
VMB_ASSERT_OFFSET(struct vmb_msg_open_result, relid, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_open_result, open_id, 4);
VMB_ASSERT_OFFSET(struct vmb_msg_open_result, status, 8);

/*
 * CLOSE_CHANNEL has no answer: the host stops touching the rings before it
 * handles the next message, so the guest's GPADL_TEARDOWN that follows is
 * answered only once the rings are no longer in use.
 */
struct vmb_msg_close_channel {
	__le32 relid;
};

VMB_ASSERT_SIZE(struct vmb_msg_close_channel, 4);

/*
 * MODIFY_CHANNEL: signal an open channel on another vCPU's vector from now
 * on (retarget).  Answered by MODIFY_RESULT, matched by relid.
 */
struct vmb_msg_modify_channel {
	__le32 relid;
	__le32 target_vcpu;
};

VMB_ASSERT_SIZE(struct vmb_msg_modify_channel, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_modify_channel, relid, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_modify_channel, target_vcpu, 4);

struct vmb_msg_modify_result {
	__le32 relid;
	__le32 status;		/* enum vmb_status */
};

VMB_ASSERT_SIZE(struct vmb_msg_modify_result, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_modify_result, relid, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_modify_result, status, 4);

/*
 * REQUEST_SUBCHANNELS: the guest asks for @count more channels of the open
 * primary channel @relid, for multi-queue.  The host answers with OFFERs of
 * the same class and instance whose sub_index is 1, 2, ... (each a channel of
 * its own: relid, rings, vCPU), or with nothing if it will not.  A primary
 * has at most VMB_MAX_SUBCHANNELS sub-channels; rescinding a primary first
 * rescinds its sub-channels.
 */
#define VMB_MAX_SUBCHANNELS	15

struct vmb_msg_request_subchannels {
	__le32 relid;
	__le32 count;
};

VMB_ASSERT_SIZE(struct vmb_msg_request_subchannels, 8);
VMB_ASSERT_OFFSET(struct vmb_msg_request_subchannels, relid, 0);
VMB_ASSERT_OFFSET(struct vmb_msg_request_subchannels, count, 4);
static_assert(VMB_MAX_SUBCHANNELS >= 1 && VMB_MAX_SUBCHANNELS <= 0xffff,
	      "sub_index is a __le16");

/*
 * Ring buffers.  Indices are byte offsets into the data area, always 8-byte
 * aligned and < data size; the ring is empty when read == write and never
 * allowed to become full (a writer leaves at least 8 bytes free).  The
 * producer owns write_index, the consumer read_index; each keeps its own
 * copy and reads the other's once per operation.
 */
struct vmb_ring_hdr {
	__le32 write_index;	/* producer */
	__le32 pad0[15];
	__le32 read_index;	/* consumer */
	__le32 pad1[15];
	__le32 interrupt_mask;	/* consumer: 1 = do not signal me */
	__le32 pending_send_sz;	/* producer: signal me when this much is free */
	__le32 feature_bits;	/* VMB_RING_F_*: none defined */
	__le32 pad2[13];
};

VMB_ASSERT_SIZE(struct vmb_ring_hdr, 192);
VMB_ASSERT_OFFSET(struct vmb_ring_hdr, write_index, 0);
VMB_ASSERT_OFFSET(struct vmb_ring_hdr, read_index, 64);
VMB_ASSERT_OFFSET(struct vmb_ring_hdr, interrupt_mask, 128);
VMB_ASSERT_OFFSET(struct vmb_ring_hdr, pending_send_sz, 132);
VMB_ASSERT_OFFSET(struct vmb_ring_hdr, feature_bits, 136);

/*
 * A packet: descriptor, payload, padding to 8 bytes, then a trailing le64
 * that holds the write index at which the packet started (for debugging and
 * for sanity checks by the reader).  len8 counts descriptor + payload +
 * padding in 8-byte units (the trailer is not counted); offset8 is where the
 * payload starts, from the descriptor, in 8-byte units (>= 2).
 */
enum vmb_pkt_type {
	VMB_PKT_INBAND		= 6,	/* payload only */
	VMB_PKT_GPA_RANGE	= 9,	/* struct vmb_gpa_range list, then payload */
	VMB_PKT_COMPLETION	= 11,	/* answers trans_id */
};

#define VMB_PKT_F_COMPLETION_REQUESTED	0x1

struct vmb_pkt_desc {
	__le16 type;
	__le16 offset8;
	__le16 len8;
	__le16 flags;
	__le64 trans_id;
};

VMB_ASSERT_SIZE(struct vmb_pkt_desc, 16);
VMB_ASSERT_OFFSET(struct vmb_pkt_desc, type, 0);
VMB_ASSERT_OFFSET(struct vmb_pkt_desc, offset8, 2);
VMB_ASSERT_OFFSET(struct vmb_pkt_desc, len8, 4);
VMB_ASSERT_OFFSET(struct vmb_pkt_desc, flags, 6);
VMB_ASSERT_OFFSET(struct vmb_pkt_desc, trans_id, 8);

/*
 * GPA-range packets: after the descriptor, a __le32 range count and a __le32
 * reserved word, then each range: byte_count, byte_offset (into its first
 * page) and DIV_ROUND_UP(byte_offset + byte_count, 4096) frame numbers.
 * The payload (offset8) follows the last range.
 */
struct vmb_gpa_range {
	__le32 byte_count;
	__le32 byte_offset;
	__le64 pfn[];
};

VMB_ASSERT_SIZE(struct vmb_gpa_range, 8);
VMB_ASSERT_OFFSET(struct vmb_gpa_range, byte_count, 0);
VMB_ASSERT_OFFSET(struct vmb_gpa_range, byte_offset, 4);
VMB_ASSERT_OFFSET(struct vmb_gpa_range, pfn, 8);

/*
 * Device classes have GUIDs of our own, deliberately not Hyper-V's, so the
 * in-tree hv drivers and udev rules never mistake our devices for theirs.
 * Each class has its own header, include/vmb_<class>.h: its GUID (see
 * VMB_GUID_STR above) and its packets' payloads.
 */

#endif /* VMB_PROTOCOL_H */
