/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * One ring buffer of a channel, seen from the host: a header page (struct
 * vmb_ring_hdr) and a power-of-two number of data pages, each a separate
 * gmem-translated 4 KiB page (not contiguous in host memory).  The host
 * consumes the guest-to-host ring and produces into the host-to-guest ring.
 *
 * Every index the guest writes is read once per operation (atomic acquire)
 * and validated (8-byte aligned, < data size) before use; a packet is copied
 * into a private buffer and validated there before anyone looks at it.
 * Validation failures return -1 with *why set: the caller marks the channel
 * broken.  Single-threaded.
 */
#ifndef VMBUSD_RING_H
#define VMBUSD_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/gmem.h"
#include "core/gpa.h"
#include "vmb_protocol.h"

#define RING_TRAILER_SIZE	8
#define RING_DESC_SIZE		((uint32_t)sizeof(struct vmb_pkt_desc))

struct ring {
	struct vmb_ring_hdr *hdr;
	uint8_t *const *data;	/* data page host pointers */
	uint32_t size;		/* data bytes: nr data pages * 4096 */
	uint32_t idx;		/* our own index: read (rx) or write (tx) */
};

/*
 * pages[0] is the header page, pages[1..nr_pages-1] the data pages; the
 * data page count must be a power of two >= 1 (else -1).  Our own index is
 * adopted from the header if valid, else reset to 0 and published.
 */
int ring_init_rx(struct ring *r, uint8_t *const *pages, uint32_t nr_pages);
int ring_init_tx(struct ring *r, uint8_t *const *pages, uint32_t nr_pages);

/* Copy len (<= size) bytes at data offset off (< size), wrapping. */
void ring_copy_from(const struct ring *r, uint32_t off, void *dst, uint32_t len);
void ring_copy_to(const struct ring *r, uint32_t off, const void *src, uint32_t len);

/*
 * "OWN:WRITE/READ/PENDING/MASK": our index and the header as it is now
 * (diagnostics: the guest's fields are shown, not trusted).
 */
void ring_describe(const struct ring *r, char *buf, size_t len);

/* An index written by the guest is usable. */
static inline bool ring_index_ok(const struct ring *r, uint32_t i)
{
	return (i & 7) == 0 && i < r->size;
}

/* Bytes a producer may still write: (read - write - 8) mod size. */
static inline uint32_t ring_free_bytes(const struct ring *r, uint32_t read,
				       uint32_t write)
{
	return (read - write - 8) & (r->size - 1);
}

/* --- consumer side (guest -> host ring) --- */

/* A validated packet (host byte order), pointing into the private copy. */
struct ring_pkt {
	uint16_t type, flags;
	uint64_t trans_id;
	uint32_t len;			/* len8 * 8: descriptor + payload + pad */
	const uint8_t *payload;		/* at offset8 * 8 */
	uint32_t payload_len;		/* (len8 - offset8) * 8 */
	struct gpa_list gpa;		/* GPA_RANGE only: walk it (core/gpa.h) */
};

/*
 * Read the guest's write_index once and validate it.  Returns 0 with *write
 * set, or -1 (*why).
 */
int ring_rx_begin(struct ring *r, uint32_t *write, const char **why);
/*
 * Next packet up to write: 0 if the ring is empty, 1 with the packet copied
 * to buf (cap bytes; cap >= size suffices) and *len = len8 * 8, -1 (*why)
 * if the descriptor is invalid.  Does not advance; see ring_rx_advance().
 */
int ring_rx_next(struct ring *r, uint32_t write, uint8_t *buf, uint32_t cap,
		 uint32_t *len, const char **why);
/* Step over the packet ring_rx_next() returned (len + trailer). */
void ring_rx_advance(struct ring *r, uint32_t len);
/*
 * Validate the packet copied to buf (len bytes) and fill *pkt: type, offsets,
 * GPA range list (gpa_parse(): each page translated through gm into
 * scratch).  0 or -1.
 */
int ring_pkt_parse(const uint8_t *buf, uint32_t len, const struct gmem *gm,
		   struct gpa_scratch *scratch, struct ring_pkt *pkt,
		   const char **why);
/*
 * End of a batch: publish read_index (release), full barrier, and return
 * true if the guest asked (pending_send_sz) to be signalled once this much
 * is free and it now is.  write is the value from ring_rx_begin().
 * consumed: anything was consumed in this batch (else never signal).
 */
bool ring_rx_end(struct ring *r, uint32_t write, bool consumed);

/* --- producer side (host -> guest ring) --- */

/* Ring bytes a packet with payload_len bytes of payload takes. */
static inline uint32_t ring_pkt_total(uint32_t payload_len)
{
	return RING_DESC_SIZE + ((payload_len + 7) & ~7u) + RING_TRAILER_SIZE;
}

/*
 * Read the guest's read_index once.  Returns 0 with *free_bytes set, or -1
 * (*why) if the index is invalid.
 */
int ring_tx_space(struct ring *r, uint32_t *free_bytes, const char **why);
/*
 * Write desc (16 bytes, little-endian, written as given: the caller fills
 * len8/offset8), payload, zero padding to 8 and the trailer; publish
 * write_index (release); full barrier.  Returns 1 if written and the guest
 * must be signalled (the ring was empty before and interrupt_mask is 0),
 * 0 if written and no signal is needed, -EAGAIN if it does not fit now,
 * -EMSGSIZE if it never can, -1 (*why) if the guest's read_index is bad.
 */
int ring_tx_put(struct ring *r, const struct vmb_pkt_desc *desc,
		const void *payload, uint32_t payload_len, const char **why);
/*
 * Ask the guest to signal when need bytes are free (0: clear the request).
 * After setting it, a full barrier and one more look: returns true if need
 * bytes are free already (the caller retries at once).
 */
bool ring_tx_want(struct ring *r, uint32_t need);
/* Fault injection: publish write_index = v as is. */
void ring_tx_set_write_index(struct ring *r, uint32_t v);

#endif
