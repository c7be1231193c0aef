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
#include <linux/limits.h>
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
 * Room for a packet of @total bytes (trailer not counted) at our index:
 * 0, -ENOSPC when it does not fit now, -EIO when the host's read index is
 * nonsense.
 */
static int vmb_ring_reserve(const struct vmb_ring *r, u32 total)
{
	u32 read = le32_to_cpu(READ_ONCE(r->hdr->read_index));

	if (!vmb_ring_index_ok(r, read))
		return -EIO;
	/* Never fill the ring: read == write must keep meaning empty. */
	if (total + VMB_TRAILER_LEN > vmb_ring_free(r, read, r->index))
		return -ENOSPC;
	return 0;
}

/*
 * The packet that started at @start has been copied up to @off: add its
 * trailer and publish it.  *signal says whether the host must be told (it
 * had read everything before this packet and has not masked us).
 */
static void vmb_ring_commit(struct vmb_ring *r, u32 start, u32 off,
			    bool *signal)
{
	__le64 trailer = cpu_to_le64(start);

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
}

/* Copies @len bytes to @off and returns the offset after them. */
static u32 vmb_ring_put(struct vmb_ring *r, u32 off, const void *src, u32 len)
{
	vmb_ring_copy_to(r, off, src, len);
	return (off + len) & (r->size - 1);
}

/*
 * Appends one packet made of @n pieces (their lengths sum to @total, a
 * multiple of 8).  Returns -ENOSPC when it does not fit now; *signal says
 * whether the host must be told.
 */
int vmb_ring_write(struct vmb_ring *r, const struct kvec *kv, unsigned int n,
		   u32 total, bool *signal)
{
	u32 start = r->index, off = start;
	unsigned int i;
	int ret;

	ret = vmb_ring_reserve(r, total);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		off = vmb_ring_put(r, off, kv[i].iov_base, kv[i].iov_len);
	vmb_ring_commit(r, start, off, signal);
	return 0;
}

/* Frames range @b spans: DIV_ROUND_UP(offset + len, page). */
static u64 vmb_ring_buf_pfns(const struct vmb_chan_buf *b)
{
	return ((u64)b->offset + b->len + VMB_PAGE_SIZE - 1) / VMB_PAGE_SIZE;
}

/*
 * The bytes a GPA_RANGE packet of @bufs takes before its in-band data: the
 * descriptor, the range count and reserved word, then per buffer a range
 * header and its frames.  -EINVAL for no buffers or more than
 * VMB_CHAN_BUFS_MAX, an empty buffer, an offset outside its first frame, a
 * frame number that would wrap, or a list len8 cannot describe.
 */
int vmb_ring_bufs_hdr_len(const struct vmb_chan_buf *bufs, u32 nr,
			  u32 *hdr_len)
{
	u64 len = sizeof(struct vmb_pkt_desc) + 2 * sizeof(__le32), pfns;
	u32 i;

	if (!bufs || !nr || nr > VMB_CHAN_BUFS_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (!bufs[i].len || bufs[i].offset >= VMB_PAGE_SIZE)
			return -EINVAL;
		pfns = vmb_ring_buf_pfns(&bufs[i]);
		if (bufs[i].pfn > U64_MAX - (pfns - 1))
			return -EINVAL;
		len += sizeof(struct vmb_gpa_range) + pfns * sizeof(__le64);
	}
	if (len > VMB_RING_PKT_MAX)
		return -EINVAL;
	*hdr_len = len;
	return 0;
}

/*
 * Appends a GPA_RANGE packet asking for a completion: the ranges of @bufs
 * (checked and measured by vmb_ring_bufs_hdr_len(), which gave @hdr_len),
 * then @len bytes of @data padded to 8.  The frame lists are written
 * straight into the ring, so no buffer of any size is needed for them.
 */
int vmb_ring_write_bufs(struct vmb_ring *r, u64 trans_id,
			const struct vmb_chan_buf *bufs, u32 nr, u32 hdr_len,
			const void *data, u32 len, bool *signal)
{
	static const u8 zero[8];
	u32 padded = ALIGN(len, 8), start = r->index, off = start, i;
	struct vmb_pkt_desc desc = {
		.type = cpu_to_le16(VMB_PKT_GPA_RANGE),
		.offset8 = cpu_to_le16(hdr_len / 8),
		.len8 = cpu_to_le16((hdr_len + padded) / 8),
		.flags = cpu_to_le16(VMB_PKT_F_COMPLETION_REQUESTED),
		.trans_id = cpu_to_le64(trans_id),
	};
	__le32 count[2] = { cpu_to_le32(nr), 0 };
	int ret;

	ret = vmb_ring_reserve(r, hdr_len + padded);
	if (ret)
		return ret;
	off = vmb_ring_put(r, off, &desc, sizeof(desc));
	off = vmb_ring_put(r, off, count, sizeof(count));
	for (i = 0; i < nr; i++) {
		struct vmb_gpa_range range = {
			.byte_count = cpu_to_le32(bufs[i].len),
			.byte_offset = cpu_to_le32(bufs[i].offset),
		};
		u64 pfns = vmb_ring_buf_pfns(&bufs[i]), j;
		__le64 pfn;

		off = vmb_ring_put(r, off, &range, sizeof(range));
		for (j = 0; j < pfns; j++) {
			pfn = cpu_to_le64(bufs[i].pfn + j);
			off = vmb_ring_put(r, off, &pfn, sizeof(pfn));
		}
	}
	if (len)
		off = vmb_ring_put(r, off, data, len);
	off = vmb_ring_put(r, off, zero, padded - len);
	vmb_ring_commit(r, start, off, signal);
	return 0;
}

/*
 * A writer found no room for @need bytes (packet and trailer): asks the
 * host, by pending_send_sz, to signal once that much is free (0 withdraws
 * the request).  True if it is free already: the host may have made the
 * room before it could see the request, and would then never signal, so
 * the writer must try again.
 */
bool vmb_ring_want_space(struct vmb_ring *r, u32 need)
{
	WRITE_ONCE(r->hdr->pending_send_sz, cpu_to_le32(need));
	/* The request before the re-check; pairs with the host's barrier. */
	virt_mb();
	return need && vmb_ring_space(r) >= need;
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

/* The reader asks the host not to signal while it drains. */
void vmb_ring_mask(struct vmb_ring *r)
{
	WRITE_ONCE(r->hdr->interrupt_mask, cpu_to_le32(1));
}

/*
 * The reader is done: unmask, then look once more.  True if packets are
 * waiting, which the host may have written while we were masked without
 * signalling: the reader must go on reading.
 */
bool vmb_ring_unmask(struct vmb_ring *r)
{
	WRITE_ONCE(r->hdr->interrupt_mask, 0);
	/*
	 * Unmask before looking again: pairs with the host's barrier between
	 * publishing a packet and reading the mask, so either we see the
	 * packet or the host signals us.
	 */
	virt_mb();
	return !vmb_ring_empty(r);
}
