// SPDX-License-Identifier: GPL-2.0
/*
 * Ring buffer mechanics, guest side (layout in include/vmb_protocol.h).
 *
 * Security model: the host writes the other index and the packets at any
 * time.  Each operation reads the host's index once and checks it (aligned,
 * inside the data area); a packet's descriptor is copied out and checked
 * against the bytes the host has published before the rest is copied; the
 * caller only ever sees the copy.  A failed check returns -EIO and the caller
 * marks the channel broken.
 */
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "ring.h"

#define VMB_TRAILER_LEN	sizeof(__le64)

void vmb_ring_init(struct vmb_ring *r, void *base, u32 bytes)
{
	r->hdr = base;
	r->data = base + VMB_PAGE_SIZE;
	r->size = bytes - VMB_PAGE_SIZE;
	r->index = 0;
}

static bool vmb_ring_index_ok(const struct vmb_ring *r, u32 idx)
{
	return idx < r->size && IS_ALIGNED(idx, 8);
}

/* Bytes between @from and @to going forward around the ring. */
static u32 vmb_ring_dist(const struct vmb_ring *r, u32 from, u32 to)
{
	return (to - from) & (r->size - 1);
}

/*
 * Free bytes as pending_send_sz counts them: the largest packet plus
 * trailer that fits, the ring never being filled completely.
 */
static u32 vmb_ring_free(const struct vmb_ring *r, u32 read, u32 write)
{
	return r->size - VMB_TRAILER_LEN - vmb_ring_dist(r, read, write);
}

static void vmb_ring_copy_to(struct vmb_ring *r, u32 off, const void *src,
			     u32 len)
{
	u32 first = min(len, r->size - off);

	memcpy(r->data + off, src, first);
	memcpy(r->data, src + first, len - first);
}

static void vmb_ring_copy_from(const struct vmb_ring *r, u32 off, void *dst,
			       u32 len)
{
	u32 first = min(len, r->size - off);

	memcpy(dst, r->data + off, first);
	memcpy(dst + first, r->data, len - first);
}

/*
 * Appends one packet made of @n pieces (their lengths sum to a multiple of
 * 8).  Returns -ENOSPC when it does not fit now; *signal says whether the
 * host must be told (it had read everything and has not masked us).
 */
int vmb_ring_write(struct vmb_ring *r, const struct kvec *kv, unsigned int n,
		   u32 total, bool *signal)
{
	u32 read, start = r->index, off = start, need = total + VMB_TRAILER_LEN;
	__le64 trailer = cpu_to_le64(start);
	unsigned int i;

	read = le32_to_cpu(READ_ONCE(r->hdr->read_index));
	if (!vmb_ring_index_ok(r, read))
		return -EIO;
	/* Never fill the ring: read == write must keep meaning empty. */
	if (need > vmb_ring_free(r, read, start))
		return -ENOSPC;

	for (i = 0; i < n; i++) {
		vmb_ring_copy_to(r, off, kv[i].iov_base, kv[i].iov_len);
		off = (off + kv[i].iov_len) & (r->size - 1);
	}
	vmb_ring_copy_to(r, off, &trailer, sizeof(trailer));
	/* Read locklessly by waiters and statistics: one store. */
	WRITE_ONCE(r->index, (off + VMB_TRAILER_LEN) & (r->size - 1));

	/* The packet before its index; pairs with the host's acquire. */
	virt_wmb();
	WRITE_ONCE(r->hdr->write_index, cpu_to_le32(r->index));
	/*
	 * The index before the host's state: either the host sees our packet
	 * when it re-checks, or we see that it had caught up and signal it.
	 */
	virt_mb();
	*signal = !READ_ONCE(r->hdr->interrupt_mask) &&
		  le32_to_cpu(READ_ONCE(r->hdr->read_index)) == start;
	return 0;
}

/* Bytes a writer could append now, trailer included (pending-send waits). */
u32 vmb_ring_space(const struct vmb_ring *r)
{
	u32 read = le32_to_cpu(READ_ONCE(r->hdr->read_index));

	if (!vmb_ring_index_ok(r, read))
		return 0;
	return vmb_ring_free(r, read, READ_ONCE(r->index));
}

/* Bytes published and not yet consumed, for either direction. */
u32 vmb_ring_used(const struct vmb_ring *r, bool outbound)
{
	u32 read, write;

	if (outbound) {
		read = le32_to_cpu(READ_ONCE(r->hdr->read_index));
		write = READ_ONCE(r->index);
	} else {
		read = READ_ONCE(r->index);
		write = le32_to_cpu(READ_ONCE(r->hdr->write_index));
	}
	if (!vmb_ring_index_ok(r, read) || !vmb_ring_index_ok(r, write))
		return 0;
	return vmb_ring_dist(r, read, write);
}

bool vmb_ring_empty(const struct vmb_ring *r)
{
	return le32_to_cpu(READ_ONCE(r->hdr->write_index)) == r->index;
}

/*
 * Copies the next packet out: its descriptor into @pkt and up to @buflen
 * payload bytes into @buf.  -EAGAIN: empty; -EMSGSIZE: the payload is larger
 * than @buflen (the packet is consumed); -EIO: the host broke the protocol.
 */
int vmb_ring_read(struct vmb_ring *r, struct vmb_pkt *pkt, void *buf,
		  u32 buflen)
{
	u32 write, avail, len, off, payload;
	struct vmb_pkt_desc desc;
	int ret = 0;

	write = le32_to_cpu(READ_ONCE(r->hdr->write_index));
	if (!vmb_ring_index_ok(r, write))
		return -EIO;
	if (write == r->index)
		return -EAGAIN;
	/* The index before the packet; pairs with the host's release. */
	virt_rmb();

	avail = vmb_ring_dist(r, r->index, write);
	if (avail < sizeof(desc) + VMB_TRAILER_LEN)
		return -EIO;
	vmb_ring_copy_from(r, r->index, &desc, sizeof(desc));

	len = le16_to_cpu(desc.len8) * 8;
	off = le16_to_cpu(desc.offset8) * 8;
	if (len < sizeof(desc) || len + VMB_TRAILER_LEN > avail ||
	    off < sizeof(desc) || off > len)
		return -EIO;

	pkt->type = le16_to_cpu(desc.type);
	pkt->flags = le16_to_cpu(desc.flags);
	pkt->trans_id = le64_to_cpu(desc.trans_id);
	if (pkt->type != VMB_PKT_INBAND && pkt->type != VMB_PKT_COMPLETION)
		return -EIO;

	payload = len - off;
	if (payload > buflen) {
		ret = -EMSGSIZE;
		payload = 0;
	}
	vmb_ring_copy_from(r, (r->index + off) & (r->size - 1), buf, payload);
	pkt->len = payload;

	WRITE_ONCE(r->index, (r->index + len + VMB_TRAILER_LEN) & (r->size - 1));
	/* Done with the packet's bytes before the host may reuse them. */
	virt_mb();
	WRITE_ONCE(r->hdr->read_index, cpu_to_le32(r->index));
	return ret;
}

/*
 * After reading: should the host be told there is room?  It asked, by
 * pending_send_sz, to be woken once that much is free.
 */
bool vmb_ring_should_signal_writer(const struct vmb_ring *r)
{
	u32 want, write;

	/* Our read index before its pending size; pairs with the host. */
	virt_mb();
	want = le32_to_cpu(READ_ONCE(r->hdr->pending_send_sz));
	if (!want)
		return false;
	write = le32_to_cpu(READ_ONCE(r->hdr->write_index));
	if (!vmb_ring_index_ok(r, write))
		return false;
	return vmb_ring_free(r, r->index, write) >= want;
}
