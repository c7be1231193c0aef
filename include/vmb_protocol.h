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

/*
 * The interface region: BAR2 of the ivshmem-doorbell device, created by the
 * host.  Its layout is fixed by the ABI major version.
 *
 *   0x0000  struct vmb_if_header             (signature, ABI, host facts)
 *   0x1000  struct vmb_msgq_ctl              host-to-guest message queue
 *   0x2000  VMB_MSGQ_SLOTS x struct vmb_msg  ...its slots
 *   0x6000  struct vmb_msgq_ctl              guest-to-host message queue
 *   0x7000  VMB_MSGQ_SLOTS x struct vmb_msg  ...its slots
 *   0xb000  host-to-guest event flags        (reserved for the channel layer)
 *   0xc000  guest-to-host event flags        (reserved for the channel layer)
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

struct vmb_msg {
	__le32 type;		/* enum vmb_msg_type */
	__le32 len;		/* payload bytes, <= VMB_MSG_MAX_PAYLOAD */
	__u8 payload[VMB_MSG_MAX_PAYLOAD];
};

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
	VMB_MSG_TYPE_COUNT
};

struct vmb_msg_initiate_contact {
	__le32 version_min;	/* lowest protocol version the guest speaks */
	__le32 version_max;	/* highest */
	__le32 nr_vcpus;	/* guest's possible vCPUs, informational */
	__le32 reserved;
};

enum vmb_status {
	VMB_STATUS_OK			= 0,
	VMB_STATUS_NO_COMMON_VERSION	= 1,
};

struct vmb_msg_version_response {
	__le32 status;		/* enum vmb_status */
	__le32 version;		/* chosen version when status is OK */
	__le32 host_version_min;
	__le32 host_version_max;
};

/* struct vmb_msg_request_offers has no payload. */

#define VMB_GUID_LEN		16

/*
 * GUIDs travel in the layout of the kernel's guid_t: the first three fields
 * little-endian, the last eight bytes as written.
 */
struct vmb_msg_offer {
	__u8 class_id[VMB_GUID_LEN];	/* device class */
	__u8 instance_id[VMB_GUID_LEN];	/* this device, unique per host */
	__le32 relid;
	__le16 sub_index;		/* 0: primary channel */
	__le16 flags;			/* none defined; must be 0 */
	__le32 reserved[2];
};

/* struct vmb_msg_all_offers_delivered has no payload. */

struct vmb_msg_rescind {
	__le32 relid;
};

struct vmb_msg_relid_released {
	__le32 relid;
};

/* UNLOAD and UNLOAD_RESPONSE have no payload. */

/*
 * Device classes.  Our own GUIDs, deliberately not Hyper-V's, so the in-tree
 * hv drivers and udev rules never mistake our devices for theirs.
 */
#define VMB_CLASS_TEST_STR	"f9eaf8b6-089b-4cdb-a72c-2776d8c17983"

#ifdef __KERNEL__
#define VMB_CLASS_TEST		GUID_INIT(0xf9eaf8b6, 0x089b, 0x4cdb, 0xa7, 0x2c, \
					  0x27, 0x76, 0xd8, 0xc1, 0x79, 0x83)
#endif

#endif /* VMB_PROTOCOL_H */
