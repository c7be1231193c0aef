// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The storage back end's TASK_MANAGEMENT (protocol 1.1), through a real
 * channel on fake guest RAM, a temp image and io_uring: an abort of an SRB
 * whose I/O is in flight answers ABORTED and that SRB is never completed;
 * an abort of an id the host does not hold (never sent, completed, or
 * dropped by the drop fault) answers NOT_FOUND; a LUN reset stops that
 * LUN's SRBs only; malformed requests are answered INVALID and change
 * nothing; a 1.0 session has no TASK_MANAGEMENT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "storage_fx.h"

/* The fixture's controller, with a second disk (LUN 1) of our own. */
struct fx {
	struct stor_fx *s;
	char img1[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char opt[96];
	const char *opts[1] = { opt };
	int fd;

	assert_non_null(f);
	strcpy(f->img1, "/tmp/vmbusd_test_abort.XXXXXX");
	fd = mkstemp(f->img1);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, STOR_FX_IMG_SIZE), 0);
	close(fd);
	snprintf(opt, sizeof(opt), "disk=%s", f->img1);
	f->s = stor_fx_create(opts, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	stor_fx_destroy(f->s);
	unlink(f->img1);
	free(f);
	return 0;
}

/* The next completion, running the loop (io_uring) until there is one. */
static void get_completion(struct fx *f, struct ring_pkt *p)
{
	assert_int_equal(stor_fx_wait(f->s, p, 4000), 1);
	assert_int_equal(p->type, VMB_PKT_COMPLETION);
}

/* Nothing more comes, however long the loop runs. */
static void assert_quiet(struct fx *f)
{
	struct ring_pkt p;

	assert_int_equal(stor_fx_wait(f->s, &p, 100), 0);
}

/* An INBAND request; the status, and the answer of exactly alen bytes. */
static int request(struct fx *f, uint64_t tid, const void *msg, uint32_t len,
		   void *answer, uint32_t alen)
{
	struct ring_pkt p;

	guest_put_inband(&f->s->gin, VMB_PKT_F_COMPLETION_REQUESTED, tid, msg,
			 len);
	channel_doorbell(f->s->ch);
	get_completion(f, &p);
	assert_int_equal(p.trans_id, tid);
	if (answer) {
		assert_int_equal(p.payload_len, alen);
		memcpy(answer, p.payload, alen);
	}
	return (int)le32toh(((const struct vmb_stor_hdr *)p.payload)->status);
}

static void do_init_version(struct fx *f, uint32_t version)
{
	struct vmb_stor_hdr h = { .type = htole32(VMB_STOR_BEGIN_INIT) };
	struct vmb_stor_version v = {
		.hdr.type = htole32(VMB_STOR_QUERY_VERSION),
		.version = htole32(version),
	};

	assert_int_equal(request(f, 1, &h, sizeof(h), NULL, 0), VMB_STOR_S_OK);
	assert_int_equal(request(f, 2, &v, sizeof(v), &v, sizeof(v)),
			 VMB_STOR_S_OK);
	assert_int_equal(le32toh(v.version), version);
	h.type = htole32(VMB_STOR_END_INIT);
	assert_int_equal(request(f, 3, &h, sizeof(h), NULL, 0), VMB_STOR_S_OK);
}

static void do_init(struct fx *f)
{
	do_init_version(f, VMB_STOR_VERSION_1_1);
}

/* READ(10) of 8 blocks at lba of lun, into frame STOR_FX_DATA_PFN + page. */
static void put_read(struct fx *f, uint64_t tid, uint16_t lun, uint32_t lba,
		     uint32_t page)
{
	struct vmb_stor_srb_msg m;
	uint8_t cdb[10];

	stor_fx_rw10(cdb, false, lba, 8);
	m = stor_fx_srb(VMB_STOR_DIR_READ, 4096, cdb, 10);
	m.srb.lun = htole16(lun);
	stor_fx_put(f->s, tid, &m, page, 4096);
}

static struct vmb_stor_task_mgmt tm(uint8_t function, uint16_t lun,
				    uint64_t tag)
{
	struct vmb_stor_task_mgmt m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = htole32(VMB_STOR_TASK_MANAGEMENT);
	m.function = function;
	m.lun = htole16(lun);
	m.tag = htole64(tag);
	return m;
}

/*
 * Send a TASK_MANAGEMENT as trans_id tid; collects the SRB completions that
 * come before its answer into done[] (their trans_ids; at most max) and
 * returns their count.  *a is the answer, which must be in the TM's shape.
 */
static unsigned int send_tm(struct fx *f, uint64_t tid,
			    const struct vmb_stor_task_mgmt *m,
			    struct vmb_stor_task_mgmt *a, uint64_t *done,
			    unsigned int max)
{
	struct ring_pkt p;
	unsigned int n = 0;
	struct vmb_stor_hdr h;

	guest_put_inband(&f->s->gin, VMB_PKT_F_COMPLETION_REQUESTED, tid, m,
			 sizeof(*m));
	channel_doorbell(f->s->ch);
	for (;;) {
		get_completion(f, &p);
		assert_true(p.payload_len >= sizeof(h));
		memcpy(&h, p.payload, sizeof(h));
		if (le32toh(h.type) == VMB_STOR_TASK_MANAGEMENT)
			break;
		assert_int_equal(le32toh(h.type), VMB_STOR_EXECUTE_SRB);
		assert_true(n < max);
		done[n++] = p.trans_id;
	}
	assert_int_equal(p.trans_id, tid);
	assert_int_equal(p.payload_len, sizeof(*a));
	memcpy(a, p.payload, sizeof(*a));
	return n;
}

/* Completions until none is left; their trans_ids into done[]. */
static unsigned int drain(struct fx *f, uint64_t *done, unsigned int max)
{
	const struct stor_stats *st = storage_chan_stats(f->s->ch);
	struct ring_pkt p;
	unsigned int n = 0;

	while (st->in_flight) {
		get_completion(f, &p);
		assert_true(n < max);
		done[n++] = p.trans_id;
	}
	while (stor_fx_get(f->s, &p)) {
		assert_true(n < max);
		done[n++] = p.trans_id;
	}
	assert_quiet(f);
	return n;
}

static bool has(const uint64_t *ids, unsigned int n, uint64_t id)
{
	while (n--)
		if (ids[n] == id)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */

/* An SRB whose read is in io_uring: ABORTED, and never completed. */
static void test_abort_in_flight(void **state)
{
	struct fx *f = *state;
	const struct stor_stats *st = storage_chan_stats(f->s->ch);
	struct vmb_stor_task_mgmt m, a;
	uint64_t done[16];
	unsigned int n, i;

	do_init(f);
	for (i = 0; i < 8; i++)
		put_read(f, 100 + i, 0, 8 * i, i);
	channel_doorbell(f->s->ch);		/* submitted, none reaped yet */
	assert_int_equal(st->in_flight, 8);

	m = tm(VMB_STOR_TM_ABORT_TASK, 0, 104);
	n = send_tm(f, 50, &m, &a, done, 16);
	assert_int_equal(le32toh(a.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(a.response, VMB_STOR_TMR_ABORTED);
	assert_int_equal(le32toh(a.count), 1);
	assert_int_equal(a.function, VMB_STOR_TM_ABORT_TASK);
	assert_int_equal(le64toh(a.tag), 104);
	assert_false(has(done, n, 104));
	/* the others complete, before or after the answer; 104 never */
	n += drain(f, done + n, 16 - n);
	assert_int_equal(n, 7);
	assert_false(has(done, n, 104));
	assert_int_equal(st->in_flight, 0);

	/* the id is free again, and the channel works */
	put_read(f, 104, 0, 0, 0);
	channel_doorbell(f->s->ch);
	n = drain(f, done, 16);
	assert_int_equal(n, 1);
	assert_int_equal(done[0], 104);
	assert_false(f->s->ch->broken);
}

/* Ids the host does not hold: never sent, completed, another LUN's. */
static void test_abort_not_found(void **state)
{
	struct fx *f = *state;
	struct vmb_stor_task_mgmt m, a;
	uint64_t done[4];
	unsigned int n;

	do_init(f);
	m = tm(VMB_STOR_TM_ABORT_TASK, 0, 777);
	assert_int_equal(send_tm(f, 10, &m, &a, done, 4), 0);
	assert_int_equal(le32toh(a.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(a.response, VMB_STOR_TMR_NOT_FOUND);
	assert_int_equal(le32toh(a.count), 0);

	put_read(f, 20, 0, 0, 0);
	channel_doorbell(f->s->ch);
	assert_int_equal(drain(f, done, 4), 1);
	m = tm(VMB_STOR_TM_ABORT_TASK, 0, 20);
	assert_int_equal(send_tm(f, 11, &m, &a, done, 4), 0);
	assert_int_equal(a.response, VMB_STOR_TMR_NOT_FOUND);

	/* in flight, but on LUN 1: an ABORT TASK for LUN 0 does not find it */
	put_read(f, 21, 1, 0, 0);
	channel_doorbell(f->s->ch);
	m = tm(VMB_STOR_TM_ABORT_TASK, 0, 21);
	n = send_tm(f, 12, &m, &a, done, 4);
	assert_int_equal(a.response, VMB_STOR_TMR_NOT_FOUND);
	n += drain(f, done + n, 4 - n);
	assert_int_equal(n, 1);
	assert_int_equal(done[0], 21);
	assert_false(f->s->ch->broken);
}

/* The drop fault: the host forgets the SRB, so an abort finds nothing. */
static void test_abort_dropped(void **state)
{
	struct fx *f = *state;
	const struct stor_stats *st = storage_chan_stats(f->s->ch);
	struct vmb_stor_task_mgmt m, a;
	uint64_t done[4];

	do_init(f);
	assert_int_equal(stor_fx_cmd(f->s, "storage-fault %u drop 1",
				     STOR_FX_RELID), 0);
	put_read(f, 30, 0, 0, 0);
	channel_doorbell(f->s->ch);
	assert_quiet(f);
	assert_int_equal(st->dropped, 1);
	assert_int_equal(st->in_flight, 0);
	m = tm(VMB_STOR_TM_ABORT_TASK, 0, 30);
	assert_int_equal(send_tm(f, 31, &m, &a, done, 4), 0);
	assert_int_equal(le32toh(a.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(a.response, VMB_STOR_TMR_NOT_FOUND);
	assert_quiet(f);
	/* the next one is served again */
	put_read(f, 30, 0, 0, 0);
	channel_doorbell(f->s->ch);
	assert_int_equal(drain(f, done, 4), 1);
	assert_int_equal(done[0], 30);
}

/* LUN RESET stops every SRB of that LUN on the channel, no other. */
static void test_lun_reset(void **state)
{
	struct fx *f = *state;
	const struct stor_stats *st = storage_chan_stats(f->s->ch);
	struct vmb_stor_task_mgmt m, a;
	uint64_t done[16];
	unsigned int n, i;

	do_init(f);
	for (i = 0; i < 6; i++)
		put_read(f, 200 + i, i % 2, 8 * i, i);	/* even: LUN 0 */
	channel_doorbell(f->s->ch);
	assert_int_equal(st->in_flight, 6);
	m = tm(VMB_STOR_TM_LUN_RESET, 0, 0);
	n = send_tm(f, 60, &m, &a, done, 16);
	assert_int_equal(le32toh(a.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(a.response, VMB_STOR_TMR_ABORTED);
	assert_int_equal(le32toh(a.count), 3);
	n += drain(f, done + n, 16 - n);
	assert_int_equal(n, 3);
	for (i = 0; i < 6; i++)
		assert_int_equal(has(done, n, 200 + i), i % 2 == 1);
	/* nothing left of LUN 0 */
	m = tm(VMB_STOR_TM_LUN_RESET, 0, 0);
	assert_int_equal(send_tm(f, 61, &m, &a, done, 16), 0);
	assert_int_equal(a.response, VMB_STOR_TMR_NOT_FOUND);
	assert_int_equal(le32toh(a.count), 0);
	assert_false(f->s->ch->broken);
}

/* Malformed requests are INVALID, in the TM's shape, and stop nothing. */
static void test_tm_malformed(void **state)
{
	struct fx *f = *state;
	const struct stor_stats *st = storage_chan_stats(f->s->ch);
	struct vmb_stor_task_mgmt m, a;
	uint8_t big[32];
	uint64_t done[4];
	uint8_t pl[8 + 8 + 8 + sizeof(m)];
	__le32 v32;
	__le64 v64;

	do_init(f);
	put_read(f, 40, 0, 0, 0);
	channel_doorbell(f->s->ch);
	assert_int_equal(st->in_flight, 1);

#define BAD_TM(tid, field, value) do {					\
		m = tm(VMB_STOR_TM_ABORT_TASK, 0, 40);			\
		m.field = value;					\
		assert_int_equal(send_tm(f, tid, &m, &a, done, 4), 0);	\
		assert_int_equal(le32toh(a.hdr.status), VMB_STOR_S_INVALID); \
		assert_int_equal(a.response, VMB_STOR_TMR_NONE);	\
		assert_int_equal(st->in_flight, 1);			\
	} while (0)
	BAD_TM(1, hdr.status, htole32(1));
	BAD_TM(2, function, 0);
	BAD_TM(3, function, 3);
	BAD_TM(4, response, VMB_STOR_TMR_ABORTED);
	BAD_TM(5, count, htole32(1));
	BAD_TM(6, lun, htole16(STOR_MAX_LUNS));
	m = tm(VMB_STOR_TM_LUN_RESET, 0, 40);	/* a reset names no task */
	assert_int_equal(send_tm(f, 7, &m, &a, done, 4), 0);
	assert_int_equal(le32toh(a.hdr.status), VMB_STOR_S_INVALID);
#undef BAD_TM

	/* the wrong size, either way: answered in the TM's size, zero body */
	m = tm(VMB_STOR_TM_ABORT_TASK, 0, 40);
	memset(big, 0, sizeof(big));
	memcpy(big, &m, sizeof(m));
	assert_int_equal(request(f, 8, big, 16, &a, sizeof(a)),
			 VMB_STOR_S_INVALID);
	assert_int_equal(a.tag, 0);
	assert_int_equal(request(f, 9, big, 32, &a, sizeof(a)),
			 VMB_STOR_S_INVALID);
	/* as a GPA_RANGE packet */
	memset(pl, 0, sizeof(pl));
	v32 = htole32(1);
	memcpy(pl, &v32, 4);
	v32 = htole32(512);
	memcpy(pl + 8, &v32, 4);
	v64 = htole64(STOR_FX_DATA_PFN + 9);
	memcpy(pl + 16, &v64, 8);
	memcpy(pl + 24, &m, sizeof(m));
	guest_put(&f->s->gin, VMB_PKT_GPA_RANGE, 2 + 24 / 8,
		  (uint16_t)(2 + sizeof(pl) / 8), VMB_PKT_F_COMPLETION_REQUESTED,
		  10, pl, sizeof(pl));
	channel_doorbell(f->s->ch);
	{
		struct ring_pkt p;
		struct vmb_stor_hdr h;

		do {
			get_completion(f, &p);
			memcpy(&h, p.payload, sizeof(h));
		} while (le32toh(h.type) != VMB_STOR_TASK_MANAGEMENT);
		assert_int_equal(p.trans_id, 10);
		assert_int_equal(le32toh(h.status), VMB_STOR_S_INVALID);
	}
	/* the SRB was not stopped by any of them */
	assert_int_equal(drain(f, done, 4), 1);
	assert_int_equal(done[0], 40);
	assert_false(f->s->ch->broken);
}

/* Before END_INIT: BAD_STATE; in a 1.0 session TASK_MANAGEMENT is unknown. */
static void test_tm_versions(void **state)
{
	struct fx *f = *state;
	struct vmb_stor_hdr h = { .type = htole32(VMB_STOR_BEGIN_INIT) };
	struct vmb_stor_version v = {
		.hdr.type = htole32(VMB_STOR_QUERY_VERSION),
		.version = htole32(VMB_STOR_VERSION(1, 2)),
	};
	struct vmb_stor_task_mgmt m = tm(VMB_STOR_TM_LUN_RESET, 0, 0), a;
	uint64_t done[4];

	assert_int_equal(request(f, 1, &h, sizeof(h), NULL, 0), VMB_STOR_S_OK);
	assert_int_equal(request(f, 2, &m, sizeof(m), NULL, 0),
			 VMB_STOR_S_INVALID);	/* no version yet */
	assert_int_equal(request(f, 3, &v, sizeof(v), &v, sizeof(v)),
			 VMB_STOR_S_UNSUPPORTED_VERSION);
	assert_int_equal(le32toh(v.version), VMB_STOR_VERSION_1_1);
	v.hdr.status = 0;
	assert_int_equal(request(f, 4, &v, sizeof(v), &v, sizeof(v)),
			 VMB_STOR_S_OK);
	assert_int_equal(request(f, 5, &m, sizeof(m), NULL, 0),
			 VMB_STOR_S_BAD_STATE);	/* before END_INIT */
	h.type = htole32(VMB_STOR_END_INIT);
	assert_int_equal(request(f, 6, &h, sizeof(h), NULL, 0), VMB_STOR_S_OK);
	assert_int_equal(send_tm(f, 7, &m, &a, done, 4), 0);
	assert_int_equal(a.response, VMB_STOR_TMR_NOT_FOUND);

	assert_false(f->s->ch->broken);
}

/* A guest that settled on 1.0 has no TASK_MANAGEMENT: an unknown type. */
static void test_tm_1_0(void **state)
{
	struct fx *f = *state;
	struct vmb_stor_task_mgmt m = tm(VMB_STOR_TM_ABORT_TASK, 0, 1);
	struct vmb_stor_hdr h;

	do_init_version(f, VMB_STOR_VERSION_1_0);
	assert_int_equal(request(f, 8, &m, sizeof(m), &h, sizeof(h)),
			 VMB_STOR_S_INVALID);
	assert_false(f->s->ch->broken);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abort_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lun_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tm_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tm_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tm_1_0, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
