/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ring buffer mechanics, guest side.  Depends on nothing but a few basic
 * kernel headers, so tests/unit builds ring.c in userspace.
 */
#ifndef _VMBUS_RING_H
#define _VMBUS_RING_H

#include <linux/types.h>

#include "vmb_pkt.h"
#include "vmb_protocol.h"

struct kvec;

/* The largest packet len8 can describe: descriptor, payload, padding. */
#define VMB_RING_PKT_MAX	(0xffffU * 8)

/*
 * One direction of a channel.  A ring has no lock of its own: the caller
 * serialises vmb_ring_write() calls (vmbus.ko: under the channel's
 * out_lock) and vmb_ring_read() calls (vmbus.ko: only from the channel's
 * tasklet).  @index is stored with WRITE_ONCE(), so vmb_ring_space() and
 * vmb_ring_used() may run beside the one who moves it.
 */
struct vmb_ring {
	struct vmb_ring_hdr *hdr;
	u8 *data;
	u32 size;		/* data bytes, a power of two */
	u32 index;		/* our own: write (outbound) or read (inbound) */
};

void vmb_ring_init(struct vmb_ring *r, void *base, u32 bytes);
int vmb_ring_write(struct vmb_ring *r, const struct kvec *kv, unsigned int n,
		   u32 total, bool *signal);
int vmb_ring_bufs_hdr_len(const struct vmb_chan_buf *bufs, u32 nr,
			  u32 *hdr_len);
int vmb_ring_write_bufs(struct vmb_ring *r, u64 trans_id,
			const struct vmb_chan_buf *bufs, u32 nr, u32 hdr_len,
			const void *data, u32 len, bool *signal);
bool vmb_ring_want_space(struct vmb_ring *r, u32 need);
int vmb_ring_read(struct vmb_ring *r, struct vmb_pkt *pkt, void *buf,
		  u32 buflen);
u32 vmb_ring_space(const struct vmb_ring *r);
u32 vmb_ring_used(const struct vmb_ring *r, bool outbound);
bool vmb_ring_empty(const struct vmb_ring *r);
bool vmb_ring_should_signal_writer(const struct vmb_ring *r);
void vmb_ring_mask(struct vmb_ring *r);
bool vmb_ring_unmask(struct vmb_ring *r);

#endif /* _VMBUS_RING_H */
