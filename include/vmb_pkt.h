/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A packet as a client driver receives it (descriptor fields and payload
 * length); see docs/protocol.md for the wire format.  Kept apart from vmb.h
 * so the ring code builds in userspace for its unit tests.
 */
#ifndef _VMB_PKT_H
#define _VMB_PKT_H

#include <linux/types.h>

#include "vmb_layout.h"

struct vmb_pkt {
	__u16 type;		/* VMB_PKT_* */
	__u16 flags;
	__u64 trans_id;
	__u32 len;		/* payload bytes copied (a multiple of 8) */
};

/*
 * Not on the wire (the ring carries struct vmb_pkt_desc), but compiled both
 * into vmbus.ko and into the userspace test of the guest's ring code: both
 * must see the same struct.
 */
VMB_ASSERT_SIZE(struct vmb_pkt, 24);
VMB_ASSERT_OFFSET(struct vmb_pkt, type, 0);
VMB_ASSERT_OFFSET(struct vmb_pkt, flags, 2);
VMB_ASSERT_OFFSET(struct vmb_pkt, trans_id, 8);
VMB_ASSERT_OFFSET(struct vmb_pkt, len, 16);

/*
 * A buffer of a GPA_RANGE packet sent with vmb_chan_try_send_bufs(): one
 * range on the wire, byte_offset @offset and the DIV_ROUND_UP(offset + len,
 * PAGE_SIZE) consecutive frames from @pfn on.  Here, not in vmb.h, for the
 * same reason as struct vmb_pkt: the ring code lays the ranges out.
 */
struct vmb_chan_buf {
	__u64 pfn;		/* guest frame of the first byte */
	__u32 offset;		/* into that frame, < PAGE_SIZE */
	__u32 len;		/* bytes, physically contiguous from there on */
};

#define VMB_CHAN_BUFS_MAX	32

#endif /* _VMB_PKT_H */
