// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's ring code (vmbus/ring.c, compiled as is against the shims in
 * kshim/) against a well-behaved and a hostile host: round trips, wrap-around,
 * full and empty, signalling decisions, and every validation path.
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
	};

	return cmocka_run_group_tests_name("guest ring", tests, NULL, NULL);
}
