// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/msgq.h"
#include "transport/ifregion.h"

struct fixture {
	void *mem;
	struct ifregion r;
	struct msgq_tx tx;
	struct msgq_rx rx;
	/* what the rx callback saw */
	unsigned int seen;
	uint32_t seen_type[VMB_MSGQ_SLOTS * 2];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_init(NULL, VMBD_LOG_QUIET);
	f->mem = aligned_alloc(4096, VMB_IF_SIZE);
	assert_non_null(f->mem);
	assert_int_equal(ifregion_attach(&f->r, f->mem, VMB_IF_SIZE, 4), 0);
	assert_int_equal(msgq_tx_init(&f->tx, f->r.h2g_ctl, f->r.h2g_slots, 256), 0);
	msgq_rx_init(&f->rx, f->r.g2h_ctl, f->r.g2h_slots);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	msgq_tx_fini(&f->tx);
	ifregion_destroy(&f->r);
	free(f->mem);
	free(f);
	return 0;
}

static struct vmb_msg mkmsg(uint32_t type)
{
	struct vmb_msg m;

	memset(&m, 0, sizeof(m));
	m.type = htole32(type);
	m.len = htole32(4);
	memcpy(m.payload, &type, 4);
	return m;
}

static uint32_t rd(const __le32 *p)
{
	return le32toh(*p);
}

static void wr(__le32 *p, uint32_t v)
{
	*p = htole32(v);
}

/* The guest consumes up to n h2g messages; returns their types in order. */
static unsigned int guest_consume(struct fixture *f, unsigned int n, uint32_t *types)
{
	uint32_t prod = rd(&f->r.h2g_ctl->prod), cons = rd(&f->r.h2g_ctl->cons);
	unsigned int i = 0;

	while (cons != prod && i < n) {
		types[i++] = le32toh(f->r.h2g_slots[cons % VMB_MSGQ_SLOTS].type);
		cons++;
	}
	wr(&f->r.h2g_ctl->cons, cons);
	return i;
}

static void guest_produce(struct fixture *f, uint32_t type)
{
	uint32_t prod = rd(&f->r.g2h_ctl->prod);

	f->r.g2h_slots[prod % VMB_MSGQ_SLOTS] = mkmsg(type);
	wr(&f->r.g2h_ctl->prod, prod + 1);
}

static void on_msg(void *ctx, const struct vmb_msg *m)
{
	struct fixture *f = ctx;

	assert_true(f->seen < sizeof(f->seen_type) / sizeof(f->seen_type[0]));
	f->seen_type[f->seen++] = le32toh(m->type);
}

static void test_header(void **state)
{
	struct fixture *f = *state;

	assert_memory_equal(f->r.hdr->signature, VMB_IF_SIGNATURE, VMB_IF_SIGNATURE_LEN);
	assert_int_equal(le16toh(f->r.hdr->abi_major), VMB_IF_ABI_MAJOR);
	assert_int_equal(le32toh(f->r.hdr->region_size), VMB_IF_SIZE);
	assert_int_equal(le32toh(f->r.hdr->host_peer_id), 0);
	assert_int_equal(le32toh(f->r.hdr->nr_vectors), 4);
	assert_ptr_equal((char *)f->r.h2g_slots - (char *)f->mem, VMB_IF_H2G_SLOTS_OFF);
	assert_ptr_equal((char *)f->r.g2h_ctl - (char *)f->mem, VMB_IF_G2H_CTL_OFF);
}

static void test_tx_basic(void **state)
{
	struct fixture *f = *state;
	struct vmb_msg m = mkmsg(42);
	uint32_t types[4];

	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_POSTED);
	assert_int_equal(rd(&f->r.h2g_ctl->prod), 1);
	assert_memory_equal(&f->r.h2g_slots[0], &m, sizeof(m));
	assert_int_equal(guest_consume(f, 4, types), 1);
	assert_int_equal(types[0], 42);
	assert_int_equal(msgq_tx_space(&f->tx), VMB_MSGQ_SLOTS);
}

static void test_tx_full_backlog_flush(void **state)
{
	struct fixture *f = *state;
	uint32_t types[VMB_MSGQ_SLOTS];
	unsigned int i, n, total = 0;
	struct vmb_msg m;

	for (i = 0; i < VMB_MSGQ_SLOTS; i++) {
		m = mkmsg(i);
		assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_POSTED);
	}
	assert_int_equal(msgq_tx_space(&f->tx), 0);
	assert_int_equal(rd(&f->r.h2g_ctl->prod_waiting), 0);
	/* Full: the next ones wait in the backlog, and prod_waiting is set. */
	for (i = VMB_MSGQ_SLOTS; i < VMB_MSGQ_SLOTS + 10; i++) {
		m = mkmsg(i);
		assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_BACKLOGGED);
	}
	assert_int_equal(f->tx.bl_len, 10);
	assert_int_equal(rd(&f->r.h2g_ctl->prod_waiting), 1);
	assert_int_equal(rd(&f->r.h2g_ctl->prod), VMB_MSGQ_SLOTS);
	/* Nothing moves until the guest frees slots. */
	assert_int_equal(msgq_tx_flush(&f->tx), 0);
	/* The guest takes 4, clears prod_waiting and rings: flush moves 4. */
	n = guest_consume(f, 4, types);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_int_equal(types[i], total++);
	wr(&f->r.h2g_ctl->prod_waiting, 0);
	assert_int_equal(msgq_tx_flush(&f->tx), 4);
	assert_int_equal(f->tx.bl_len, 6);
	assert_int_equal(rd(&f->r.h2g_ctl->prod_waiting), 1);	/* still waiting */
	/* A new message must not overtake the backlog. */
	m = mkmsg(1000);
	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_BACKLOGGED);
	/* Drain everything, in order. */
	while ((n = guest_consume(f, VMB_MSGQ_SLOTS, types)) > 0) {
		for (i = 0; i < n; i++) {
			if (total < VMB_MSGQ_SLOTS + 10)
				assert_int_equal(types[i], total);
			else
				assert_int_equal(types[i], 1000);
			total++;
		}
		msgq_tx_flush(&f->tx);
	}
	assert_int_equal(total, VMB_MSGQ_SLOTS + 11);
	assert_int_equal(f->tx.bl_len, 0);
}

static void test_tx_backlog_bound(void **state)
{
	struct fixture *f = *state;
	struct vmb_msg m = mkmsg(7);
	unsigned int i;

	for (i = 0; i < VMB_MSGQ_SLOTS + 256; i++)
		assert_true(msgq_tx_post(&f->tx, &m) >= 0);
	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_DROPPED);
	assert_int_equal(f->tx.dropped, 1);
	assert_int_equal(f->tx.bl_len, 256);
}

static void test_tx_garbage_cons(void **state)
{
	struct fixture *f = *state;
	struct vmb_msg m = mkmsg(1);
	uint32_t types[VMB_MSGQ_SLOTS];

	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_POSTED);
	/* cons beyond prod */
	wr(&f->r.h2g_ctl->cons, 5);
	assert_int_equal(msgq_tx_space(&f->tx), 0);
	assert_int_equal(f->tx.corrupt, 1);
	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_BACKLOGGED);
	assert_int_equal(rd(&f->r.h2g_ctl->prod), 1);	/* nothing written */
	assert_int_equal(f->tx.corrupt, 1);		/* counted once per episode */
	/* prod - cons > slots */
	wr(&f->r.h2g_ctl->cons, (uint32_t)-100);
	assert_int_equal(msgq_tx_flush(&f->tx), 0);
	assert_int_equal(f->tx.corrupt, 1);
	/* sane again: the backlog flows */
	wr(&f->r.h2g_ctl->cons, 1);
	assert_int_equal(msgq_tx_flush(&f->tx), 1);
	assert_int_equal(rd(&f->r.h2g_ctl->prod), 2);
	assert_int_equal(guest_consume(f, 64, types), 1);
	/* a second bad episode counts again */
	wr(&f->r.h2g_ctl->cons, 0x80000000u);
	assert_int_equal(msgq_tx_space(&f->tx), 0);
	assert_int_equal(f->tx.corrupt, 2);
}

static void test_tx_wrap(void **state)
{
	struct fixture *f = *state;
	uint32_t start = UINT32_MAX - 2, types[VMB_MSGQ_SLOTS];
	unsigned int i, n, total = 0;
	struct vmb_msg m;

	wr(&f->r.h2g_ctl->prod, start);
	wr(&f->r.h2g_ctl->cons, start);
	msgq_tx_reset(&f->tx);
	assert_int_equal(f->tx.prod, start);
	for (i = 0; i < VMB_MSGQ_SLOTS + 5; i++) {
		m = mkmsg(i);
		assert_true(msgq_tx_post(&f->tx, &m) >= 0);
	}
	assert_int_equal(f->tx.prod, start + VMB_MSGQ_SLOTS);	/* wrapped */
	assert_int_equal(msgq_tx_space(&f->tx), 0);
	assert_int_equal(f->tx.corrupt, 0);
	while ((n = guest_consume(f, 7, types)) > 0) {
		for (i = 0; i < n; i++)
			assert_int_equal(types[i], total++);
		msgq_tx_flush(&f->tx);
	}
	assert_int_equal(total, VMB_MSGQ_SLOTS + 5);
	assert_int_equal(f->tx.corrupt, 0);
}

static void test_tx_corrupt_prod(void **state)
{
	struct fixture *f = *state;
	struct vmb_msg m = mkmsg(9);
	uint32_t types[VMB_MSGQ_SLOTS], cons;

	wr(&f->r.h2g_ctl->cons, 3);
	wr(&f->r.h2g_ctl->prod, 3);
	msgq_tx_reset(&f->tx);
	msgq_tx_corrupt_prod(&f->tx, 1000);
	assert_int_equal(rd(&f->r.h2g_ctl->prod), 1003);
	/* Until the guest resyncs, messages wait (not counted as corruption). */
	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_BACKLOGGED);
	assert_int_equal(f->tx.corrupt, 0);
	/* The guest sees prod - cons > slots and resyncs cons := prod. */
	cons = rd(&f->r.h2g_ctl->cons);
	assert_true(rd(&f->r.h2g_ctl->prod) - cons > VMB_MSGQ_SLOTS);
	wr(&f->r.h2g_ctl->cons, rd(&f->r.h2g_ctl->prod));
	/* The host continues from its own prod (1003). */
	assert_int_equal(msgq_tx_flush(&f->tx), 1);
	assert_int_equal(rd(&f->r.h2g_ctl->prod), 1004);
	assert_int_equal(guest_consume(f, 64, types), 1);
	assert_int_equal(types[0], 9);
	assert_int_equal(msgq_tx_post(&f->tx, &m), MSGQ_POSTED);
	assert_int_equal(f->tx.corrupt, 0);
}

static void test_rx_basic_and_wake(void **state)
{
	struct fixture *f = *state;
	bool wake = false;

	guest_produce(f, 1);
	guest_produce(f, 3);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 2);
	assert_false(wake);
	assert_int_equal(f->seen, 2);
	assert_int_equal(f->seen_type[0], 1);
	assert_int_equal(f->seen_type[1], 3);
	assert_int_equal(rd(&f->r.g2h_ctl->cons), 2);
	/* producer waiting: cleared and the guest is to be woken */
	wr(&f->r.g2h_ctl->prod_waiting, 1);
	guest_produce(f, 8);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 1);
	assert_true(wake);
	assert_int_equal(rd(&f->r.g2h_ctl->prod_waiting), 0);
	/* nothing new: nothing consumed */
	wake = false;
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 0);
	assert_false(wake);
}

static void test_rx_garbage_prod(void **state)
{
	struct fixture *f = *state;
	bool wake = false;

	guest_produce(f, 1);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 1);
	/* prod behind cons */
	wr(&f->r.g2h_ctl->prod, 0);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 0);
	assert_int_equal(f->rx.corrupt, 1);
	assert_int_equal(f->rx.cons, 0);			/* resynced */
	assert_int_equal(rd(&f->r.g2h_ctl->cons), 0);
	/* prod - cons > slots */
	wr(&f->r.g2h_ctl->prod, VMB_MSGQ_SLOTS + 1);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 0);
	assert_int_equal(f->rx.corrupt, 2);
	assert_int_equal(f->rx.cons, VMB_MSGQ_SLOTS + 1);
	/* exactly full is fine */
	wr(&f->r.g2h_ctl->prod, 2 * VMB_MSGQ_SLOTS + 1);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), VMB_MSGQ_SLOTS);
	assert_int_equal(f->rx.corrupt, 2);
	/* after resync, normal messages flow */
	guest_produce(f, 5);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 1);
	assert_int_equal(f->seen_type[f->seen - 1], 5);
}

static void test_rx_wrap(void **state)
{
	struct fixture *f = *state;
	uint32_t start = UINT32_MAX - 5;
	bool wake = false;
	unsigned int i;

	wr(&f->r.g2h_ctl->prod, start);
	wr(&f->r.g2h_ctl->cons, start);
	msgq_rx_reset(&f->rx);
	for (i = 0; i < 20; i++)
		guest_produce(f, 100 + i);
	assert_int_equal(rd(&f->r.g2h_ctl->prod), start + 20);
	assert_int_equal(msgq_rx_drain(&f->rx, on_msg, f, &wake), 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(f->seen_type[i], 100 + i);
	assert_int_equal(f->rx.corrupt, 0);
	assert_int_equal(f->rx.cons, (uint32_t)(start + 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_full_backlog_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_backlog_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_garbage_cons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_corrupt_prod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_basic_and_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_garbage_prod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_wrap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
