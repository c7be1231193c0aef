// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/ring.h"

static uint32_t load_acquire(const __le32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static void store_release(__le32 *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELEASE);
}

/*
 * Lays the ring over its pages and adopts the index this side owns (read
 * for a consumer, write for a producer) as the guest left it, if sane.
 */
static int ring_init(struct ring *r, uint8_t *const *pages, uint32_t nr_pages,
		     bool producer)
{
	__le32 *own;
	uint32_t d;

	if (nr_pages < 2 || nr_pages > VMB_GPADL_MAX_PAGES)
		return -1;
	d = nr_pages - 1;
	if (d & (d - 1))
		return -1;
	memset(r, 0, sizeof(*r));
	r->hdr = (struct vmb_ring_hdr *)pages[0];
	r->data = pages + 1;
	r->size = d * VMB_PAGE_SIZE;

	own = producer ? &r->hdr->write_index : &r->hdr->read_index;
	r->idx = load_acquire(own);
	if (!ring_index_ok(r, r->idx)) {
		r->idx = 0;
		store_release(own, 0);
	}
	return 0;
}

int ring_init_rx(struct ring *r, uint8_t *const *pages, uint32_t nr_pages)
{
	return ring_init(r, pages, nr_pages, false);
}

int ring_init_tx(struct ring *r, uint8_t *const *pages, uint32_t nr_pages)
{
	return ring_init(r, pages, nr_pages, true);
}

/*
 * The data area is size bytes made of separate pages: walk it one page
 * piece at a time, wrapping at size.  off < size and len <= size are the
 * callers' invariants; they are enforced here too (masking), so a wrong
 * caller can at worst copy the wrong bytes of the ring, never outside it.
 */
void ring_copy_from(const struct ring *r, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;

	if (len > r->size)
		len = r->size;
	off &= r->size - 1;
	while (len) {
		uint32_t in = off % VMB_PAGE_SIZE;
		uint32_t n = VMB_PAGE_SIZE - in;

		if (n > len)
			n = len;
		memcpy(d, r->data[off / VMB_PAGE_SIZE] + in, n);
		d += n;
		len -= n;
		off = (off + n) & (r->size - 1);
	}
}

void ring_copy_to(const struct ring *r, uint32_t off, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	if (len > r->size)
		len = r->size;
	off &= r->size - 1;
	while (len) {
		uint32_t in = off % VMB_PAGE_SIZE;
		uint32_t n = VMB_PAGE_SIZE - in;

		if (n > len)
			n = len;
		memcpy(r->data[off / VMB_PAGE_SIZE] + in, s, n);
		s += n;
		len -= n;
		off = (off + n) & (r->size - 1);
	}
}

/* ------------------------------------------------------------------ */
/* Consumer                                                            */

int ring_rx_begin(struct ring *r, uint32_t *write, const char **why)
{
	uint32_t w = load_acquire(&r->hdr->write_index);

	if (!ring_index_ok(r, w)) {
		*why = (w & 7) ? "write_index not 8-byte aligned" :
				 "write_index beyond the data area";
		return -1;
	}
	*write = w;
	return 0;
}

int ring_rx_next(struct ring *r, uint32_t write, uint8_t *buf, uint32_t cap,
		 uint32_t *len, const char **why)
{
	struct vmb_pkt_desc d;
	uint32_t avail, len8, off8, l;

	if (r->idx == write)
		return 0;
	avail = (write - r->idx) & (r->size - 1);
	if (avail < RING_DESC_SIZE + RING_TRAILER_SIZE) {
		*why = "fewer bytes than a descriptor and trailer";
		return -1;
	}
	ring_copy_from(r, r->idx, &d, sizeof(d));
	len8 = le16toh(d.len8);
	off8 = le16toh(d.offset8);
	if (len8 < 2) {
		*why = "len8 < 2";
		return -1;
	}
	l = len8 * 8;
	if (l > avail - RING_TRAILER_SIZE) {
		*why = "len8 beyond the bytes available";
		return -1;
	}
	if (off8 < 2 || off8 > len8) {
		*why = "offset8 < 2 or > len8";
		return -1;
	}
	if (l > cap) {
		*why = "packet larger than the receive buffer";
		return -1;
	}
	ring_copy_from(r, r->idx, buf, l);
	/* the guest may have changed the descriptor: keep the checked one */
	memcpy(buf, &d, sizeof(d));
	*len = l;
	return 1;
}

void ring_rx_advance(struct ring *r, uint32_t len)
{
	r->idx = (r->idx + len + RING_TRAILER_SIZE) & (r->size - 1);
}

int ring_pkt_parse(const uint8_t *buf, uint32_t len, const struct gmem *gm,
		   struct gpa_scratch *scratch, struct ring_pkt *pkt,
		   const char **why)
{
	struct vmb_pkt_desc d;
	uint32_t len8, off8;

	memset(pkt, 0, sizeof(*pkt));
	if (len < RING_DESC_SIZE) {
		*why = "packet shorter than a descriptor";
		return -1;
	}
	memcpy(&d, buf, sizeof(d));
	len8 = le16toh(d.len8);
	off8 = le16toh(d.offset8);
	if (len8 < 2 || len8 * 8 != len || off8 < 2 || off8 > len8) {
		*why = "inconsistent len8/offset8";
		return -1;
	}
	pkt->type = le16toh(d.type);
	pkt->flags = le16toh(d.flags);
	pkt->trans_id = le64toh(d.trans_id);
	pkt->len = len;
	pkt->payload = buf + off8 * 8;
	pkt->payload_len = (len8 - off8) * 8;
	switch (pkt->type) {
	case VMB_PKT_INBAND:
	case VMB_PKT_COMPLETION:
		return 0;
	case VMB_PKT_GPA_RANGE:
		return gpa_parse(buf + RING_DESC_SIZE, off8 * 8 - RING_DESC_SIZE,
				 gm, scratch, &pkt->gpa, why);
	default:
		*why = "unknown packet type";
		return -1;
	}
}

bool ring_rx_end(struct ring *r, uint32_t write, bool consumed)
{
	uint32_t pending;

	if (!consumed)
		return false;
	store_release(&r->hdr->read_index, r->idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pending = load_acquire(&r->hdr->pending_send_sz);
	return pending && ring_free_bytes(r, r->idx, write) >= pending;
}

/* ------------------------------------------------------------------ */
/* Producer                                                            */

int ring_tx_space(struct ring *r, uint32_t *free_bytes, const char **why)
{
	uint32_t rd = load_acquire(&r->hdr->read_index);

	if (!ring_index_ok(r, rd)) {
		*why = (rd & 7) ? "read_index not 8-byte aligned" :
				  "read_index beyond the data area";
		return -1;
	}
	*free_bytes = ring_free_bytes(r, rd, r->idx);
	return 0;
}

int ring_tx_put(struct ring *r, const struct vmb_pkt_desc *desc,
		const void *payload, uint32_t payload_len, const char **why)
{
	static const uint8_t zero[8];
	uint32_t total, free_bytes, old, off, pad;
	uint64_t trailer;

	if (payload_len > r->size)
		return -EMSGSIZE;
	total = ring_pkt_total(payload_len);
	if (total > r->size - 8)
		return -EMSGSIZE;
	if (ring_tx_space(r, &free_bytes, why) < 0)
		return -1;
	if (total > free_bytes)
		return -EAGAIN;
	old = r->idx;
	ring_copy_to(r, old, desc, RING_DESC_SIZE);
	off = (old + RING_DESC_SIZE) & (r->size - 1);
	if (payload_len)
		ring_copy_to(r, off, payload, payload_len);
	off = (off + payload_len) & (r->size - 1);
	pad = ((payload_len + 7) & ~7u) - payload_len;
	if (pad)
		ring_copy_to(r, off, zero, pad);
	off = (off + pad) & (r->size - 1);
	trailer = htole64((uint64_t)old);
	ring_copy_to(r, off, &trailer, sizeof(trailer));
	r->idx = (old + total) & (r->size - 1);
	store_release(&r->hdr->write_index, r->idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (load_acquire(&r->hdr->interrupt_mask))
		return 0;
	return load_acquire(&r->hdr->read_index) == old ? 1 : 0;
}

bool ring_tx_want(struct ring *r, uint32_t need)
{
	uint32_t free_bytes;
	const char *why;

	store_release(&r->hdr->pending_send_sz, need);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!need || ring_tx_space(r, &free_bytes, &why) < 0)
		return false;
	return free_bytes >= need;
}

void ring_describe(const struct ring *r, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u/%u/%u/%u", r->idx,
		 load_acquire(&r->hdr->write_index),
		 load_acquire(&r->hdr->read_index),
		 load_acquire(&r->hdr->pending_send_sz),
		 load_acquire(&r->hdr->interrupt_mask));
}

void ring_tx_set_write_index(struct ring *r, uint32_t v)
{
	store_release(&r->hdr->write_index, v);
}
