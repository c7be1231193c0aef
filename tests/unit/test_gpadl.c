// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* GPADL and OPEN/CLOSE messages through chanmgr_handle(). */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backends/registry.h"
#include "core/chanmgr.h"
#include "core/guid.h"
#include "core/log.h"
#include "testutil.h"

#define MAX_OUT 2048

struct fx {
	struct gmem *m;
	struct chanmgr cm;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	unsigned int nout;
	struct vmb_msg out[MAX_OUT];
	uint32_t relid;
};

static void cap_send(void *ctx, const struct vmb_msg *m)
{
	struct fx *f = ctx;

	assert_true(f->nout < MAX_OUT);
	f->out[f->nout++] = *m;
}

static const struct chanmgr_ops ops = { .send = cap_send };

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vmb_msg_initiate_contact c = {
		.version_min = htole32(VMB_VERSION_1_0),
		.version_max = htole32(VMB_VERSION_1_0),
	};
	uint8_t cls[VMB_GUID_LEN], inst[VMB_GUID_LEN];
	struct vmb_msg m;
	const char *err;

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	f->m = test_ram_open();
	chanmgr_init(&f->cm, &ops, f, VMB_VERSION_1_0, VMB_VERSION_1_0);
	f->env.gmem = f->m;
	f->env.h2g_events = f->region + VMB_IF_H2G_EVENTS_OFF;
	f->env.g2h_events = f->region + VMB_IF_G2H_EVENTS_OFF;
	f->env.nr_vectors = 4;
	chanmgr_attach_env(&f->cm, &f->env);
	m = msg(VMB_MSG_INITIATE_CONTACT, sizeof(c), &c, sizeof(c));
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	memcpy(cls, vmbd_backend_echo.guid, VMB_GUID_LEN);
	assert_int_equal(guid_random(inst), 0);
	assert_int_equal(chanmgr_add_channel(&f->cm, cls, inst, &vmbd_backend_echo,
					     NULL, &f->relid, &err), 0);
	f->nout = 0;
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

/* GPADL_HEADER with n frames pfn0, pfn0+1, ...; len_adj breaks the length */
static int header(struct fx *f, uint32_t id, uint32_t relid, uint32_t nr_pages,
		  uint32_t n, uint64_t pfn0, int len_adj)
{
	uint8_t p[VMB_MSG_MAX_PAYLOAD] = { 0 };
	struct vmb_msg_gpadl_header h = {
		.gpadl_id = htole32(id), .relid = htole32(relid),
		.nr_pages = htole32(nr_pages), .nr_pfns = htole32(n),
	};
	uint32_t i;
	struct vmb_msg m;

	memcpy(p, &h, sizeof(h));
	for (i = 0; i < n && 16 + 8 * (i + 1) <= sizeof(p); i++) {
		uint64_t v = htole64(pfn0 + i);

		memcpy(p + 16 + 8 * i, &v, 8);
	}
	m = msg(VMB_MSG_GPADL_HEADER, (uint32_t)((int)(16 + 8 * n) + len_adj),
	       p, sizeof(p));
	return chanmgr_handle(&f->cm, &m);
}

static int body(struct fx *f, uint32_t id, uint32_t n, uint64_t pfn0, int len_adj)
{
	uint8_t p[VMB_MSG_MAX_PAYLOAD] = { 0 };
	struct vmb_msg_gpadl_body b = {
		.gpadl_id = htole32(id), .nr_pfns = htole32(n),
	};
	uint32_t i;
	struct vmb_msg m;

	memcpy(p, &b, sizeof(b));
	for (i = 0; i < n && 8 + 8 * (i + 1) <= sizeof(p); i++) {
		uint64_t v = htole64(pfn0 + i);

		memcpy(p + 8 + 8 * i, &v, 8);
	}
	m = msg(VMB_MSG_GPADL_BODY, (uint32_t)((int)(8 + 8 * n) + len_adj), p,
	       sizeof(p));
	return chanmgr_handle(&f->cm, &m);
}

static int teardown_msg(struct fx *f, uint32_t id, uint32_t relid)
{
	struct vmb_msg_gpadl_teardown t = {
		.gpadl_id = htole32(id), .relid = htole32(relid),
	};
	struct vmb_msg m = msg(VMB_MSG_GPADL_TEARDOWN, sizeof(t), &t, sizeof(t));

	return chanmgr_handle(&f->cm, &m);
}

static int open_msg(struct fx *f, uint32_t relid, uint32_t gpadl,
		    uint32_t in_page, uint32_t vcpu, uint32_t reserved)
{
	struct vmb_msg_open_channel o = {
		.relid = htole32(relid), .open_id = htole32(77),
		.ring_gpadl = htole32(gpadl), .in_ring_page = htole32(in_page),
		.target_vcpu = htole32(vcpu), .reserved = htole32(reserved),
	};
	struct vmb_msg m = msg(VMB_MSG_OPEN_CHANNEL, sizeof(o), &o, sizeof(o));

	return chanmgr_handle(&f->cm, &m);
}

static int close_msg(struct fx *f, uint32_t relid)
{
	struct vmb_msg_close_channel c = { .relid = htole32(relid) };
	struct vmb_msg m = msg(VMB_MSG_CLOSE_CHANNEL, sizeof(c), &c, sizeof(c));

	return chanmgr_handle(&f->cm, &m);
}

static uint32_t out_u32(struct fx *f, unsigned int i, unsigned int word)
{
	uint32_t v;

	memcpy(&v, f->out[i].payload + 4 * word, 4);
	return le32toh(v);
}

static void expect_created(struct fx *f, uint32_t id, uint32_t status)
{
	assert_int_equal(f->nout, 1);
	assert_int_equal(le32toh(f->out[0].type), VMB_MSG_GPADL_CREATED);
	assert_int_equal(out_u32(f, 0, 0), id);
	assert_int_equal(out_u32(f, 0, 1), f->relid);
	assert_int_equal(out_u32(f, 0, 2), status);
	f->nout = 0;
}

static void expect_open_result(struct fx *f, uint32_t status)
{
	assert_int_equal(f->nout, 1);
	assert_int_equal(le32toh(f->out[0].type), VMB_MSG_OPEN_RESULT);
	assert_int_equal(out_u32(f, 0, 0), f->relid);
	assert_int_equal(out_u32(f, 0, 1), 77);
	assert_int_equal(out_u32(f, 0, 2), status);
	f->nout = 0;
}

static void test_assembly(void **state)
{
	struct fx *f = *state;
	struct gpadl *g;
	uint32_t i;

	/* 29 in the header, 30 + 11 in two bodies */
	assert_int_equal(header(f, 5, f->relid, 70, VMB_GPADL_HEADER_PFNS, 1000, 0), 0);
	assert_int_equal(f->nout, 0);
	assert_int_equal(body(f, 5, VMB_GPADL_BODY_PFNS, 1029, 0), 0);
	assert_int_equal(f->nout, 0);
	assert_int_equal(body(f, 5, 11, 1059, 0), 0);
	expect_created(f, 5, VMB_STATUS_OK);
	g = gpadl_find(&f->cm.gpadls, 5);
	assert_non_null(g);
	assert_true(gpadl_complete(g));
	for (i = 0; i < 70; i++)
		assert_ptr_equal(g->page[i], test_page(f->m, 1000 + i));
	/* one frame, header only */
	assert_int_equal(header(f, 6, f->relid, 1, 1, 3, 0), 0);
	expect_created(f, 6, VMB_STATUS_OK);
	assert_int_equal(f->cm.gpadls.nr, 2);
}

static void test_rejections(void **state)
{
	struct fx *f = *state;
	uint64_t rej = f->cm.rejected;

	assert_int_equal(header(f, 0, f->relid, 1, 1, 3, 0), -1);		/* id 0 */
	assert_int_equal(header(f, 1, f->relid, 0, 0, 3, 0), -1);		/* no pages */
	assert_int_equal(header(f, 1, f->relid, VMB_GPADL_MAX_PAGES + 1, 1, 3, 0), -1);
	assert_int_equal(header(f, 1, f->relid, 40, VMB_GPADL_HEADER_PFNS + 1, 3, 0), -1);
	assert_int_equal(header(f, 1, f->relid, 4, 2, 3, 8), -1);		/* len != nr_pfns */
	assert_int_equal(header(f, 1, f->relid, 4, 2, 3, -8), -1);
	assert_int_equal(header(f, 1, f->relid, 1, 2, 3, 0), -1);		/* pfns > pages */
	assert_int_equal(header(f, 1, 0, 1, 1, 3, 0), -1);			/* relid 0 */
	assert_int_equal(header(f, 1, f->relid + 1, 1, 1, 3, 0), -1);	/* no channel */
	assert_int_equal(body(f, 99, 1, 3, 0), -1);				/* unknown id */
	assert_int_equal(f->nout, 0);
	/* duplicate id, body after completion, too many frames */
	assert_int_equal(header(f, 1, f->relid, 3, 1, 3, 0), 0);
	assert_int_equal(header(f, 1, f->relid, 3, 1, 3, 0), -1);
	assert_int_equal(body(f, 1, 3, 4, 0), -1);
	assert_int_equal(body(f, 1, 1, 4, 8), -1);				/* length */
	assert_int_equal(body(f, 1, 0, 4, 0), -1);				/* empty body */
	assert_int_equal(body(f, 1, VMB_GPADL_BODY_PFNS + 1, 4, 0), -1);
	assert_int_equal(body(f, 1, 2, 4, 0), 0);
	expect_created(f, 1, VMB_STATUS_OK);
	assert_int_equal(body(f, 1, 1, 6, 0), -1);
	assert_int_equal(header(f, 7, f->relid, 1, 1, 3, 0), 0);
	expect_created(f, 7, VMB_STATUS_OK);
	assert_int_equal(f->cm.rejected - rej, 16);
	/* before contact */
	f->cm.connected = false;
	assert_int_equal(header(f, 8, f->relid, 1, 1, 3, 0), -1);
	f->cm.connected = true;
	assert_int_equal(f->nout, 0);
}

static void test_bad_gpa(void **state)
{
	struct fx *f = *state;
	uint64_t last = TEST_RAM_SIZE / 4096;

	/* the last frame is in RAM, the next is not: answered BAD_GPA at the end */
	assert_int_equal(header(f, 3, f->relid, 3, 2, last - 1, 0), 0);
	assert_int_equal(f->nout, 0);
	assert_int_equal(body(f, 3, 1, 5, 0), 0);
	expect_created(f, 3, VMB_STATUS_BAD_GPA);
	assert_null(gpadl_find(&f->cm.gpadls, 3));
	/* the id can be used again; a frame whose address wraps */
	assert_int_equal(header(f, 3, f->relid, 1, 1, UINT64_MAX / 2, 0), 0);
	expect_created(f, 3, VMB_STATUS_BAD_GPA);
	assert_int_equal(f->cm.gpadls.nr, 0);
}

static void test_no_resources(void **state)
{
	struct fx *f = *state;
	uint32_t i;

	for (i = 1; i <= GPADL_MAX_LIVE; i++)
		assert_int_equal(header(f, i, f->relid, 1, 1, 3, 0), 0);
	f->nout = 0;
	assert_int_equal(header(f, i, f->relid, 1, 1, 3, 0), 0);
	expect_created(f, i, VMB_STATUS_NO_RESOURCES);
	/* UNLOAD frees them all */
	{
		struct vmb_msg m = msg(VMB_MSG_UNLOAD, 0, NULL, 0);

		assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	}
	assert_int_equal(f->cm.gpadls.nr, 0);
}

/* 1 + 2 data pages in, 1 + 1 out: 5 pages at pfn 500 */
static void make_ring_gpadl(struct fx *f, uint32_t id)
{
	assert_int_equal(header(f, id, f->relid, 5, 5, 500, 0), 0);
	expect_created(f, id, VMB_STATUS_OK);
}

static void test_open_close_teardown(void **state)
{
	struct fx *f = *state;

	make_ring_gpadl(f, 10);
	assert_int_equal(header(f, 11, f->relid, 6, 1, 600, 0), 0);	/* incomplete */
	f->nout = 0;
	/* bad fields: answered INVALID */
	assert_int_equal(open_msg(f, f->relid, 99, 3, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* unknown GPADL */
	assert_int_equal(open_msg(f, f->relid, 11, 3, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* incomplete */
	assert_int_equal(open_msg(f, f->relid, 10, 1, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* in_ring_page < 2 */
	assert_int_equal(open_msg(f, f->relid, 10, 4, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* 3 data pages */
	assert_int_equal(open_msg(f, f->relid, 10, 5, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* no out ring */
	assert_int_equal(open_msg(f, f->relid, 10, 3, 3, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* vector 4 >= 4 */
	assert_int_equal(open_msg(f, f->relid, 10, 3, 0xffffffff, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* wraps */
	assert_int_equal(open_msg(f, f->relid, 10, 3, 0, 1), 0);
	expect_open_result(f, VMB_STATUS_INVALID);		/* reserved */
	/* unanswerable: rejected */
	assert_int_equal(open_msg(f, 0, 10, 3, 0, 0), -1);
	assert_int_equal(open_msg(f, f->relid + 1, 10, 3, 0, 0), -1);
	assert_int_equal(close_msg(f, f->relid), -1);		/* not open */
	assert_int_equal(f->nout, 0);
	/* open; a second open is refused; in-use teardown refused */
	assert_int_equal(open_msg(f, f->relid, 10, 3, 2, 0), 0);
	expect_open_result(f, VMB_STATUS_OK);
	assert_string_equal(chanmgr_chan_state_name(&f->cm.chan[f->relid]), "open");
	assert_int_equal(f->cm.chan[f->relid].open->vector, 3);
	assert_int_equal(f->cm.chan[f->relid].open->in.size, 8192);
	assert_int_equal(f->cm.chan[f->relid].open->out.size, 4096);
	assert_int_equal(open_msg(f, f->relid, 10, 3, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);
	assert_int_equal(teardown_msg(f, 10, f->relid), -1);
	assert_int_equal(f->nout, 0);
	/* close; teardown answered; wrong relid / unknown id rejected */
	assert_int_equal(close_msg(f, f->relid), 0);
	assert_null(f->cm.chan[f->relid].open);
	assert_int_equal(teardown_msg(f, 10, f->relid + 1), -1);
	assert_int_equal(teardown_msg(f, 12, f->relid), -1);
	assert_int_equal(teardown_msg(f, 10, f->relid), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(le32toh(f->out[0].type), VMB_MSG_GPADL_TORNDOWN);
	assert_int_equal(out_u32(f, 0, 0), 10);
	f->nout = 0;
	assert_null(gpadl_find(&f->cm.gpadls, 10));
}

static void test_rescind(void **state)
{
	struct fx *f = *state;
	const char *err;

	make_ring_gpadl(f, 10);
	assert_int_equal(open_msg(f, f->relid, 10, 3, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_OK);
	assert_int_equal(chanmgr_rescind(&f->cm, f->relid, &err), 0);
	f->nout = 0;
	assert_string_equal(chanmgr_chan_state_name(&f->cm.chan[f->relid]),
			    "rescinding");
	/* the guest closes, tears down (answered), releases */
	assert_int_equal(close_msg(f, f->relid), 0);
	assert_int_equal(teardown_msg(f, 10, f->relid), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(le32toh(f->out[0].type), VMB_MSG_GPADL_TORNDOWN);
	f->nout = 0;
	/* no open on a rescinding channel */
	make_ring_gpadl(f, 12);
	assert_int_equal(open_msg(f, f->relid, 12, 3, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_INVALID);
	{
		struct vmb_msg_relid_released r = { .relid = htole32(f->relid) };
		struct vmb_msg m = msg(VMB_MSG_RELID_RELEASED, sizeof(r), &r, sizeof(r));

		assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	}
	/* its remaining GPADL went with it */
	assert_int_equal(f->cm.gpadls.nr, 0);
}

static void test_recontact_frees(void **state)
{
	struct fx *f = *state;
	struct vmb_msg_initiate_contact c = {
		.version_min = htole32(VMB_VERSION_1_0),
		.version_max = htole32(VMB_VERSION_1_0),
	};
	struct vmb_msg m = msg(VMB_MSG_INITIATE_CONTACT, sizeof(c), &c, sizeof(c));

	make_ring_gpadl(f, 10);
	assert_int_equal(open_msg(f, f->relid, 10, 3, 0, 0), 0);
	expect_open_result(f, VMB_STATUS_OK);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_null(f->cm.chan[f->relid].open);
	assert_int_equal(f->cm.gpadls.nr, 0);
	assert_string_equal(chanmgr_chan_state_name(&f->cm.chan[f->relid]), "offered");
	/* transport loss too */
	f->nout = 0;
	make_ring_gpadl(f, 10);
	chanmgr_transport_reset(&f->cm);
	assert_int_equal(f->cm.gpadls.nr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_assembly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_gpa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_close_teardown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recontact_frees, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
