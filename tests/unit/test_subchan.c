// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * MODIFY_CHANNEL (retarget) and REQUEST_SUBCHANNELS through chanmgr, with a
 * real channel layer on fake guest RAM: GPADLs, OPEN_CHANNEL, the echo
 * backend and the host-to-guest event bitmaps and vectors.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backends/registry.h"
#include "core/chanmgr.h"
#include "core/fault.h"
#include "core/guid.h"
#include "core/log.h"
#include "testutil.h"

#define MAX_OUT		64
#define NR_VECTORS	4
/* each channel's ring GPADL: 4 frames at PFN_BASE + 8 * relid */
#define RING_PAGES	4
#define IN_RING_PAGE	2
#define PFN_BASE	1000

struct fx {
	struct chanmgr cm;
	struct gmem *m;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	unsigned int notified[VMB_MAX_VECTORS];
	unsigned int nout;
	struct vmb_msg out[MAX_OUT];
	uint8_t test_class[VMB_GUID_LEN], echo_class[VMB_GUID_LEN];
	uint8_t buf[2 * 4096];
};

static void cap_send(void *ctx, const struct vmb_msg *m)
{
	struct fx *f = ctx;

	assert_true(f->nout < MAX_OUT);
	f->out[f->nout++] = *m;
}

static const struct chanmgr_ops cap_ops = { .send = cap_send };

static void notify(void *ctx, unsigned int v)
{
	struct fx *f = ctx;

	assert_true(v < VMB_MAX_VECTORS);
	f->notified[v]++;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	chanmgr_init(&f->cm, &cap_ops, f, VMB_VERSION_1_0, VMB_VERSION_1_0);
	f->m = test_ram_open();
	f->env.gmem = f->m;
	f->env.h2g_events = f->region + VMB_IF_H2G_EVENTS_OFF;
	f->env.g2h_events = f->region + VMB_IF_G2H_EVENTS_OFF;
	f->env.nr_vectors = NR_VECTORS;
	f->env.notify = notify;
	f->env.ctx = f;
	chanmgr_attach_env(&f->cm, &f->env);
	memcpy(f->test_class, vmbd_backend_test.guid, VMB_GUID_LEN);
	memcpy(f->echo_class, vmbd_backend_echo.guid, VMB_GUID_LEN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	chanmgr_fini(&f->cm);
	test_ram_close(f->m);
	free(f);
	return 0;
}


static uint32_t out_type(struct fx *f, unsigned int i)
{
	return le32toh(f->out[i].type);
}

static uint32_t out_le32(struct fx *f, unsigned int i, size_t off)
{
	uint32_t v;

	memcpy(&v, f->out[i].payload + off, 4);
	return le32toh(v);
}

static struct vmb_msg_offer out_offer(struct fx *f, unsigned int i)
{
	struct vmb_msg_offer o;

	assert_int_equal(out_type(f, i), VMB_MSG_OFFER);
	assert_int_equal(le32toh(f->out[i].len), sizeof(o));
	memcpy(&o, f->out[i].payload, sizeof(o));
	return o;
}

static void handle_ok(struct fx *f, const struct vmb_msg *m)
{
	assert_int_equal(chanmgr_handle(&f->cm, m), 0);
}

/* Rejected: counted, no reply, channel table unchanged. */
static void expect_reject(struct fx *f, const struct vmb_msg *m)
{
	struct chanmgr_channel *before = malloc(sizeof(f->cm.chan));
	uint64_t rejected = f->cm.rejected, ignored = f->cm.subchan_ignored;
	unsigned int nout = f->nout;

	assert_non_null(before);
	memcpy(before, f->cm.chan, sizeof(f->cm.chan));
	assert_int_equal(chanmgr_handle(&f->cm, m), -1);
	assert_int_equal(f->cm.rejected, rejected + 1);
	assert_int_equal(f->cm.subchan_ignored, ignored);
	assert_int_equal(f->nout, nout);
	assert_memory_equal(f->cm.chan, before, sizeof(f->cm.chan));
	free(before);
}

static void connect_guest(struct fx *f)
{
	struct vmb_msg_initiate_contact c = {
		.version_min = htole32(VMB_VERSION_1_0),
		.version_max = htole32(VMB_VERSION_1_0),
	};
	struct vmb_msg m = msg(VMB_MSG_INITIATE_CONTACT, sizeof(c), &c, sizeof(c));

	handle_ok(f, &m);
	assert_true(f->cm.connected);
	f->nout = 0;
}

static uint32_t add_channel(struct fx *f, const uint8_t *class_id,
			    uint8_t inst[VMB_GUID_LEN])
{
	const char *err = NULL;
	uint32_t relid = 0;

	assert_int_equal(guid_random(inst), 0);
	assert_int_equal(chanmgr_add_channel(&f->cm, class_id, inst,
					     registry_find_guid(class_id), NULL,
					     &relid, &err), 0);
	return relid;
}

/* GPADL id = relid, RING_PAGES frames; then OPEN_CHANNEL on target_vcpu. */
static void open_channel(struct fx *f, uint32_t relid, uint32_t vcpu)
{
	uint8_t pl[sizeof(struct vmb_msg_gpadl_header) + 8 * RING_PAGES];
	struct vmb_msg_open_channel o = {
		.relid = htole32(relid),
		.open_id = htole32(relid + 100),
		.ring_gpadl = htole32(relid),
		.in_ring_page = htole32(IN_RING_PAGE),
		.target_vcpu = htole32(vcpu),
	};
	struct vmb_msg_gpadl_header h = {
		.gpadl_id = htole32(relid),
		.relid = htole32(relid),
		.nr_pages = htole32(RING_PAGES),
		.nr_pfns = htole32(RING_PAGES),
	};
	struct vmb_msg m;
	unsigned int i;

	memcpy(pl, &h, sizeof(h));
	for (i = 0; i < RING_PAGES; i++) {
		uint64_t pfn = htole64(PFN_BASE + 8 * relid + i);

		memcpy(pl + sizeof(h) + 8 * i, &pfn, 8);
	}
	f->nout = 0;
	m = msg(VMB_MSG_GPADL_HEADER, sizeof(pl), pl, sizeof(pl));
	handle_ok(f, &m);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_GPADL_CREATED);
	assert_int_equal(out_le32(f, 0, 8), VMB_STATUS_OK);
	m = msg(VMB_MSG_OPEN_CHANNEL, sizeof(o), &o, sizeof(o));
	handle_ok(f, &m);
	assert_int_equal(f->nout, 2);
	assert_int_equal(out_type(f, 1), VMB_MSG_OPEN_RESULT);
	assert_int_equal(out_le32(f, 1, 0), relid);
	assert_int_equal(out_le32(f, 1, 8), VMB_STATUS_OK);
	assert_non_null(f->cm.chan[relid].open);
	assert_int_equal(f->cm.chan[relid].open->vector, 1 + vcpu);
	f->nout = 0;
}

static struct vmb_msg modify_msg(uint32_t relid, uint32_t vcpu)
{
	struct vmb_msg_modify_channel mc = {
		.relid = htole32(relid), .target_vcpu = htole32(vcpu),
	};

	return msg(VMB_MSG_MODIFY_CHANNEL, sizeof(mc), &mc, sizeof(mc));
}

static struct vmb_msg subreq_msg(uint32_t relid, uint32_t count)
{
	struct vmb_msg_request_subchannels rq = {
		.relid = htole32(relid), .count = htole32(count),
	};

	return msg(VMB_MSG_REQUEST_SUBCHANNELS, sizeof(rq), &rq, sizeof(rq));
}

/* MODIFY_CHANNEL answered by exactly one MODIFY_RESULT {relid, status}. */
static void expect_modify(struct fx *f, uint32_t relid, uint32_t vcpu,
			  uint32_t status)
{
	struct vmb_msg m = modify_msg(relid, vcpu);

	f->nout = 0;
	handle_ok(f, &m);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_MODIFY_RESULT);
	assert_int_equal(le32toh(f->out[0].len), sizeof(struct vmb_msg_modify_result));
	assert_int_equal(out_le32(f, 0, 0), relid);
	assert_int_equal(out_le32(f, 0, 4), status);
	f->nout = 0;
}

static uint64_t take_bits(struct fx *f, unsigned int vector, uint32_t relid)
{
	return chan_event_take_word(f->region + VMB_IF_H2G_EVENTS_OFF +
				    (vector - 1) * VMB_EVENT_BITMAP_SIZE,
				    relid / 64) & (1ULL << (relid % 64));
}

/*
 * The guest writes one INBAND packet into relid's ring and rings
 * VMB_VECTOR_CHANNEL; the echo backend answers and signals.  Returns the
 * vector that was raised (exactly one, with its bitmap bit set).
 */
static unsigned int echo_roundtrip(struct fx *f, uint32_t relid, uint64_t tid)
{
	struct gpadl *g = gpadl_find(&f->cm.gpadls, relid);
	uint64_t pl = htole64(tid), got;
	unsigned int before[VMB_MAX_VECTORS], v, hit = 0, n = 0;
	struct ring gin, gout;
	const char *why;
	uint32_t w, len;

	assert_non_null(g);
	memcpy(before, f->notified, sizeof(before));
	assert_int_equal(ring_init_tx(&gin, g->page, IN_RING_PAGE), 0);
	assert_int_equal(ring_init_rx(&gout, g->page + IN_RING_PAGE,
				      RING_PAGES - IN_RING_PAGE), 0);
	guest_put_inband(&gin, 0, tid, &pl, 8);
	chan_event_set(f->env.g2h_events, relid);
	chanmgr_channel_events(&f->cm);
	for (v = 0; v < VMB_MAX_VECTORS; v++) {
		if (f->notified[v] != before[v]) {
			assert_int_equal(f->notified[v], before[v] + 1);
			hit = v;
			n++;
		}
	}
	assert_int_equal(n, 1);
	assert_true(hit >= 1 && hit <= VMB_MAX_CHAN_VECTORS);
	for (v = 1; v <= VMB_MAX_CHAN_VECTORS; v++)
		assert_int_equal(take_bits(f, v, relid) != 0, v == hit);
	/* the echo came back on this channel's own ring */
	assert_int_equal(ring_rx_begin(&gout, &w, &why), 0);
	assert_int_equal(ring_rx_next(&gout, w, f->buf, sizeof(f->buf), &len, &why), 1);
	assert_int_equal(len, 16 + 8);
	memcpy(&got, f->buf + 8, 8);
	assert_int_equal(le64toh(got), tid);
	memcpy(&got, f->buf + 16, 8);
	assert_int_equal(le64toh(got), tid);
	ring_rx_advance(&gout, len);
	ring_rx_end(&gout, w, true);
	return hit;
}

/* ---------------------------------------------------------------- */

static void test_retarget(void **state)
{
	struct fx *f = *state;
	uint8_t inst[VMB_GUID_LEN];
	uint32_t relid;

	relid = add_channel(f, f->echo_class, inst);
	connect_guest(f);
	open_channel(f, relid, 0);
	assert_int_equal(echo_roundtrip(f, relid, 1), 1);

	expect_modify(f, relid, 2, VMB_STATUS_OK);
	assert_int_equal(f->cm.chan[relid].open->vector, 3);
	assert_int_equal(f->cm.chan[relid].open->st.retargets, 1);
	assert_int_equal(echo_roundtrip(f, relid, 2), 3);
	assert_int_equal(f->notified[1], 1);
	assert_int_equal(f->notified[3], 1);
	/* and back; the same vector again is fine too */
	expect_modify(f, relid, 0, VMB_STATUS_OK);
	expect_modify(f, relid, 0, VMB_STATUS_OK);
	assert_int_equal(f->cm.chan[relid].open->st.retargets, 3);
	assert_int_equal(echo_roundtrip(f, relid, 3), 1);
	assert_int_equal(f->cm.rejected, 0);
}

static void test_retarget_invalid(void **state)
{
	struct fx *f = *state;
	uint8_t inst[VMB_GUID_LEN];
	uint32_t relid, closed;
	struct vmb_msg m;

	relid = add_channel(f, f->echo_class, inst);
	closed = add_channel(f, f->echo_class, inst);
	/* before contact: rejected, no reply */
	m = modify_msg(relid, 0);
	expect_reject(f, &m);
	connect_guest(f);
	open_channel(f, relid, 1);
	/* relid 0 / out of range / wrong lengths: rejected, no reply */
	m = modify_msg(0, 0);
	expect_reject(f, &m);
	m = modify_msg(VMB_MAX_RELID, 0);
	expect_reject(f, &m);
	m = modify_msg(0xffffffff, 0);
	expect_reject(f, &m);
	m = modify_msg(relid, 0);
	m.len = htole32(4);
	expect_reject(f, &m);
	m.len = htole32(12);
	expect_reject(f, &m);
	/* MODIFY_RESULT from the guest */
	m = msg(VMB_MSG_MODIFY_RESULT, sizeof(struct vmb_msg_modify_result), NULL, 0);
	expect_reject(f, &m);

	/* unknown and not-open channels: INVALID */
	expect_modify(f, 77, 0, VMB_STATUS_INVALID);
	expect_modify(f, closed, 0, VMB_STATUS_INVALID);
	/* vCPUs without a vector: INVALID, vector unchanged */
	expect_modify(f, relid, NR_VECTORS - 1, VMB_STATUS_INVALID);
	expect_modify(f, relid, 1000, VMB_STATUS_INVALID);
	expect_modify(f, relid, 0xffffffff, VMB_STATUS_INVALID);
	f->env.nr_vectors = VMB_MAX_VECTORS;
	expect_modify(f, relid, VMB_MAX_CHAN_VECTORS, VMB_STATUS_INVALID);
	assert_int_equal(f->cm.chan[relid].open->vector, 2);
	assert_int_equal(f->cm.chan[relid].open->st.retargets, 0);
	/* the highest channel vector is fine */
	expect_modify(f, relid, VMB_MAX_CHAN_VECTORS - 1, VMB_STATUS_OK);
	assert_int_equal(f->cm.chan[relid].open->vector, VMB_MAX_CHAN_VECTORS);
	f->env.nr_vectors = NR_VECTORS;
	/* closed again: INVALID */
	m = msg(VMB_MSG_CLOSE_CHANNEL, 4, &(uint32_t){ htole32(relid) }, 4);
	handle_ok(f, &m);
	expect_modify(f, relid, 0, VMB_STATUS_INVALID);
	assert_int_equal(f->cm.rejected, 7);
}

/* REQUEST_SUBCHANNELS that succeeds: count offers, checked; their relids. */
static void request_subs(struct fx *f, uint32_t primary, uint32_t count,
			 uint16_t first_index, uint32_t *relids)
{
	struct vmb_msg m = subreq_msg(primary, count);
	const struct chanmgr_channel *p = chanmgr_channel(&f->cm, primary);
	unsigned int i, j;

	f->nout = 0;
	handle_ok(f, &m);
	assert_int_equal(f->nout, count);
	for (i = 0; i < count; i++) {
		struct vmb_msg_offer o = out_offer(f, i);
		uint32_t r = le32toh(o.relid);
		const struct chanmgr_channel *c = chanmgr_channel(&f->cm, r);

		assert_non_null(c);
		assert_int_not_equal(r, primary);
		for (j = 0; j < i; j++)
			assert_int_not_equal(r, relids[j]);
		relids[i] = r;
		assert_memory_equal(o.class_id, p->class_id, VMB_GUID_LEN);
		assert_memory_equal(o.instance_id, p->instance_id, VMB_GUID_LEN);
		assert_int_equal(le16toh(o.sub_index), first_index + i);
		assert_int_equal(o.flags, 0);
		assert_int_equal(o.reserved[0] | o.reserved[1], 0);
		assert_int_equal(c->state, CHANMGR_CHAN_OFFERED);
		assert_int_equal(c->sub_index, first_index + i);
		assert_int_equal(c->parent, primary);
		assert_null(c->open);
	}
	f->nout = 0;
}

static void test_subchannels(void **state)
{
	struct fx *f = *state;
	uint8_t inst[VMB_GUID_LEN], other[VMB_GUID_LEN];
	uint32_t primary, test2, subs[VMB_MAX_SUBCHANNELS], r;
	const char *err;
	struct vmb_msg m;
	unsigned int i;

	primary = add_channel(f, f->echo_class, inst);
	test2 = add_channel(f, f->echo_class, other);
	connect_guest(f);
	open_channel(f, primary, 0);
	request_subs(f, primary, 3, 1, subs);
	for (i = 0; i < 3; i++)
		assert_int_equal(subs[i], 3 + i);	/* lowest free relids */
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), 3);
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, test2), 0);
	/* the instance still names the primary; no second primary with it */
	assert_int_equal(chanmgr_find_instance(&f->cm, inst), primary);
	assert_int_equal(chanmgr_add_channel(&f->cm, f->echo_class, inst,
					     &vmbd_backend_echo, NULL, &r, &err), -1);
	assert_string_equal(err, "duplicate instance GUID");

	/* a sub-channel is a channel: rings, its own echo, its own vector */
	open_channel(f, subs[1], 2);
	assert_int_equal(echo_roundtrip(f, subs[1], 42), 3);
	assert_int_equal(echo_roundtrip(f, primary, 43), 1);
	assert_int_equal(f->cm.chan[subs[1]].open->st.rx_pkts, 1);
	assert_int_equal(f->cm.chan[primary].open->st.rx_pkts, 1);
	expect_modify(f, subs[1], 1, VMB_STATUS_OK);
	assert_int_equal(echo_roundtrip(f, subs[1], 44), 2);
	m = msg(VMB_MSG_CLOSE_CHANNEL, 4, &(uint32_t){ htole32(subs[1]) }, 4);
	handle_ok(f, &m);
	assert_null(f->cm.chan[subs[1]].open);

	/* up to VMB_MAX_SUBCHANNELS in all, over several requests */
	request_subs(f, primary, VMB_MAX_SUBCHANNELS - 3, 4, subs + 3);
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), VMB_MAX_SUBCHANNELS);
	m = subreq_msg(primary, 1);
	expect_reject(f, &m);
	/* REQUEST_OFFERS again: primaries first, then the sub-channels */
	m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
	handle_ok(f, &m);
	assert_int_equal(f->nout, 2 + VMB_MAX_SUBCHANNELS + 1);
	assert_int_equal(le16toh(out_offer(f, 0).sub_index), 0);
	assert_int_equal(le16toh(out_offer(f, 1).sub_index), 0);
	for (i = 0; i < VMB_MAX_SUBCHANNELS; i++)
		assert_int_not_equal(le16toh(out_offer(f, 2 + i).sub_index), 0);
	assert_int_equal(f->cm.rejected, 1);
	assert_int_equal(f->cm.subchan_ignored, 0);
}

static void test_subchannels_refused(void **state)
{
	struct fx *f = *state;
	uint8_t inst[VMB_GUID_LEN];
	uint32_t primary, closed, tst, subs[VMB_MAX_SUBCHANNELS];
	struct vmb_msg m;

	primary = add_channel(f, f->echo_class, inst);
	closed = add_channel(f, f->echo_class, inst);
	tst = add_channel(f, f->test_class, inst);
	/* before contact */
	m = subreq_msg(primary, 1);
	expect_reject(f, &m);
	connect_guest(f);
	open_channel(f, primary, 0);
	open_channel(f, tst, 0);
	/* malformed: relid range, count range, lengths */
	m = subreq_msg(0, 1);
	expect_reject(f, &m);
	m = subreq_msg(VMB_MAX_RELID, 1);
	expect_reject(f, &m);
	m = subreq_msg(primary, 0);
	expect_reject(f, &m);
	m = subreq_msg(primary, VMB_MAX_SUBCHANNELS + 1);
	expect_reject(f, &m);
	m = subreq_msg(primary, 0xffffffff);
	expect_reject(f, &m);
	m = subreq_msg(primary, 1);
	m.len = htole32(4);
	expect_reject(f, &m);
	m.len = htole32(9);
	expect_reject(f, &m);
	/* unknown relid, closed primary */
	m = subreq_msg(99, 1);
	expect_reject(f, &m);
	m = subreq_msg(closed, 1);
	expect_reject(f, &m);
	/* on a sub-channel, even an open one */
	request_subs(f, primary, 2, 1, subs);
	m = subreq_msg(subs[0], 1);
	expect_reject(f, &m);
	open_channel(f, subs[0], 0);
	expect_reject(f, &m);
	/* more than the remaining room */
	m = subreq_msg(primary, VMB_MAX_SUBCHANNELS - 1);
	expect_reject(f, &m);
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), 2);
	assert_int_equal(f->cm.rejected, 13);
	assert_int_equal(f->cm.subchan_ignored, 0);

	/* a class without sub-channels: ignored (counted), not rejected */
	f->nout = 0;
	m = subreq_msg(tst, 2);
	handle_ok(f, &m);
	assert_int_equal(f->nout, 0);
	assert_int_equal(f->cm.subchan_ignored, 1);
	assert_int_equal(f->cm.rejected, 13);
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, tst), 0);
	/* ...but a malformed one is still rejected */
	m = subreq_msg(tst, 0);
	expect_reject(f, &m);
	/* the room that is left can still be used */
	request_subs(f, primary, VMB_MAX_SUBCHANNELS - 2, 3, subs + 2);
}

static void test_subchannels_rescind(void **state)
{
	struct fx *f = *state;
	uint8_t inst[VMB_GUID_LEN], inst2[VMB_GUID_LEN];
	uint32_t primary, subs[3], more[1], r;
	const char *err;
	struct vmb_msg m;
	unsigned int i;

	primary = add_channel(f, f->echo_class, inst);
	connect_guest(f);
	open_channel(f, primary, 0);
	request_subs(f, primary, 3, 1, subs);
	open_channel(f, subs[2], 1);

	/* a sub-channel alone */
	assert_int_equal(chanmgr_rescind(&f->cm, subs[0], &err), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_RESCIND);
	assert_int_equal(out_le32(f, 0, 0), subs[0]);
	assert_int_equal(f->cm.chan[subs[0]].state, CHANMGR_CHAN_RESCINDING);
	assert_int_equal(f->cm.chan[primary].state, CHANMGR_CHAN_OFFERED);
	/* still counts (its relid and index are taken) until released */
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), 3);
	m = msg(VMB_MSG_RELID_RELEASED, 4, &(uint32_t){ htole32(subs[0]) }, 4);
	handle_ok(f, &m);
	assert_null(chanmgr_channel(&f->cm, subs[0]));
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), 2);
	/* its index is free again */
	request_subs(f, primary, 1, 1, more);
	assert_int_equal(more[0], subs[0]);
	subs[0] = more[0];

	/* the primary: every sub-channel first, then the primary */
	f->nout = 0;
	assert_int_equal(chanmgr_rescind(&f->cm, primary, &err), 0);
	assert_int_equal(f->nout, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(out_type(f, i), VMB_MSG_RESCIND);
	for (i = 0; i < 3; i++) {
		r = out_le32(f, i, 0);
		assert_int_not_equal(r, primary);
		assert_int_equal(f->cm.chan[r].parent, primary);
		assert_int_equal(f->cm.chan[r].state, CHANMGR_CHAN_RESCINDING);
	}
	assert_int_equal(out_le32(f, 3, 0), primary);
	assert_int_equal(f->cm.chan[primary].state, CHANMGR_CHAN_RESCINDING);
	assert_int_equal(chanmgr_rescind(&f->cm, primary, &err), -1);
	/* no requests on a rescinding primary */
	m = subreq_msg(primary, 1);
	expect_reject(f, &m);
	/* the guest releases the primary first: its sub-channels orphaned */
	m = msg(VMB_MSG_RELID_RELEASED, 4, &(uint32_t){ htole32(primary) }, 4);
	handle_ok(f, &m);
	assert_null(chanmgr_channel(&f->cm, primary));
	for (i = 0; i < 3; i++)
		assert_int_equal(f->cm.chan[subs[i]].parent, 0);
	/* a new primary on that relid does not inherit them */
	assert_int_equal(add_channel(f, f->echo_class, inst2), primary);
	assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), 0);
	assert_int_equal(chanmgr_find_instance(&f->cm, inst), 0);
	for (i = 0; i < 3; i++) {
		m = msg(VMB_MSG_RELID_RELEASED, 4, &(uint32_t){ htole32(subs[i]) }, 4);
		handle_ok(f, &m);
		assert_null(chanmgr_channel(&f->cm, subs[i]));
	}
	assert_int_equal(f->cm.rejected, 1);
}

static void test_subchannels_forgotten(void **state)
{
	struct fx *f = *state;
	uint8_t inst[VMB_GUID_LEN], inst2[VMB_GUID_LEN];
	uint32_t primary, p2, subs[4], r;
	const char *err;
	struct vmb_msg m;
	int round;

	primary = add_channel(f, f->echo_class, inst);
	p2 = add_channel(f, f->echo_class, inst2);
	for (round = 0; round < 3; round++) {
		connect_guest(f);
		open_channel(f, primary, 0);
		request_subs(f, primary, 4, 1, subs);
		open_channel(f, subs[3], 1);
		assert_int_equal(chanmgr_rescind(&f->cm, subs[1], &err), 0);
		if (round == 0) {
			m = msg(VMB_MSG_UNLOAD, 0, NULL, 0);
			handle_ok(f, &m);
		} else if (round == 1) {
			chanmgr_transport_reset(&f->cm);
		}
		/* round 2: contact again while connected */
		connect_guest(f);
		for (r = 1; r < VMB_MAX_RELID; r++)
			if (r != primary && r != p2)
				assert_null(chanmgr_channel(&f->cm, r));
		assert_null(f->cm.chan[primary].open);
		assert_int_equal(chanmgr_nr_subchannels(&f->cm, primary), 0);
		assert_int_equal(f->cm.gpadls.nr, 0);
		/* only the configured primaries are offered again */
		m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
		handle_ok(f, &m);
		assert_int_equal(f->nout, 3);
		assert_int_equal(le32toh(out_offer(f, 0).relid), primary);
		assert_int_equal(le16toh(out_offer(f, 0).sub_index), 0);
		assert_int_equal(le32toh(out_offer(f, 1).relid), p2);
		assert_int_equal(out_type(f, 2), VMB_MSG_ALL_OFFERS_DELIVERED);
		f->nout = 0;
		/* relids freed: the next request gets the same ones */
	}
	assert_int_equal(f->cm.rejected, 0);
}

/*
 * A back end with device options: a primary's options reach each of its
 * sub-channels, and are freed once, with the last channel of the device.
 */
struct fake_conf {
	unsigned int depth;
};

static unsigned int fake_frees, fake_opens;
static const struct fake_conf *fake_seen;

static int fake_parse(void **conf, const char *key, const char *value,
		      const char **err)
{
	struct fake_conf *c = *conf;

	if (strcmp(key, "depth") || !value) {
		*err = "unknown option";
		return -1;
	}
	if (!c) {
		c = calloc(1, sizeof(*c));
		assert_non_null(c);
		*conf = c;
	}
	c->depth = (unsigned int)atoi(value);
	return 0;
}

static void fake_free(void *conf)
{
	fake_frees++;
	free(conf);
}

static int fake_open(struct channel *ch)
{
	fake_opens++;
	fake_seen = ch->conf ? ch->conf->conf : NULL;
	return 0;
}

static const struct vmbd_backend fake_be = {
	.name = "fake",
	.help = "options and sub-channels",
	.subchannels = true,
	.parse_opt = fake_parse,
	.free_conf = fake_free,
	.open = fake_open,
};

static void test_device_options(void **state)
{
	struct fx *f = *state;
	char opt0[] = "depth=3", opt1[] = "depth=7";
	char *opts[] = { opt0, opt1 };
	uint8_t cls[VMB_GUID_LEN], inst[VMB_GUID_LEN];
	struct vmbd_conf *conf;
	struct vmb_msg m;
	uint32_t primary, sub;
	const char *err;

	fake_frees = fake_opens = 0;
	fake_seen = NULL;
	assert_int_equal(guid_random(cls), 0);
	assert_int_equal(guid_random(inst), 0);
	assert_int_equal(vmbd_conf_parse(&fake_be, opts, 2, &conf, &err), 0);
	assert_int_equal(((struct fake_conf *)conf->conf)->depth, 7);
	assert_int_equal(chanmgr_add_channel(&f->cm, cls, inst, &fake_be, conf,
					     &primary, &err), 0);
	connect_guest(f);
	open_channel(f, primary, 0);
	assert_int_equal(fake_opens, 1);
	assert_ptr_equal(fake_seen, conf->conf);
	m = subreq_msg(primary, 2);
	handle_ok(f, &m);
	assert_int_equal(f->nout, 2);
	assert_int_equal(conf->refs, 3);
	sub = le32toh(out_offer(f, 1).relid);
	assert_ptr_equal(f->cm.chan[sub].conf, conf);
	fake_seen = NULL;
	open_channel(f, sub, 1);
	assert_int_equal(fake_opens, 2);
	assert_ptr_equal(fake_seen, conf->conf);
	/* the guest goes: sub-channels are forgotten, the primary stays */
	chanmgr_transport_reset(&f->cm);
	assert_int_equal(conf->refs, 1);
	assert_int_equal(fake_frees, 0);
	assert_int_equal(chanmgr_rescind(&f->cm, primary, &err), 0);
	assert_int_equal(fake_frees, 1);
	/* a device still there at exit: chanmgr_fini() frees its options */
	assert_int_equal(vmbd_conf_parse(&fake_be, opts, 1, &conf, &err), 0);
	assert_int_equal(guid_random(inst), 0);
	assert_int_equal(chanmgr_add_channel(&f->cm, cls, inst, &fake_be, conf,
					     &primary, &err), 0);
	chanmgr_fini(&f->cm);
	assert_int_equal(fake_frees, 2);
	assert_null(chanmgr_channel(&f->cm, primary));
}

/* vmbusctl inject KIND RELID: faults on an open channel. */
static void test_channel_faults(void **state)
{
	struct fx *f = *state;
	const struct fault *len = fault_find("ring-len");
	const struct fault *gpadl = fault_find("gpadl-unknown");
	uint8_t inst[VMB_GUID_LEN];
	struct ring gout;
	struct gpadl *g;
	const char *err, *why;
	uint32_t relid, w, l;

	assert_non_null(len);
	assert_non_null(gpadl);
	assert_true(len->on_channel && gpadl->on_channel);
	assert_int_equal(fault_inject(&f->cm, len, 5, &err), -1);
	assert_string_equal(err, "no such channel");
	relid = add_channel(f, f->echo_class, inst);
	connect_guest(f);
	assert_int_equal(fault_inject(&f->cm, gpadl, relid, &err), -1);
	assert_string_equal(err, "channel is not open");
	assert_int_equal(f->nout, 0);
	open_channel(f, relid, 0);
	/* an answer to a request never made, on the message queue */
	assert_int_equal(fault_inject(&f->cm, gpadl, relid, &err), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_GPADL_CREATED);
	assert_int_equal(out_le32(f, 0, 0), 0x7fffffff);
	assert_int_equal(out_le32(f, 0, 4), relid);
	assert_int_equal(out_le32(f, 0, 8), VMB_STATUS_OK);
	/* a descriptor the guest must refuse, and a signal */
	assert_int_equal(fault_inject(&f->cm, len, relid, &err), 0);
	assert_int_equal(f->notified[1], 1);
	g = gpadl_find(&f->cm.gpadls, relid);
	assert_non_null(g);
	assert_int_equal(ring_init_rx(&gout, g->page + IN_RING_PAGE,
				      RING_PAGES - IN_RING_PAGE), 0);
	assert_int_equal(ring_rx_begin(&gout, &w, &why), 0);
	assert_int_equal(ring_rx_next(&gout, w, f->buf, sizeof(f->buf), &l, &why), -1);
	assert_int_equal(f->cm.rejected, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_retarget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retarget_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subchannels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subchannels_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subchannels_rescind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subchannels_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_faults, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
