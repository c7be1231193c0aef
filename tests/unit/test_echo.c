// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The echo backend through a real channel on fake guest RAM. */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backends/echo.h"
#include "core/channel.h"
#include "core/fault.h"
#include "core/log.h"
#include "testutil.h"

#define RELID 70

struct fx {
	struct gmem *m;
	struct gpadl_table t;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	unsigned int notified[VMB_MAX_VECTORS];
	struct channel *ch;
	struct ring gin, gout;	/* the guest's views: it produces in, consumes out */
	struct gpa_scratch scratch;
	uint8_t buf[4 * 4096];
};

static void notify(void *ctx, unsigned int v)
{
	struct fx *f = ctx;

	f->notified[v]++;
}

static int setup(void **state)
{
	/* in ring: header + 2 data pages, out ring: header + 1; scattered */
	static const uint64_t pfns[5] = { 900, 950, 920, 990, 910 };
	struct fx *f = calloc(1, sizeof(*f));
	__le64 le[5];
	uint32_t st, i;
	const char *why;
	struct gpadl *g;

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	f->m = test_ram_open();
	f->env.gmem = f->m;
	f->env.h2g_events = f->region + VMB_IF_H2G_EVENTS_OFF;
	f->env.g2h_events = f->region + VMB_IF_G2H_EVENTS_OFF;
	f->env.nr_vectors = 4;
	f->env.notify = notify;
	f->env.ctx = f;
	g = gpadl_create(&f->t, 1, RELID, 5, &st);
	assert_non_null(g);
	for (i = 0; i < 5; i++)
		le[i] = htole64(pfns[i]);
	gpadl_add_frames(g, f->m, le, 5);
	f->ch = channel_open(&f->env, RELID, g, 3, 3, &vmbd_backend_echo, NULL,
			     &st, &why);
	assert_non_null(f->ch);
	assert_int_equal(g->users, 1);
	assert_int_equal(ring_init_tx(&f->gin, g->page, 3), 0);
	assert_int_equal(ring_init_rx(&f->gout, g->page + 3, 2), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	channel_close(f->ch);
	gpadl_destroy_relid(&f->t, 0);
	test_ram_close(f->m);
	free(f);
	return 0;
}

/* The guest reads one packet from the out ring; returns 0 if empty. */
static int guest_get(struct fx *f, struct ring_pkt *p)
{
	const char *why;
	uint32_t w, len;
	int r;

	assert_int_equal(ring_rx_begin(&f->gout, &w, &why), 0);
	r = ring_rx_next(&f->gout, w, f->buf, sizeof(f->buf), &len, &why);
	assert_true(r >= 0);
	if (r == 0)
		return 0;
	assert_int_equal(ring_pkt_parse(f->buf, len, f->m, &f->scratch, p, &why), 0);
	ring_rx_advance(&f->gout, len);
	ring_rx_end(&f->gout, w, true);
	return 1;
}

static void test_inband_and_completion(void **state)
{
	struct fx *f = *state;
	uint8_t pl[24] = "hello, echo device!";
	struct ring_pkt p;
	uint64_t bits;

	guest_put_inband(&f->gin, 0, 0x1234, pl, sizeof(pl));
	guest_put_inband(&f->gin, VMB_PKT_F_COMPLETION_REQUESTED, 0x5678, pl, 8);
	guest_put(&f->gin, VMB_PKT_COMPLETION, 2, 2, 0, 9, NULL, 0);
	channel_doorbell(f->ch);
	assert_int_equal(f->ch->st.rx_pkts, 3);
	assert_int_equal(f->ch->st.tx_pkts, 2);
	assert_int_equal(f->ch->st.ignored, 1);
	assert_int_equal(f->ch->st.doorbells, 1);
	/* one signal for the pass, on vector 1 + target_vcpu = 3, bit RELID */
	assert_int_equal(f->ch->st.interrupts, 1);
	assert_int_equal(f->notified[3], 1);
	bits = chan_event_take_word(f->region + VMB_IF_H2G_EVENTS_OFF +
				    2 * VMB_EVENT_BITMAP_SIZE, RELID / 64);
	assert_int_equal(bits, 1ULL << (RELID % 64));
	assert_int_equal(le32toh(f->gin.hdr->read_index),
			 le32toh(f->gin.hdr->write_index));

	assert_int_equal(guest_get(f, &p), 1);
	assert_int_equal(p.type, VMB_PKT_INBAND);
	assert_int_equal(p.trans_id, 0x1234);
	assert_int_equal(p.payload_len, sizeof(pl));
	assert_memory_equal(p.payload, pl, sizeof(pl));
	assert_int_equal(guest_get(f, &p), 1);
	assert_int_equal(p.type, VMB_PKT_COMPLETION);
	assert_int_equal(p.trans_id, 0x5678);
	assert_int_equal(p.payload_len, 8);
	assert_memory_equal(p.payload, pl, 8);
	assert_int_equal(guest_get(f, &p), 0);
	/* masked interrupts: no signal */
	f->gout.hdr->interrupt_mask = htole32(1);
	guest_put_inband(&f->gin, 0, 1, pl, 8);
	channel_doorbell(f->ch);
	assert_int_equal(f->notified[3], 1);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void test_gpa_checksum(void **state)
{
	struct fx *f = *state;
	uint8_t pl[64] = { 0 }, *pg;
	uint64_t h = VMB_ECHO_FNV1A64_BASIS, v;
	struct ring_pkt p;
	unsigned int i;

	/* a pattern in frames 3000..3003 */
	for (i = 0; i < 4; i++) {
		unsigned int j;

		pg = test_page(f->m, 3000 + i);
		for (j = 0; j < 4096; j++)
			pg[j] = (uint8_t)(j * 31 + i * 7 + (j >> 8));
	}
	/* range 1: 4000 bytes from offset 4000 of 3001 (frames 3001, 3003) */
	/* range 2: 10 bytes at offset 100 of frame 3000 */
	put_le32(pl, 2);
	put_le32(pl + 8, 4000);
	put_le32(pl + 12, 4000);
	put_le64(pl + 16, 3001);
	put_le64(pl + 24, 3003);
	put_le32(pl + 32, 10);
	put_le32(pl + 36, 100);
	put_le64(pl + 40, 3000);
	guest_put(&f->gin, VMB_PKT_GPA_RANGE, 8, 8, 0, 77, pl, 48);
	channel_doorbell(f->ch);
	assert_false(f->ch->broken);
	/* reference */
	h = fnv1a64(h, test_page(f->m, 3001) + 4000, 96);
	h = fnv1a64(h, test_page(f->m, 3003), 3904);
	h = fnv1a64(h, test_page(f->m, 3000) + 100, 10);
	assert_int_equal(guest_get(f, &p), 1);
	assert_int_equal(p.type, VMB_PKT_COMPLETION);
	assert_int_equal(p.trans_id, 77);
	assert_int_equal(p.payload_len, 16);
	memcpy(&v, p.payload, 8);
	assert_int_equal(le64toh(v), h);
	memcpy(&v, p.payload + 8, 8);
	assert_int_equal(le64toh(v), 4010);
	/* FNV-1a 64 of "a" (published test vector) */
	assert_int_equal(fnv1a64(VMB_ECHO_FNV1A64_BASIS, "a", 1), 0xaf63dc4c8601ec8cULL);
}

static void test_backlog_and_pause(void **state)
{
	struct fx *f = *state;
	uint8_t pl[1000];
	struct ring_pkt p;
	uint64_t next = 0;
	unsigned int i, rounds = 0;

	memset(pl, 0x5a, sizeof(pl));
	/* 7 packets of 1016 bytes: the out ring (4088 usable) takes 3 replies */
	for (i = 0; i < 7; i++)
		guest_put_inband(&f->gin, 0, i, pl, 1000 - 1000 % 8);
	channel_doorbell(f->ch);
	assert_int_equal(f->ch->st.rx_pkts, 7);
	assert_int_equal(f->ch->st.tx_pkts, 3);
	assert_int_equal(f->ch->st.ring_full, 4);
	assert_int_equal(f->ch->bl_len, 4);
	assert_int_equal(le32toh(f->gout.hdr->pending_send_sz),
			 ring_pkt_total(1000));
	/* the guest drains and signals until everything arrived, in order */
	while (next < 7) {
		assert_true(rounds++ < 10);
		while (guest_get(f, &p)) {
			assert_int_equal(p.trans_id, next);
			next++;
		}
		channel_doorbell(f->ch);
	}
	assert_int_equal(f->ch->bl_len, 0);
	assert_int_equal(le32toh(f->gout.hdr->pending_send_sz), 0);
	assert_int_equal(f->ch->st.dropped, 0);

	/* paused: nothing consumed; resume consumes */
	channel_set_paused(f->ch, true);
	guest_put_inband(&f->gin, 0, 100, pl, 8);
	channel_doorbell(f->ch);
	assert_int_equal(f->ch->st.rx_pkts, 7);
	channel_set_paused(f->ch, false);
	assert_int_equal(f->ch->st.rx_pkts, 8);
	assert_int_equal(guest_get(f, &p), 1);
	assert_int_equal(p.trans_id, 100);
}

static void test_broken(void **state)
{
	struct fx *f = *state;
	uint8_t pl[8] = { 0 };

	f->gin.hdr->write_index = htole32(13);
	channel_doorbell(f->ch);
	assert_true(f->ch->broken);
	/* stays broken: nothing is consumed or sent */
	f->gin.hdr->write_index = 0;
	guest_put_inband(&f->gin, 0, 1, pl, 8);
	channel_doorbell(f->ch);
	assert_int_equal(f->ch->st.rx_pkts, 0);
	assert_int_equal(f->ch->st.tx_pkts, 0);
}

/* A channel fault, on a channel of no channel manager: they need none. */
static int inject(struct fx *f, const char *kind, const char **err)
{
	const struct fault *fault = fault_find(kind);

	assert_non_null(fault);
	assert_true(fault->on_channel);
	return fault->inject(NULL, f->ch, err);
}

static void test_inject(void **state)
{
	struct fx *f = *state;
	const char *err, *why;
	struct ring_pkt p;
	uint32_t w, len;

	assert_int_equal(inject(f, "unknown-completion", &err), 0);
	assert_int_equal(guest_get(f, &p), 1);
	assert_int_equal(p.type, VMB_PKT_COMPLETION);
	assert_int_equal(p.trans_id, 0xdeadbeefcafeULL);
	assert_int_equal(inject(f, "ring-offset", &err), 0);
	assert_int_equal(ring_rx_begin(&f->gout, &w, &why), 0);
	assert_int_equal(ring_rx_next(&f->gout, w, f->buf, sizeof(f->buf), &len, &why), -1);
	assert_int_equal(inject(f, "ring-index", &err), 0);
	assert_int_equal(ring_rx_begin(&f->gout, &w, &why), -1);
	assert_null(fault_find("nonsense"));
	assert_true(f->notified[3] >= 3);
	/* not into a broken channel */
	channel_set_broken(f->ch, "test");
	assert_int_equal(inject(f, "ring-len", &err), -1);
	assert_string_equal(err, "channel is broken");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inband_and_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpa_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_and_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
