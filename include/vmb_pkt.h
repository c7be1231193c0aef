/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A packet as a client driver receives it (descriptor fields and payload
 * length); see docs/protocol.md for the wire format.  Kept apart from vmb.h
 * so the ring code builds in userspace for its unit tests.
 */
#ifndef _VMB_PKT_H
#define _VMB_PKT_H

#include <linux/types.h>

struct vmb_pkt {
	__u16 type;		/* VMB_PKT_* */
	__u16 flags;
	__u64 trans_id;
	__u32 len;		/* payload bytes copied (a multiple of 8) */
};

#endif /* _VMB_PKT_H */
