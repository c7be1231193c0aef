/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The integration services (docs/protocol.md, "The integration services"):
 * heartbeat, shutdown, time sync and key-value exchange, each a device class
 * of its own with its own channel, so that a guest runs any subset and a
 * host offers any subset.  One message framework serves them all.
 *
 * Every message is one struct vmb_util_hdr followed by hdr.len bytes of the
 * type's body, little-endian, in the payload of a ring packet:
 *
 *   host -> guest  INBAND with VMB_PKT_F_COMPLETION_REQUESTED and a trans_id
 *                  of the host's choosing (a request)
 *   guest -> host  COMPLETION with that trans_id: the request's header with
 *                  status filled in, then the answer's body (if any)
 *
 * The host speaks first, every time the guest opens the channel: NEGOTIATE,
 * offering the service versions it speaks; the guest answers with the
 * highest it speaks too (hdr.version), or UNSUPPORTED.  Every later request
 * carries that version in hdr.version.  A request before a successful
 * NEGOTIATE, or with another version, is answered BAD_STATE / UNSUPPORTED
 * and not carried out.
 */
#ifndef VMB_UTIL_H
#define VMB_UTIL_H

#include "vmb_protocol.h"

/* 0f0adf4d-0318-4c03-8a30-36aa3abd67e8 */
#define VMB_CLASS_HEARTBEAT_GUID(m) \
	m(0f0adf4d, 0318, 4c03, 8a, 30, 36, aa, 3a, bd, 67, e8)
VMB_CLASS_HEARTBEAT_GUID(VMB_GUID_CHECK);
/* 86cae51a-45dc-467f-be38-d4e1090986a5 */
#define VMB_CLASS_SHUTDOWN_GUID(m) \
	m(86cae51a, 45dc, 467f, be, 38, d4, e1, 09, 09, 86, a5)
VMB_CLASS_SHUTDOWN_GUID(VMB_GUID_CHECK);
/* 17939b9c-ef4f-4422-a1a7-488b17864edd */
#define VMB_CLASS_TIMESYNC_GUID(m) \
	m(17939b9c, ef4f, 4422, a1, a7, 48, 8b, 17, 86, 4e, dd)
VMB_CLASS_TIMESYNC_GUID(VMB_GUID_CHECK);
/* cb17cd52-a8f3-42c4-9d3d-dff21b82e422 */
#define VMB_CLASS_KVP_GUID(m) \
	m(cb17cd52, a8f3, 42c4, 9d, 3d, df, f2, 1b, 82, e4, 22)
VMB_CLASS_KVP_GUID(VMB_GUID_CHECK);

#define VMB_CLASS_HEARTBEAT_STR		VMB_CLASS_HEARTBEAT_GUID(VMB_GUID_STR)
#define VMB_CLASS_HEARTBEAT_BYTES	VMB_CLASS_HEARTBEAT_GUID(VMB_GUID_BYTES)
#define VMB_CLASS_SHUTDOWN_STR		VMB_CLASS_SHUTDOWN_GUID(VMB_GUID_STR)
#define VMB_CLASS_SHUTDOWN_BYTES	VMB_CLASS_SHUTDOWN_GUID(VMB_GUID_BYTES)
#define VMB_CLASS_TIMESYNC_STR		VMB_CLASS_TIMESYNC_GUID(VMB_GUID_STR)
#define VMB_CLASS_TIMESYNC_BYTES	VMB_CLASS_TIMESYNC_GUID(VMB_GUID_BYTES)
#define VMB_CLASS_KVP_STR		VMB_CLASS_KVP_GUID(VMB_GUID_STR)
#define VMB_CLASS_KVP_BYTES		VMB_CLASS_KVP_GUID(VMB_GUID_BYTES)
#ifdef __KERNEL__
#define VMB_CLASS_HEARTBEAT	VMB_CLASS_HEARTBEAT_GUID(VMB_GUID_INIT)
#define VMB_CLASS_SHUTDOWN	VMB_CLASS_SHUTDOWN_GUID(VMB_GUID_INIT)
#define VMB_CLASS_TIMESYNC	VMB_CLASS_TIMESYNC_GUID(VMB_GUID_INIT)
#define VMB_CLASS_KVP		VMB_CLASS_KVP_GUID(VMB_GUID_INIT)
#endif

/* A service's version: major << 8 | minor.  0 is no version. */
#define VMB_UTIL_VERSION(major, minor)	((major) << 8 | (minor))
#define VMB_UTIL_VERSION_1_0		VMB_UTIL_VERSION(1, 0)

/* Room a ring must leave a message: the largest is KVP's. */
#define VMB_UTIL_MSG_MAX	4096

/* vmb_util_hdr.type: NEGOTIATE for every service, then the service's own. */
enum {
	VMB_UTIL_NEGOTIATE		= 0,	/* vmb_util_negotiate */
	VMB_UTIL_HEARTBEAT		= 1,	/* heartbeat: vmb_util_heartbeat */
	VMB_UTIL_SHUTDOWN		= 1,	/* shutdown: vmb_util_shutdown */
	VMB_UTIL_TIME_SAMPLE		= 1,	/* time sync: vmb_util_time_sample */
	VMB_UTIL_KVP_SET		= 1,	/* kvp: vmb_util_kvp, host's pool */
	VMB_UTIL_KVP_GET		= 2,	/* kvp: vmb_util_kvp, by key */
	VMB_UTIL_KVP_DELETE		= 3,	/* kvp: vmb_util_kvp, by key */
	VMB_UTIL_KVP_ENUMERATE		= 4,	/* kvp: vmb_util_kvp, by index */
};

/*
 * vmb_util_hdr.status: 0 in every request; in an answer, whether the
 * request was carried out.  Anything but OK: it was not, and nothing
 * changed.
 */
enum {
	VMB_UTIL_S_OK			= 0,
	VMB_UTIL_S_UNSUPPORTED		= 1,	/* no common version; another version */
	VMB_UTIL_S_INVALID		= 2,	/* malformed: length, field, string */
	VMB_UTIL_S_BAD_STATE		= 3,	/* before NEGOTIATE; shutting down */
	VMB_UTIL_S_UNKNOWN_TYPE		= 4,	/* not a type of this service */
	VMB_UTIL_S_REFUSED		= 5,	/* well formed, but not taken (a stale sample) */
	VMB_UTIL_S_NOT_FOUND		= 6,	/* kvp: no such key or index */
	VMB_UTIL_S_FAILED		= 7,	/* the guest could not (no kvp daemon, no room) */
};

struct vmb_util_hdr {
	__le16 type;			/* VMB_UTIL_* */
	__le16 version;			/* negotiated; 0 in NEGOTIATE's request */
	__le16 status;			/* VMB_UTIL_S_*; 0 in requests */
	__le16 len;			/* body bytes after the header */
	__le32 seq;			/* the host's count of its requests; echoed */
	__le32 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_util_hdr, 16);
VMB_ASSERT_OFFSET(struct vmb_util_hdr, type, 0);
VMB_ASSERT_OFFSET(struct vmb_util_hdr, version, 2);
VMB_ASSERT_OFFSET(struct vmb_util_hdr, status, 4);
VMB_ASSERT_OFFSET(struct vmb_util_hdr, len, 6);
VMB_ASSERT_OFFSET(struct vmb_util_hdr, seq, 8);

/*
 * NEGOTIATE's request body: the versions the host speaks for this service,
 * any order.  The answer has no body; hdr.version is the guest's choice.
 */
#define VMB_UTIL_VERSIONS_MAX	8

struct vmb_util_negotiate {
	__le16 count;			/* 1 .. VMB_UTIL_VERSIONS_MAX */
	__le16 reserved;
	__le16 versions[VMB_UTIL_VERSIONS_MAX];	/* the first count are used */
};

VMB_ASSERT_SIZE(struct vmb_util_negotiate, 20);
VMB_ASSERT_OFFSET(struct vmb_util_negotiate, versions, 4);

/*
 * Heartbeat 1.0: the host sends HEARTBEAT every few seconds; the guest
 * answers with the same body, proving its driver runs.  A host that gets no
 * answer for a while calls the guest unresponsive.
 */
struct vmb_util_heartbeat {
	__le64 sequence;		/* the host's; the answer echoes it */
};

VMB_ASSERT_SIZE(struct vmb_util_heartbeat, 8);

/*
 * Shutdown 1.0: the host asks for an orderly poweroff or reboot through the
 * guest's own init; the answer (OK, or why not) comes before it starts.
 */
enum {
	VMB_UTIL_SHUTDOWN_POWEROFF	= 1,
	VMB_UTIL_SHUTDOWN_REBOOT	= 2,
};

#define VMB_UTIL_REASON_MAX	128	/* bytes, NUL included */

struct vmb_util_shutdown {
	__le32 action;			/* VMB_UTIL_SHUTDOWN_* */
	__le32 reserved;		/* 0 */
	char reason[VMB_UTIL_REASON_MAX];	/* printable, NUL-terminated */
};

VMB_ASSERT_SIZE(struct vmb_util_shutdown, 136);
VMB_ASSERT_OFFSET(struct vmb_util_shutdown, reason, 8);

/*
 * Time sync 1.0: the host sends samples of its wall clock, every few
 * seconds and at once after events that leave the guest's clock behind
 * (the VM resumed after a pause).  host_ns is the host's CLOCK_REALTIME
 * when it was read; age_ns how long before sending (the host's monotonic
 * clock), so the guest knows the host time at the moment it receives the
 * sample: host_ns + age_ns.  A guest refuses samples older than its limit
 * (REFUSED).  SYNC asks the guest to step its own clock to the sample now
 * rather than leave it to a time daemon.
 */
#define VMB_UTIL_TIME_F_SYNC	0x1

struct vmb_util_time_sample {
	__le64 host_ns;			/* CLOCK_REALTIME, ns since the epoch */
	__le64 age_ns;			/* read this long before it was sent */
	__le32 flags;			/* VMB_UTIL_TIME_F_* */
	__le32 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_util_time_sample, 24);
VMB_ASSERT_OFFSET(struct vmb_util_time_sample, age_ns, 8);
VMB_ASSERT_OFFSET(struct vmb_util_time_sample, flags, 16);

/*
 * Key-value exchange 1.0: pools of string pairs.  The host writes its own
 * pool (HOST: SET, DELETE) and reads every pool (GET by key, ENUMERATE by
 * index); the guest's daemon owns the others (GUEST: what the guest's admin
 * publishes; AUTO: what the daemon publishes itself, such as the guest's
 * addresses).  key_len and value_len count the bytes before the NUL, which
 * must follow them; the rest of each field is 0.  In an answer the struct
 * comes back with the value (GET, ENUMERATE: and the key) filled in.
 */
enum {
	VMB_UTIL_KVP_POOL_HOST		= 0,
	VMB_UTIL_KVP_POOL_GUEST		= 1,
	VMB_UTIL_KVP_POOL_AUTO		= 2,
	VMB_UTIL_KVP_POOLS		= 3,
};

#define VMB_UTIL_KVP_KEY_MAX	512	/* bytes, NUL included */
#define VMB_UTIL_KVP_VALUE_MAX	2048	/* bytes, NUL included */

struct vmb_util_kvp {
	__u8 pool;			/* VMB_UTIL_KVP_POOL_* */
	__u8 reserved[3];		/* 0 */
	__le32 index;			/* ENUMERATE: 0, 1, ... until NOT_FOUND */
	__le16 key_len;
	__le16 value_len;
	__le32 reserved2;		/* 0 */
	char key[VMB_UTIL_KVP_KEY_MAX];
	char value[VMB_UTIL_KVP_VALUE_MAX];
};

VMB_ASSERT_SIZE(struct vmb_util_kvp, 2576);
VMB_ASSERT_OFFSET(struct vmb_util_kvp, index, 4);
VMB_ASSERT_OFFSET(struct vmb_util_kvp, key_len, 8);
VMB_ASSERT_OFFSET(struct vmb_util_kvp, key, 16);
VMB_ASSERT_OFFSET(struct vmb_util_kvp, value, 528);

#endif /* VMB_UTIL_H */
