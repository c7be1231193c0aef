// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The integration services' host framework (backends/util.c) through the
 * heartbeat back end on a real channel: negotiation, requests, and every
 * kind of bad answer refused and counted while the channel keeps serving.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backends/registry.h"
#include "backends/util.h"
#include "core/channel.h"
#include "core/evloop.h"
#include "core/log.h"
#include "testutil.h"

#define RELID 71

struct fx {
	struct gmem *m;
	struct gpadl_table t;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	struct channel *ch;
	struct ring gin, gout;
	struct gpa_scratch scratch;
	uint8_t instance[VMB_GUID_LEN];
	struct chan_dev dev;
	uint8_t buf[4 * 4096];
};

static uint8_t instances;

static void notify(void *ctx, unsigned int v)
{
	(void)ctx;
	(void)v;
}

static int setup(void **state)
{
	static const uint64_t pfns[5] = { 800, 850, 820, 890, 810 };
	struct fx *f = calloc(1, sizeof(*f));
	__le64 le[5];
	uint32_t st, i;
	const char *why;
	struct gpadl *g;

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	f->m = test_ram_open();
	f->env.gmem = f->m;
	f->env.loop = evl_create();
	assert_non_null(f->env.loop);
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
	/* a device of its own per test: heartbeat state outlives channels */
	f->instance[0] = ++instances;
	f->dev.instance = f->instance;
	f->ch = channel_open_dev(&f->env, RELID, g, 3, 1,
				 &vmbd_backend_heartbeat, NULL, &f->dev, &st,
				 &why);
	assert_non_null(f->ch);
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
	evl_destroy(f->env.loop);
	test_ram_close(f->m);
	free(f);
	return 0;
}

/* The next request the host sent: its header and body. */
static int guest_req(struct fx *f, struct ring_pkt *p, struct vmb_util_hdr *h)
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
	assert_int_equal(p->type, VMB_PKT_INBAND);
	assert_true(p->flags & VMB_PKT_F_COMPLETION_REQUESTED);
	assert_true(p->payload_len >= sizeof(*h));
	memcpy(h, p->payload, sizeof(*h));
	assert_int_equal(le32toh(h->seq), p->trans_id);
	assert_true(le16toh(h->len) <= p->payload_len - sizeof(*h));
	return 1;
}

/* The guest's answer: a COMPLETION of hdr + body, padded to 8 bytes. */
static void guest_answer(struct fx *f, uint16_t pkt_type, uint64_t tid,
			 uint16_t type, uint16_t version, uint16_t status,
			 uint32_t seq, const void *body, uint16_t blen)
{
	uint8_t msg[64] = { 0 };
	struct vmb_util_hdr h = {
		.type = htole16(type), .version = htole16(version),
		.status = htole16(status), .len = htole16(blen),
		.seq = htole32(seq),
	};
	uint32_t plen = (sizeof(h) + blen + 7) & ~7u;

	assert_true(plen <= sizeof(msg));
	memcpy(msg, &h, sizeof(h));
	if (blen)
		memcpy(msg + sizeof(h), body, blen);
	guest_put(&f->gin, pkt_type, 2, (uint16_t)(2 + plen / 8), 0, tid, msg,
		  plen);
	channel_doorbell(f->ch);
}

/* Run the loop's due timers (NEGOTIATE goes out on the pass after open). */
static void run_timers(struct fx *f)
{
	evl_run_once(f->env.loop, 0);
}

static void negotiate(struct fx *f)
{
	struct vmb_util_negotiate n;
	struct vmb_util_hdr h;
	struct ring_pkt p;

	assert_int_equal(guest_req(f, &p, &h), 0);	/* not during open */
	run_timers(f);
	assert_int_equal(guest_req(f, &p, &h), 1);
	assert_int_equal(le16toh(h.type), VMB_UTIL_NEGOTIATE);
	assert_int_equal(le16toh(h.version), 0);
	assert_int_equal(le16toh(h.len), sizeof(n));
	memcpy(&n, p.payload + sizeof(h), sizeof(n));
	assert_int_equal(le16toh(n.count), 1);
	assert_int_equal(le16toh(n.versions[0]), VMB_UTIL_VERSION_1_0);
	guest_answer(f, VMB_PKT_COMPLETION, p.trans_id, VMB_UTIL_NEGOTIATE,
		     VMB_UTIL_VERSION_1_0, VMB_UTIL_S_OK, le32toh(h.seq), NULL, 0);
	assert_int_equal(util_chan(f->ch)->version, VMB_UTIL_VERSION_1_0);
}

static void test_negotiate_then_heartbeat(void **state)
{
	struct fx *f = *state;
	struct vmb_util_heartbeat b;
	struct vmb_util_hdr h;
	struct ring_pkt p;
	char line[512];

	negotiate(f);
	/* the first heartbeat goes out at once */
	assert_int_equal(guest_req(f, &p, &h), 1);
	assert_int_equal(le16toh(h.type), VMB_UTIL_HEARTBEAT);
	assert_int_equal(le16toh(h.version), VMB_UTIL_VERSION_1_0);
	memcpy(&b, p.payload + sizeof(h), sizeof(b));
	assert_int_equal(le64toh(b.sequence), 1);
	vmbd_backend_heartbeat.dev_stats(f->instance, f->ch, line, sizeof(line));
	assert_non_null(strstr(line, " hb=unresponsive hb_last_answer=never "));
	guest_answer(f, VMB_PKT_COMPLETION, p.trans_id, VMB_UTIL_HEARTBEAT,
		     VMB_UTIL_VERSION_1_0, VMB_UTIL_S_OK, le32toh(h.seq), &b,
		     sizeof(b));
	vmbd_backend_heartbeat.dev_stats(f->instance, f->ch, line, sizeof(line));
	assert_non_null(strstr(line, " hb=alive "));
	assert_non_null(strstr(line, " hb_answers=1 "));
	assert_int_equal(util_chan(f->ch)->bad, 0);
	assert_false(f->ch->broken);
}

static void test_bad_answers(void **state)
{
	struct fx *f = *state;
	struct vmb_util_heartbeat b, never = { .sequence = htole64(99) };
	struct util_chan *u;
	struct vmb_util_hdr h;
	struct ring_pkt p;
	uint32_t seq;
	char line[512];

	negotiate(f);
	u = util_chan(f->ch);
	assert_int_equal(guest_req(f, &p, &h), 1);
	seq = le32toh(h.seq);
	memcpy(&b, p.payload + sizeof(h), sizeof(b));
	/* not a completion */
	guest_answer(f, VMB_PKT_INBAND, seq, VMB_UTIL_HEARTBEAT,
		     VMB_UTIL_VERSION_1_0, 0, seq, &b, sizeof(b));
	assert_int_equal(u->bad, 1);
	/* shorter than the header */
	guest_put(&f->gin, VMB_PKT_COMPLETION, 2, 3, 0, seq, "short!!!", 8);
	channel_doorbell(f->ch);
	assert_int_equal(u->bad, 2);
	/* trans_id and seq disagree */
	guest_answer(f, VMB_PKT_COMPLETION, seq + 1, VMB_UTIL_HEARTBEAT,
		     VMB_UTIL_VERSION_1_0, 0, seq, &b, sizeof(b));
	assert_int_equal(u->bad, 3);
	/* an answer to a request never sent */
	guest_answer(f, VMB_PKT_COMPLETION, 1000, VMB_UTIL_HEARTBEAT,
		     VMB_UTIL_VERSION_1_0, 0, 1000, &b, sizeof(b));
	assert_int_equal(u->bad, 4);
	/* the wrong type for that request */
	guest_answer(f, VMB_PKT_COMPLETION, seq, 7, VMB_UTIL_VERSION_1_0, 0,
		     seq, &b, sizeof(b));
	assert_int_equal(u->bad, 5);
	/* another version */
	guest_answer(f, VMB_PKT_COMPLETION, seq, VMB_UTIL_HEARTBEAT,
		     VMB_UTIL_VERSION(2, 0), 0, seq, &b, sizeof(b));
	assert_int_equal(u->bad, 6);
	/* a body the header claims but the packet lacks */
	h.type = htole16(VMB_UTIL_HEARTBEAT);
	h.version = htole16(VMB_UTIL_VERSION_1_0);
	h.len = htole16(200);
	guest_put(&f->gin, VMB_PKT_COMPLETION, 2, 5, 0, seq, &h, 16);
	channel_doorbell(f->ch);
	assert_int_equal(u->bad, 7);
	/* the right answer with a sequence never sent */
	guest_answer(f, VMB_PKT_COMPLETION, seq, VMB_UTIL_HEARTBEAT,
		     VMB_UTIL_VERSION_1_0, 0, seq, &never, sizeof(never));
	assert_int_equal(u->answers, 2);	/* NEGOTIATE, this one */
	assert_int_equal(u->bad, 7);
	/* None of those counted as an answer; the channel still serves. */
	assert_false(f->ch->broken);
	vmbd_backend_heartbeat.dev_stats(f->instance, f->ch, line, sizeof(line));
	assert_non_null(strstr(line, " hb=unresponsive "));
	assert_non_null(strstr(line, " hb_answers=0 "));
	assert_non_null(strstr(line, " hb_wrong=1"));
}

static void test_no_common_version(void **state)
{
	struct fx *f = *state;
	struct vmb_util_hdr h;
	struct ring_pkt p;

	run_timers(f);
	assert_int_equal(guest_req(f, &p, &h), 1);
	guest_answer(f, VMB_PKT_COMPLETION, p.trans_id, VMB_UTIL_NEGOTIATE, 0,
		     VMB_UTIL_S_UNSUPPORTED, le32toh(h.seq), NULL, 0);
	assert_true(util_chan(f->ch)->refused_all);
	assert_int_equal(util_chan(f->ch)->version, 0);
	/* no heartbeat, and no retry of NEGOTIATE */
	assert_int_equal(guest_req(f, &p, &h), 0);
	assert_int_equal(util_send(util_chan(f->ch), VMB_UTIL_HEARTBEAT, "12345678", 8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negotiate_then_heartbeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_common_version, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
