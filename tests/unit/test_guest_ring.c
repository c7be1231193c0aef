// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's ring code (vmbus/ring.c, compiled as is against the shims in
 * kshim/) against a well-behaved and a hostile host: round trips, wrap-around,
 * full and empty, signalling decisions, the non-blocking writer's request for
 * room, the layout of a GPA_RANGE packet of buffers, the reader's mask, and
 * every validation path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/uio.h>
#include <asm/byteorder.h>
#include "ring.h"

#define DATA	(4 * VMB_PAGE_SIZE)

struct pair {
	void *mem;
	struct vmb_ring tx;	/* the producer's view */
	struct vmb_ring rx;	/* the consumer's view of the same ring */
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	p->mem = aligned_alloc(VMB_PAGE_SIZE, VMB_PAGE_SIZE + DATA);
	memset(p->mem, 0, VMB_PAGE_SIZE + DATA);
	vmb_ring_init(&p->tx, p->mem, VMB_PAGE_SIZE + DATA);
	vmb_ring_init(&p->rx, p->mem, VMB_PAGE_SIZE + DATA);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	free(p->mem);
	free(p);
	return 0;
}

/* Writes an in-band packet of @len payload bytes (padded) filled with @c. */
static int put(struct pair *p, u32 len, u8 c, bool *signal)
{
	u32 padded = (len + 7) & ~7u;
	struct vmb_pkt_desc d = {
		.type = cpu_to_le16(VMB_PKT_INBAND),
		.offset8 = cpu_to_le16(2),
		.len8 = cpu_to_le16((16 + padded) / 8),
		.trans_id = cpu_to_le64(0x1234),
	};
	u8 payload[DATA];
	struct kvec kv[2] = { { &d, sizeof(d) }, { payload, padded } };
	bool dummy;

	memset(payload, c, padded);
	return vmb_ring_write(&p->tx, kv, 2, sizeof(d) + padded,
			      signal ? signal : &dummy);
}

/* The consumer publishes what it read, as ring_read does. */
static void consumer_index(struct pair *p, u32 idx)
{
	p->tx.hdr->read_index = cpu_to_le32(idx);
}

static void test_round_trip(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[256];
	bool signal;

	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EAGAIN);
	assert_true(vmb_ring_empty(&p->rx));
	assert_int_equal(put(p, 13, 0xab, &signal), 0);
	assert_true(signal);	/* the reader had read everything */
	assert_false(vmb_ring_empty(&p->rx));
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_int_equal(pkt.type, VMB_PKT_INBAND);
	assert_int_equal(pkt.trans_id, 0x1234);
	assert_int_equal(pkt.len, 16);
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[12], 0xab);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(le32_to_cpu(p->rx.hdr->read_index), 16 + 16 + 8);
}

static void test_signal_rules(void **state)
{
	struct pair *p = *state;
	bool signal;

	assert_int_equal(put(p, 8, 1, &signal), 0);
	assert_true(signal);
	/* The reader has not caught up: no second signal. */
	assert_int_equal(put(p, 8, 2, &signal), 0);
	assert_false(signal);
	/* Caught up but masked: no signal either. */
	consumer_index(p, p->tx.index);
	p->tx.hdr->interrupt_mask = cpu_to_le32(1);
	assert_int_equal(put(p, 8, 3, &signal), 0);
	assert_false(signal);
}

static void test_wrap_around(void **state)
{
	struct pair *p = *state;
	u32 start = DATA - 24;
	struct vmb_pkt pkt;
	u8 buf[256];
	int i;

	/* Both sides at 24 bytes before the end: the packet wraps. */
	p->tx.index = start;
	p->rx.index = start;
	p->tx.hdr->read_index = cpu_to_le32(start);
	p->tx.hdr->write_index = cpu_to_le32(start);
	assert_int_equal(put(p, 100, 0x5a, NULL), 0);
	assert_true(p->tx.index < start);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_int_equal(pkt.len, 104);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf[i], 0x5a);
	assert_int_equal(p->rx.index, p->tx.index);
}

static void test_full(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[1024];
	int n = 0;

	while (put(p, 1000, (u8)n, NULL) == 0)
		n++;
	/* 1024-byte packets: 16 would fill it; the ring never becomes full. */
	assert_int_equal(n, DATA / 1024 - 1);
	assert_int_equal(put(p, 1000, 0, NULL), -ENOSPC);
	/* 1016 bytes free: 8 short of what a 1024-byte packet needs. */
	assert_int_equal(vmb_ring_space(&p->tx), 1016);
	assert_int_equal(vmb_ring_used(&p->tx, true), n * 1024);
	/* Reading one makes room for one. */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_int_equal(put(p, 1000, 0, NULL), 0);
}

static void test_pending_send(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[1024];

	while (put(p, 1000, 0, NULL) == 0)
		;
	p->rx.hdr->pending_send_sz = cpu_to_le32(3000);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_false(vmb_ring_should_signal_writer(&p->rx));	/* 2048 free */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_true(vmb_ring_should_signal_writer(&p->rx));
	p->rx.hdr->pending_send_sz = 0;
	assert_false(vmb_ring_should_signal_writer(&p->rx));

	/*
	 * The boundary: "free" is what a writer's packet plus trailer may
	 * take, so a writer asking for exactly that is signalled and can
	 * then write; 8 bytes more is not signalled.
	 */
	assert_int_equal(vmb_ring_space(&p->tx), 3064);
	p->rx.hdr->pending_send_sz = cpu_to_le32(3072);
	assert_false(vmb_ring_should_signal_writer(&p->rx));
	p->rx.hdr->pending_send_sz = cpu_to_le32(3064);
	assert_true(vmb_ring_should_signal_writer(&p->rx));
	assert_int_equal(put(p, 3064 - 24 + 8, 0, NULL), -ENOSPC);
	assert_int_equal(put(p, 3064 - 24, 0, NULL), 0);
	assert_int_equal(vmb_ring_space(&p->tx), 0);
}

static void test_too_big_for_buffer(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[64];

	assert_int_equal(put(p, 200, 7, NULL), 0);
	assert_int_equal(put(p, 8, 8, NULL), 0);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EMSGSIZE);
	/* It was consumed; the next one is intact. */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0], 8);
}

/* A hostile producer: raw descriptor at the reader's index, then publish. */
static void hostile(struct pair *p, u16 type, u16 off8, u16 len8, u32 publish)
{
	struct vmb_pkt_desc d = {
		.type = cpu_to_le16(type),
		.offset8 = cpu_to_le16(off8),
		.len8 = cpu_to_le16(len8),
	};

	memcpy(p->rx.data + p->rx.index, &d, sizeof(d));
	p->rx.hdr->write_index = cpu_to_le32(publish);
}

static void test_hostile_indices(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[64];
	bool signal;

	p->rx.hdr->write_index = cpu_to_le32(12);		/* unaligned */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	p->rx.hdr->write_index = cpu_to_le32(DATA);		/* out of range */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	p->rx.hdr->write_index = cpu_to_le32(0xfffffff8);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	p->rx.hdr->write_index = cpu_to_le32(16);	/* < desc + trailer */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	assert_int_equal(p->rx.index, 0);	/* nothing consumed */

	/* The writer refuses a corrupt read index too. */
	p->tx.hdr->read_index = cpu_to_le32(4);
	assert_int_equal(put(p, 8, 0, &signal), -EIO);
	p->tx.hdr->read_index = cpu_to_le32(DATA + 8);
	assert_int_equal(put(p, 8, 0, &signal), -EIO);
	assert_int_equal(vmb_ring_space(&p->tx), 0);
}

static void test_hostile_descriptors(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[64];

	hostile(p, VMB_PKT_INBAND, 2, 1, 64);	/* len8 < 2 */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	hostile(p, VMB_PKT_INBAND, 2, 8, 64);	/* 64 + 8 > 64 published */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	hostile(p, VMB_PKT_INBAND, 1, 4, 64);	/* offset8 < 2 */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	hostile(p, VMB_PKT_INBAND, 5, 4, 64);	/* offset8 > len8 */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	hostile(p, VMB_PKT_GPA_RANGE, 2, 4, 64);	/* not host-to-guest */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	hostile(p, 0x77, 2, 4, 64);			/* unknown type */
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), -EIO);
	assert_int_equal(p->rx.index, 0);
	/* A valid one at the same place is accepted. */
	hostile(p, VMB_PKT_COMPLETION, 2, 4, 40);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_int_equal(pkt.len, 16);
}

/* The raw ring bytes at @off, wrapping, as a le64 / le32 / le16. */
static u64 raw64(struct pair *p, u32 off)
{
	u8 b[8];
	u32 i;
	u64 v = 0;

	for (i = 0; i < 8; i++)
		b[i] = p->rx.data[(off + i) % DATA];
	for (i = 8; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static u32 raw32(struct pair *p, u32 off)
{
	return (u32)raw64(p, off);
}

static u16 raw16(struct pair *p, u32 off)
{
	return (u16)raw64(p, off);
}

/*
 * A non-blocking writer on a full ring: the write fails and leaves the
 * ring as it was; the request for room is in pending_send_sz; the reader's
 * should-signal decision turns true exactly when that much is free, and
 * the writer's second look after asking finds room the reader made before
 * it could see the request.
 */
static void test_full_nonblocking(void **state)
{
	struct pair *p = *state;
	u32 need = 1024 + 8, idx;
	struct vmb_pkt pkt;
	u8 buf[1024];
	bool signal = true;

	while (put(p, 1000, 0, NULL) == 0)
		;
	idx = p->tx.index;
	assert_int_equal(put(p, 1000, 0, &signal), -ENOSPC);
	assert_int_equal(p->tx.index, idx);
	assert_int_equal(le32_to_cpu(p->tx.hdr->write_index), idx);
	assert_true(signal);	/* untouched on failure */

	assert_false(vmb_ring_want_space(&p->tx, need));
	assert_int_equal(le32_to_cpu(p->rx.hdr->pending_send_sz), need);
	assert_false(vmb_ring_should_signal_writer(&p->rx));
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	/* 1016 + 1024 free, >= 1032: the reader must signal the writer. */
	assert_true(vmb_ring_should_signal_writer(&p->rx));
	assert_int_equal(put(p, 1000, 0, &signal), 0);
	assert_false(signal);	/* the reader has not caught up */

	/* Withdrawn: no signal however much is free. */
	vmb_ring_want_space(&p->tx, 0);
	assert_int_equal(p->rx.hdr->pending_send_sz, 0);
	while (vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)) == 0)
		;
	assert_false(vmb_ring_should_signal_writer(&p->rx));

	/* Room made before the request: the second look sees it. */
	assert_true(vmb_ring_want_space(&p->tx, need));
	assert_false(vmb_ring_want_space(&p->tx, DATA));	/* never */
}

/* Three buffers: 1, 2 and 4 frames; 104 bytes before the data. */
static const struct vmb_chan_buf bufs3[] = {
	{ .pfn = 100, .offset = 0, .len = VMB_PAGE_SIZE },
	{ .pfn = 200, .offset = 4000, .len = 200 },
	{ .pfn = 0xfffffffffffffff0ULL, .offset = 8, .len = 3 * VMB_PAGE_SIZE },
};

static void check_bufs3(struct pair *p, u32 at, u64 trans_id)
{
	static const u64 pfns[] = {
		100, 200, 201, 0xfffffffffffffff0ULL, 0xfffffffffffffff1ULL,
		0xfffffffffffffff2ULL, 0xfffffffffffffff3ULL,
	};
	static const u32 counts[] = { 1, 2, 4 };
	u32 off = at, i, j, k = 0;

	assert_int_equal(raw16(p, off), VMB_PKT_GPA_RANGE);
	assert_int_equal(raw16(p, off + 2), 104 / 8);		/* offset8 */
	assert_int_equal(raw16(p, off + 4), (104 + 8) / 8);	/* len8 */
	assert_int_equal(raw16(p, off + 6), VMB_PKT_F_COMPLETION_REQUESTED);
	assert_true(raw64(p, off + 8) == trans_id);
	assert_int_equal(raw32(p, off + 16), 3);		/* ranges */
	assert_int_equal(raw32(p, off + 20), 0);		/* reserved */
	off += 24;
	for (i = 0; i < 3; i++) {
		assert_int_equal(raw32(p, off), bufs3[i].len);
		assert_int_equal(raw32(p, off + 4), bufs3[i].offset);
		off += 8;
		for (j = 0; j < counts[i]; j++, off += 8)
			assert_true(raw64(p, off) == pfns[k++]);
	}
	assert_int_equal(off - at, 104);
	assert_memory_equal(&p->rx.data[off % DATA], "hello", 5);
	assert_int_equal(raw32(p, off + 5) & 0xffffff, 0);	/* padding */
	assert_true(raw64(p, off + 8) == at);			/* trailer */
}

static void test_bufs_layout(void **state)
{
	struct pair *p = *state;
	u32 hdr_len = 0, start;
	bool signal = false;
	int i;

	assert_int_equal(vmb_ring_bufs_hdr_len(bufs3, 3, &hdr_len), 0);
	assert_int_equal(hdr_len, 104);
	assert_int_equal(vmb_ring_write_bufs(&p->tx, 0xabcdef0123ULL, bufs3, 3,
					     hdr_len, "hello", 5, &signal), 0);
	assert_true(signal);
	check_bufs3(p, 0, 0xabcdef0123ULL);
	assert_int_equal(p->tx.index, 104 + 8 + 8);

	/* Across the end of the data area, at each 8-byte step. */
	for (i = 1; i <= 14; i++) {
		start = DATA - 8 * i;
		p->tx.index = start;
		p->tx.hdr->read_index = cpu_to_le32(start);
		p->tx.hdr->write_index = cpu_to_le32(start);
		memset(p->rx.data, 0x55, DATA);
		assert_int_equal(vmb_ring_write_bufs(&p->tx, i, bufs3, 3,
						     hdr_len, "hello", 5,
						     &signal), 0);
		check_bufs3(p, start, i);
		assert_int_equal(p->tx.index, (start + 120) % DATA);
	}
}

static void test_bufs_invalid(void **state)
{
	struct vmb_chan_buf b[VMB_CHAN_BUFS_MAX + 1];
	struct pair *p = *state;
	u32 hdr_len = 7, i, idx;
	bool signal;

	for (i = 0; i <= VMB_CHAN_BUFS_MAX; i++)
		b[i] = (struct vmb_chan_buf){ .pfn = i, .len = 1 };
	assert_int_equal(vmb_ring_bufs_hdr_len(b, VMB_CHAN_BUFS_MAX, &hdr_len),
			 0);
	assert_int_equal(hdr_len, 24 + VMB_CHAN_BUFS_MAX * 16);
	assert_int_equal(vmb_ring_bufs_hdr_len(b, VMB_CHAN_BUFS_MAX + 1,
					       &hdr_len), -EINVAL);
	assert_int_equal(vmb_ring_bufs_hdr_len(b, 0, &hdr_len), -EINVAL);
	assert_int_equal(vmb_ring_bufs_hdr_len(NULL, 1, &hdr_len), -EINVAL);
	b[1].len = 0;
	assert_int_equal(vmb_ring_bufs_hdr_len(b, 2, &hdr_len), -EINVAL);
	b[1] = (struct vmb_chan_buf){ .pfn = 1, .offset = VMB_PAGE_SIZE,
				      .len = 1 };
	assert_int_equal(vmb_ring_bufs_hdr_len(b, 2, &hdr_len), -EINVAL);
	b[1] = (struct vmb_chan_buf){ .pfn = ~0ULL, .offset = 4095, .len = 2 };
	assert_int_equal(vmb_ring_bufs_hdr_len(b, 2, &hdr_len), -EINVAL);
	b[1].len = 1;		/* the last frame itself is fine */
	assert_int_equal(vmb_ring_bufs_hdr_len(b, 2, &hdr_len), 0);
	/* 65536 frames: more than len8 can describe. */
	b[1] = (struct vmb_chan_buf){ .pfn = 0, .len = 1U << 28 };
	assert_int_equal(vmb_ring_bufs_hdr_len(b, 2, &hdr_len), -EINVAL);
	assert_int_equal(hdr_len, 56);	/* unchanged by failures */

	/* No room: nothing written. */
	while (put(p, 1000, 0, NULL) == 0)
		;
	idx = p->tx.index;
	assert_int_equal(vmb_ring_bufs_hdr_len(bufs3, 3, &hdr_len), 0);
	assert_int_equal(vmb_ring_write_bufs(&p->tx, 1, bufs3, 3, hdr_len,
					     NULL, 1000, &signal), -ENOSPC);
	assert_int_equal(p->tx.index, idx);
	p->tx.hdr->read_index = cpu_to_le32(12);	/* and a hostile index */
	assert_int_equal(vmb_ring_write_bufs(&p->tx, 1, bufs3, 3, hdr_len,
					     NULL, 0, &signal), -EIO);
}

/* The reader's mask, and its second look when it unmasks. */
static void test_mask_unmask(void **state)
{
	struct pair *p = *state;
	struct vmb_pkt pkt;
	u8 buf[64];
	bool signal;

	assert_false(vmb_ring_unmask(&p->rx));
	vmb_ring_mask(&p->rx);
	assert_int_equal(le32_to_cpu(p->tx.hdr->interrupt_mask), 1);
	assert_int_equal(put(p, 8, 1, &signal), 0);
	assert_false(signal);	/* masked: the writer does not signal... */
	assert_true(vmb_ring_unmask(&p->rx));	/* ...so the reader looks */
	assert_int_equal(p->tx.hdr->interrupt_mask, 0);
	assert_int_equal(vmb_ring_read(&p->rx, &pkt, buf, sizeof(buf)), 0);
	assert_false(vmb_ring_unmask(&p->rx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_around, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_for_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_indices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_nonblocking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bufs_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bufs_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mask_unmask, setup, teardown),
	};

	return cmocka_run_group_tests_name("guest ring", tests, NULL, NULL);
}
