/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The storage device class (docs/protocol.md, "The storage device class"):
 * a SCSI controller with one target and up to max_luns logical units, the
 * host's disk images.  Every message is one struct vmb_stor_hdr followed by
 * the type's body, little-endian, in the payload of a ring packet:
 *
 *   guest -> host  INBAND (or GPA_RANGE for an SRB that moves data) with
 *                  VMB_PKT_F_COMPLETION_REQUESTED and a trans_id of the
 *                  guest's choosing
 *   host -> guest  COMPLETION with that trans_id, carrying the same struct
 *                  with status (and, for EXECUTE_SRB, the results) filled in;
 *                  or an unsolicited INBAND LUNS_CHANGED (trans_id 0)
 *
 * Init (primary channel only): BEGIN_INIT, QUERY_VERSION (walk down until
 * the host says OK), QUERY_PROPERTIES, optionally CREATE_SUBCHANNELS (then
 * the bus's REQUEST_SUBCHANNELS), END_INIT.  Then EXECUTE_SRB on any of the
 * device's channels, and from version 1.1 TASK_MANAGEMENT (abort one SRB,
 * or every SRB of a LUN, on the channel it is sent on).  Supports
 * sub-channels.
 */
#ifndef VMB_STORAGE_H
#define VMB_STORAGE_H

#include "vmb_protocol.h"

/* 8a5462b0-0636-41c5-a5ff-43190c65b6de */
#define VMB_CLASS_STORAGE_GUID(m) \
	m(8a5462b0, 0636, 41c5, a5, ff, 43, 19, 0c, 65, b6, de)
VMB_CLASS_STORAGE_GUID(VMB_GUID_CHECK);

#define VMB_CLASS_STORAGE_STR	VMB_CLASS_STORAGE_GUID(VMB_GUID_STR)
#define VMB_CLASS_STORAGE_BYTES	VMB_CLASS_STORAGE_GUID(VMB_GUID_BYTES)
#ifdef __KERNEL__
#define VMB_CLASS_STORAGE	VMB_CLASS_STORAGE_GUID(VMB_GUID_INIT)
#endif

/* Storage protocol versions, major << 16 | minor, negotiated by QUERY_VERSION. */
#define VMB_STOR_VERSION(major, minor)	((major) << 16 | (minor))
#define VMB_STOR_VERSION_1_0		VMB_STOR_VERSION(1, 0)
#define VMB_STOR_VERSION_1_1		VMB_STOR_VERSION(1, 1)	/* + TASK_MANAGEMENT */
#define VMB_STOR_VERSION_CURRENT	VMB_STOR_VERSION_1_1

/* Limits of version 1.0. */
#define VMB_STOR_CDB_MAX	16	/* bytes of CDB in an SRB */
#define VMB_STOR_SENSE_MAX	96	/* bytes of sense in an SRB */
#define VMB_STOR_LUNS_MAX	256	/* no host advertises more max_luns */

/* vmb_stor_hdr.type */
enum {
	VMB_STOR_BEGIN_INIT		= 1,	/* guest -> host, hdr only */
	VMB_STOR_QUERY_VERSION		= 2,	/* guest -> host, vmb_stor_version */
	VMB_STOR_QUERY_PROPERTIES	= 3,	/* guest -> host, vmb_stor_properties */
	VMB_STOR_CREATE_SUBCHANNELS	= 4,	/* guest -> host, vmb_stor_subchannels */
	VMB_STOR_END_INIT		= 5,	/* guest -> host, hdr only */
	VMB_STOR_EXECUTE_SRB		= 6,	/* guest -> host, vmb_stor_srb_msg */
	VMB_STOR_LUNS_CHANGED		= 7,	/* host -> guest, hdr only, INBAND */
	VMB_STOR_TASK_MANAGEMENT	= 8,	/* guest -> host, vmb_stor_task_mgmt; 1.1 */
};

/*
 * vmb_stor_hdr.status: 0 in every request; in a completion, whether the
 * request was carried out.  Anything but OK: nothing was executed, no guest
 * memory was touched, the host's state did not change.
 */
enum {
	VMB_STOR_S_OK			= 0,
	VMB_STOR_S_UNSUPPORTED_VERSION	= 1,	/* QUERY_VERSION: try a lower one */
	VMB_STOR_S_INVALID		= 2,	/* malformed: size, field, length */
	VMB_STOR_S_BAD_STATE		= 3,	/* out of the init sequence */
	VMB_STOR_S_BUSY			= 4,	/* queue_depth requests in flight */
};

struct vmb_stor_hdr {
	__le32 type;			/* VMB_STOR_* */
	__le32 status;			/* VMB_STOR_S_*; 0 in requests */
};

VMB_ASSERT_SIZE(struct vmb_stor_hdr, 8);
VMB_ASSERT_OFFSET(struct vmb_stor_hdr, type, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_hdr, status, 4);

/*
 * QUERY_VERSION: the guest proposes version; the host answers OK (that
 * version is in use from now on) or UNSUPPORTED_VERSION with version set to
 * the highest it speaks.
 */
struct vmb_stor_version {
	struct vmb_stor_hdr hdr;
	__le32 version;			/* VMB_STOR_VERSION(major, minor) */
	__le32 reserved;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_stor_version, 16);
VMB_ASSERT_OFFSET(struct vmb_stor_version, hdr, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_version, version, 8);
VMB_ASSERT_OFFSET(struct vmb_stor_version, reserved, 12);

/* vmb_stor_properties.flags */
#define VMB_STOR_F_UNMAP	0x1	/* UNMAP and WRITE SAME(16) UNMAP deallocate */
#define VMB_STOR_F_FUA		0x2	/* FUA writes are durable at completion */

/* QUERY_PROPERTIES: all zero in the request, filled in by the host. */
struct vmb_stor_properties {
	struct vmb_stor_hdr hdr;
	__le32 max_transfer_bytes;	/* largest SRB data_len; a multiple of 4096 */
	__le32 queue_depth;		/* SRBs in flight per channel, >= 1 */
	__le16 max_subchannels;		/* CREATE_SUBCHANNELS count limit, <= 15 */
	__le16 max_luns;		/* LUNs are 0 .. max_luns - 1, <= 256 */
	__le32 flags;			/* VMB_STOR_F_* */
};

VMB_ASSERT_SIZE(struct vmb_stor_properties, 24);
VMB_ASSERT_OFFSET(struct vmb_stor_properties, hdr, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_properties, max_transfer_bytes, 8);
VMB_ASSERT_OFFSET(struct vmb_stor_properties, queue_depth, 12);
VMB_ASSERT_OFFSET(struct vmb_stor_properties, max_subchannels, 16);
VMB_ASSERT_OFFSET(struct vmb_stor_properties, max_luns, 18);
VMB_ASSERT_OFFSET(struct vmb_stor_properties, flags, 20);

/*
 * CREATE_SUBCHANNELS: the guest will use count (1 .. max_subchannels)
 * sub-channels; on OK it asks the bus for exactly that many
 * (REQUEST_SUBCHANNELS on the primary).
 */
struct vmb_stor_subchannels {
	struct vmb_stor_hdr hdr;
	__le16 count;
	__le16 reserved0;		/* 0 */
	__le32 reserved1;		/* 0 */
};

VMB_ASSERT_SIZE(struct vmb_stor_subchannels, 16);
VMB_ASSERT_OFFSET(struct vmb_stor_subchannels, hdr, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_subchannels, count, 8);
VMB_ASSERT_OFFSET(struct vmb_stor_subchannels, reserved0, 10);
VMB_ASSERT_OFFSET(struct vmb_stor_subchannels, reserved1, 12);

/* vmb_stor_srb.data_dir */
enum {
	VMB_STOR_DIR_NONE	= 0,	/* INBAND packet, data_len 0 */
	VMB_STOR_DIR_READ	= 1,	/* device to guest: the host writes the ranges */
	VMB_STOR_DIR_WRITE	= 2,	/* guest to device: the host reads the ranges */
};

/* vmb_stor_srb.srb_status, in a completion whose hdr.status is OK */
enum {
	VMB_STOR_SRB_PENDING	= 0,	/* requests; completions that are not OK */
	VMB_STOR_SRB_SUCCESS	= 1,	/* scsi_status is GOOD */
	VMB_STOR_SRB_ERROR	= 2,	/* scsi_status is not GOOD; see sense */
};

/*
 * One SCSI request.  In the request, the guest fills lun .. cdb and
 * sense_len (its buffer), the rest 0.  In the completion the host echoes
 * lun, cdb_len, data_dir and cdb, and sets scsi_status (a SAM status byte:
 * 0x00 GOOD, 0x02 CHECK CONDITION, 0x08 BUSY), srb_status, sense_len (sense
 * bytes valid, <= the request's), sense (fixed format, 0x70) and data_len
 * (bytes actually moved, <= the request's; the residual is the difference).
 */
struct vmb_stor_srb {
	__le16 lun;			/* < max_luns */
	__u8 cdb_len;			/* 1 .. VMB_STOR_CDB_MAX */
	__u8 data_dir;			/* VMB_STOR_DIR_* */
	__u8 scsi_status;		/* completion; 0 in the request */
	__u8 srb_status;		/* completion; 0 in the request */
	__u8 sense_len;			/* request: room, <= 96; completion: valid */
	__u8 reserved0;			/* 0 */
	__le32 data_len;		/* request: bytes of the ranges; completion: moved */
	__le32 reserved1;		/* 0 */
	__u8 cdb[VMB_STOR_CDB_MAX];	/* bytes past cdb_len are 0 */
	__u8 sense[VMB_STOR_SENSE_MAX];	/* 0 in the request */
};

VMB_ASSERT_SIZE(struct vmb_stor_srb, 128);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, lun, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, cdb_len, 2);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, data_dir, 3);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, scsi_status, 4);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, srb_status, 5);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, sense_len, 6);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, reserved0, 7);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, data_len, 8);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, reserved1, 12);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, cdb, 16);
VMB_ASSERT_OFFSET(struct vmb_stor_srb, sense, 32);

/*
 * EXECUTE_SRB: INBAND if data_dir is NONE, else a GPA_RANGE packet whose
 * ranges (in order) are the data buffer, data_len bytes in all, and whose
 * in-band part is this struct.
 */
struct vmb_stor_srb_msg {
	struct vmb_stor_hdr hdr;
	struct vmb_stor_srb srb;
};

VMB_ASSERT_SIZE(struct vmb_stor_srb_msg, 136);
VMB_ASSERT_OFFSET(struct vmb_stor_srb_msg, hdr, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_srb_msg, srb, 8);

/* vmb_stor_task_mgmt.function */
enum {
	VMB_STOR_TM_ABORT_TASK	= 1,	/* the SRB whose trans_id is tag, of lun */
	VMB_STOR_TM_LUN_RESET	= 2,	/* every SRB of lun; tag 0 */
};

/* vmb_stor_task_mgmt.response, in a completion whose hdr.status is OK */
enum {
	VMB_STOR_TMR_NONE	= 0,	/* requests; completions that are not OK */
	VMB_STOR_TMR_ABORTED	= 1,	/* count SRBs stopped; none was completed */
	VMB_STOR_TMR_NOT_FOUND	= 2,	/* the host held no such SRB */
	VMB_STOR_TMR_COMPLETED	= 3,	/* finished instead; completions came first */
};

/*
 * TASK_MANAGEMENT (version 1.1): always INBAND.  It concerns only SRBs sent
 * on the channel it is sent on.  When the host answers it (with any
 * response), it holds none of the SRBs it names: those it had are either
 * stopped, never to be completed (ABORTED), or finished, their completions
 * written to the ring before this answer (COMPLETED); it does not touch
 * their memory again.  NOT_FOUND: it held none (never received, dropped,
 * or already completed, again before this answer).  In the request the
 * guest fills function, lun and tag, the rest 0; the host echoes them and
 * sets response and count (the SRBs stopped or finished).
 */
struct vmb_stor_task_mgmt {
	struct vmb_stor_hdr hdr;
	__u8 function;			/* VMB_STOR_TM_* */
	__u8 response;			/* completion: VMB_STOR_TMR_*; 0 in the request */
	__le16 lun;			/* < max_luns */
	__le32 count;			/* completion: SRBs concerned; 0 in the request */
	__le64 tag;			/* ABORT_TASK: the SRB's trans_id; else 0 */
};

VMB_ASSERT_SIZE(struct vmb_stor_task_mgmt, 24);
VMB_ASSERT_OFFSET(struct vmb_stor_task_mgmt, hdr, 0);
VMB_ASSERT_OFFSET(struct vmb_stor_task_mgmt, function, 8);
VMB_ASSERT_OFFSET(struct vmb_stor_task_mgmt, response, 9);
VMB_ASSERT_OFFSET(struct vmb_stor_task_mgmt, lun, 10);
VMB_ASSERT_OFFSET(struct vmb_stor_task_mgmt, count, 12);
VMB_ASSERT_OFFSET(struct vmb_stor_task_mgmt, tag, 16);

#endif /* VMB_STORAGE_H */
