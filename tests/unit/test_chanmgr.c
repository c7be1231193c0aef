// SPDX-License-Identifier: (GPL-2.0 OR MIT)
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

#define MAX_OUT 64

struct fixture {
	struct chanmgr cm;
	unsigned int nout;
	struct vmb_msg out[MAX_OUT];
	unsigned int corrupt_calls;
	uint8_t test_class[VMB_GUID_LEN];
};

static void cap_send(void *ctx, const struct vmb_msg *m)
{
	struct fixture *f = ctx;

	assert_true(f->nout < MAX_OUT);
	f->out[f->nout++] = *m;
}

static void cap_corrupt(void *ctx)
{
	struct fixture *f = ctx;

	f->corrupt_calls++;
}

static const struct chanmgr_ops cap_ops = {
	.send = cap_send,
	.corrupt_h2g_index = cap_corrupt,
};

static int setup_range(void **state, uint32_t lo, uint32_t hi)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	chanmgr_init(&f->cm, &cap_ops, f, lo, hi);
	memcpy(f->test_class, vmbd_backend_test.guid, VMB_GUID_LEN);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_range(state, VMB_VERSION_1_0, VMB_VERSION_1_0);
}

static int setup_wide(void **state)
{
	return setup_range(state, VMB_VERSION(1, 0), VMB_VERSION(2, 5));
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}


static struct vmb_msg contact_msg(uint32_t lo, uint32_t hi)
{
	struct vmb_msg_initiate_contact c = {
		.version_min = htole32(lo),
		.version_max = htole32(hi),
		.nr_vcpus = htole32(2),
	};

	return msg(VMB_MSG_INITIATE_CONTACT, sizeof(c), &c, sizeof(c));
}

static struct vmb_msg released_msg(uint32_t relid)
{
	struct vmb_msg_relid_released r = { .relid = htole32(relid) };

	return msg(VMB_MSG_RELID_RELEASED, sizeof(r), &r, sizeof(r));
}

static uint32_t out_type(struct fixture *f, unsigned int i)
{
	return le32toh(f->out[i].type);
}

static uint32_t out_len(struct fixture *f, unsigned int i)
{
	return le32toh(f->out[i].len);
}

static struct vmb_msg_offer out_offer(struct fixture *f, unsigned int i)
{
	struct vmb_msg_offer o;

	memcpy(&o, f->out[i].payload, sizeof(o));
	return o;
}

static uint32_t add_channel(struct fixture *f, uint8_t inst[VMB_GUID_LEN])
{
	const char *err = NULL;
	uint32_t relid = 0;

	assert_int_equal(guid_random(inst), 0);
	assert_int_equal(chanmgr_add_channel(&f->cm, f->test_class, inst, &vmbd_backend_test,
					     NULL, &relid, &err), 0);
	return relid;
}

/* vmbusctl inject KIND, through the fault table. */
static int inject(struct fixture *f, const char *kind, const char **err)
{
	const struct fault *fault = fault_find(kind);

	assert_non_null(fault);
	assert_false(fault->on_channel);
	return fault_inject(&f->cm, fault, 0, err);
}

static void connect_guest(struct fixture *f)
{
	struct vmb_msg m = contact_msg(VMB_VERSION_1_0, VMB_VERSION_1_0);

	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_true(f->cm.connected);
	f->nout = 0;
}

/* Handle m, expect a reject with no reply and no state change. */
static void expect_reject(struct fixture *f, const struct vmb_msg *m)
{
	struct chanmgr *before = malloc(sizeof(*before));
	uint64_t rejected = f->cm.rejected;
	unsigned int nout = f->nout;

	assert_non_null(before);
	memcpy(before, &f->cm, sizeof(*before));
	assert_int_equal(chanmgr_handle(&f->cm, m), -1);
	assert_int_equal(f->cm.rejected, rejected + 1);
	assert_int_equal(f->nout, nout);
	assert_int_equal(f->cm.connected, before->connected);
	assert_int_equal(f->cm.version, before->version);
	assert_int_equal(f->cm.connects, before->connects);
	assert_int_equal(f->cm.unloads, before->unloads);
	assert_memory_equal(f->cm.chan, before->chan, sizeof(f->cm.chan));
	free(before);
}

/* ---------------------------------------------------------------- */

static void test_malformed_rejected(void **state)
{
	struct fixture *f = *state;
	struct vmb_msg_initiate_contact c = {
		.version_min = htole32(VMB_VERSION_1_0),
		.version_max = htole32(VMB_VERSION_1_0),
	};
	uint8_t inst[VMB_GUID_LEN];
	struct vmb_msg m;
	uint32_t t;
	const char *why;

	add_channel(f, inst);
	for (int pass = 0; pass < 2; pass++) {
		/* unknown types */
		m = msg(VMB_MSG_INVALID, 0, NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_TYPE_COUNT, 0, NULL, 0);
		expect_reject(f, &m);
		m = msg(0x7777, 0, NULL, 0);
		expect_reject(f, &m);
		m = msg(0xffffffff, 0, NULL, 0);
		expect_reject(f, &m);
		/* host->guest types sent by the guest, with their right sizes */
		m = msg(VMB_MSG_VERSION_RESPONSE, sizeof(struct vmb_msg_version_response), NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_OFFER, sizeof(struct vmb_msg_offer), NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_ALL_OFFERS_DELIVERED, 0, NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_RESCIND, sizeof(struct vmb_msg_rescind), NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_UNLOAD_RESPONSE, 0, NULL, 0);
		expect_reject(f, &m);
		/* short and overlong payloads */
		m = msg(VMB_MSG_INITIATE_CONTACT, sizeof(c) - 1, &c, sizeof(c));
		expect_reject(f, &m);
		m = msg(VMB_MSG_INITIATE_CONTACT, sizeof(c) + 1, &c, sizeof(c));
		expect_reject(f, &m);
		m = msg(VMB_MSG_INITIATE_CONTACT, 0, NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_REQUEST_OFFERS, 1, NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_UNLOAD, 4, NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_RELID_RELEASED, 3, NULL, 0);
		expect_reject(f, &m);
		m = msg(VMB_MSG_RELID_RELEASED, 8, NULL, 0);
		expect_reject(f, &m);
		/* len beyond the slot, for every type */
		for (t = 0; t < VMB_MSG_TYPE_COUNT; t++) {
			m = msg(t, VMB_MSG_MAX_PAYLOAD + 1, NULL, 0);
			expect_reject(f, &m);
			m = msg(t, 0xffffffff, NULL, 0);
			expect_reject(f, &m);
			m = msg(t, 0x80000000, NULL, 0);
			expect_reject(f, &m);
		}
		/* nonzero reserved field */
		c.reserved = htole32(1);
		m = msg(VMB_MSG_INITIATE_CONTACT, sizeof(c), &c, sizeof(c));
		expect_reject(f, &m);
		c.reserved = 0;
		/* min > max */
		m = contact_msg(VMB_VERSION(2, 0), VMB_VERSION_1_0);
		expect_reject(f, &m);
		/* RELID_RELEASED: relid 0, out of range, not rescinding */
		m = released_msg(0);
		expect_reject(f, &m);
		m = released_msg(VMB_MAX_RELID);
		expect_reject(f, &m);
		m = released_msg(0xffffffff);
		expect_reject(f, &m);
		m = released_msg(1);	/* offered, not rescinding */
		expect_reject(f, &m);
		m = released_msg(2);	/* no channel */
		expect_reject(f, &m);
		if (pass == 0) {
			/* before contact */
			m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
			expect_reject(f, &m);
			m = msg(VMB_MSG_UNLOAD, 0, NULL, 0);
			expect_reject(f, &m);
			connect_guest(f);
		}
	}
	/* validate() agrees and explains */
	m = msg(0x7777, 0, NULL, 0);
	assert_int_equal(chanmgr_validate(&m, &why), -1);
	assert_non_null(why);
	m = contact_msg(VMB_VERSION_1_0, VMB_VERSION_1_0);
	assert_int_equal(chanmgr_validate(&m, &why), 0);
}

static void check_version_response(struct fixture *f, unsigned int i,
				   uint32_t status, uint32_t version)
{
	struct vmb_msg_version_response r;

	assert_int_equal(out_type(f, i), VMB_MSG_VERSION_RESPONSE);
	assert_int_equal(out_len(f, i), sizeof(r));
	memcpy(&r, f->out[i].payload, sizeof(r));
	assert_int_equal(le32toh(r.status), status);
	assert_int_equal(le32toh(r.version), version);
	assert_int_equal(le32toh(r.host_version_min), f->cm.host_version_min);
	assert_int_equal(le32toh(r.host_version_max), f->cm.host_version_max);
}

static void test_contact_versions(void **state)
{
	struct fixture *f = *state;	/* host speaks 1.0 .. 2.5 */
	struct vmb_msg m;

	/* overlapping: highest common */
	m = contact_msg(VMB_VERSION(0, 5), VMB_VERSION(2, 0));
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	check_version_response(f, 0, VMB_STATUS_OK, VMB_VERSION(2, 0));
	assert_true(f->cm.connected);
	assert_int_equal(f->cm.version, VMB_VERSION(2, 0));
	assert_int_equal(f->cm.connects, 1);
	/* guest range above the host's top: host max */
	m = contact_msg(VMB_VERSION(2, 1), VMB_VERSION(9, 0));
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	check_version_response(f, 1, VMB_STATUS_OK, VMB_VERSION(2, 5));
	assert_int_equal(f->cm.connects, 2);
	/* single common point */
	m = contact_msg(VMB_VERSION(0, 1), VMB_VERSION(1, 0));
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	check_version_response(f, 2, VMB_STATUS_OK, VMB_VERSION(1, 0));
	/* disjoint: refused, and the earlier connection is gone */
	m = contact_msg(VMB_VERSION(3, 0), VMB_VERSION(4, 0));
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	check_version_response(f, 3, VMB_STATUS_NO_COMMON_VERSION, 0);
	assert_false(f->cm.connected);
	assert_int_equal(f->cm.connects, 3);
	m = contact_msg(VMB_VERSION(0, 1), VMB_VERSION(0, 9));
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	check_version_response(f, 4, VMB_STATUS_NO_COMMON_VERSION, 0);
	assert_false(f->cm.connected);
	assert_int_equal(f->nout, 5);
}

static void test_offers_rescind_unload(void **state)
{
	struct fixture *f = *state;
	uint8_t inst[3][VMB_GUID_LEN], again[VMB_GUID_LEN];
	struct vmb_msg m;
	struct vmb_msg_offer o;
	const char *err;
	uint32_t relid;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(add_channel(f, inst[i]), (uint32_t)i + 1);
	assert_int_equal(f->nout, 0);		/* not connected: nothing sent */
	connect_guest(f);
	m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_int_equal(f->nout, 4);
	for (i = 0; i < 3; i++) {
		assert_int_equal(out_type(f, i), VMB_MSG_OFFER);
		assert_int_equal(out_len(f, i), sizeof(struct vmb_msg_offer));
		o = out_offer(f, i);
		assert_int_equal(le32toh(o.relid), i + 1);
		assert_memory_equal(o.class_id, f->test_class, VMB_GUID_LEN);
		assert_memory_equal(o.instance_id, inst[i], VMB_GUID_LEN);
		assert_int_equal(o.sub_index, 0);
		assert_int_equal(o.flags, 0);
		assert_int_equal(o.reserved[0] | o.reserved[1], 0);
	}
	assert_int_equal(out_type(f, 3), VMB_MSG_ALL_OFFERS_DELIVERED);
	assert_int_equal(out_len(f, 3), 0);

	/* hot add while connected: offered at once */
	f->nout = 0;
	assert_int_equal(guid_random(again), 0);
	assert_int_equal(chanmgr_add_channel(&f->cm, f->test_class, again, &vmbd_backend_test,
					     NULL, &relid, &err), 0);
	assert_int_equal(relid, 4);
	assert_int_equal(f->nout, 1);
	assert_int_equal(le32toh(out_offer(f, 0).relid), 4);
	/* duplicate instance refused */
	assert_int_equal(chanmgr_add_channel(&f->cm, f->test_class, inst[0], &vmbd_backend_test,
					     NULL, &relid, &err), -1);

	/* rescind 2 -> RESCIND; released -> free; relid 2 reused */
	f->nout = 0;
	assert_int_equal(chanmgr_rescind(&f->cm, 2, &err), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_RESCIND);
	assert_int_equal(out_len(f, 0), sizeof(struct vmb_msg_rescind));
	assert_int_equal(f->cm.chan[2].state, CHANMGR_CHAN_RESCINDING);
	assert_int_equal(chanmgr_rescind(&f->cm, 2, &err), -1);	/* already */
	assert_int_equal(chanmgr_rescind(&f->cm, 99, &err), -1);	/* unknown */
	assert_int_equal(chanmgr_rescind(&f->cm, 0, &err), -1);
	assert_int_equal(chanmgr_rescind(&f->cm, VMB_MAX_RELID, &err), -1);
	/* not offered again while rescinding */
	f->nout = 0;
	m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_int_equal(f->nout, 4);
	m = released_msg(2);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_null(chanmgr_channel(&f->cm, 2));
	m = released_msg(2);
	expect_reject(f, &m);			/* released twice */
	assert_int_equal(add_channel(f, again), 2);

	/* rescind while connected then unload: rescinding channel freed */
	assert_int_equal(chanmgr_rescind(&f->cm, 3, &err), 0);
	f->nout = 0;
	m = msg(VMB_MSG_UNLOAD, 0, NULL, 0);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_UNLOAD_RESPONSE);
	assert_false(f->cm.connected);
	assert_int_equal(f->cm.unloads, 1);
	assert_null(chanmgr_channel(&f->cm, 3));
	assert_non_null(chanmgr_channel(&f->cm, 1));
	/* unload twice: rejected */
	m = msg(VMB_MSG_UNLOAD, 0, NULL, 0);
	expect_reject(f, &m);
	/* rescind while disconnected: freed at once, nothing sent */
	f->nout = 0;
	assert_int_equal(chanmgr_rescind(&f->cm, 1, &err), 0);
	assert_null(chanmgr_channel(&f->cm, 1));
	assert_int_equal(f->nout, 0);
	/* reconnect: the remaining channels are offered again */
	connect_guest(f);
	m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_int_equal(f->nout, 3);	/* relids 2 and 4 + all delivered */
	assert_int_equal(f->cm.connects, 2);
}

static void test_recontact_resets(void **state)
{
	struct fixture *f = *state;
	uint8_t inst[VMB_GUID_LEN];
	struct vmb_msg m;
	const char *err;

	add_channel(f, inst);
	add_channel(f, inst);
	connect_guest(f);
	assert_int_equal(chanmgr_rescind(&f->cm, 2, &err), 0);
	/* contact again while connected: a reset, then a normal contact */
	f->nout = 0;
	m = contact_msg(VMB_VERSION_1_0, VMB_VERSION_1_0);
	assert_int_equal(chanmgr_handle(&f->cm, &m), 0);
	assert_int_equal(f->nout, 1);
	check_version_response(f, 0, VMB_STATUS_OK, VMB_VERSION_1_0);
	assert_true(f->cm.connected);
	assert_int_equal(f->cm.connects, 2);
	assert_null(chanmgr_channel(&f->cm, 2));	/* rescinding: dropped */
	assert_non_null(chanmgr_channel(&f->cm, 1));
	/* transport loss */
	chanmgr_transport_reset(&f->cm);
	assert_false(f->cm.connected);
	m = msg(VMB_MSG_REQUEST_OFFERS, 0, NULL, 0);
	expect_reject(f, &m);
}

static void test_table_full(void **state)
{
	struct fixture *f = *state;
	uint8_t inst[VMB_GUID_LEN];
	const char *err;
	uint32_t relid, i;

	for (i = 1; i < VMB_MAX_RELID; i++)
		assert_int_equal(add_channel(f, inst), i);
	assert_int_equal(guid_random(inst), 0);
	assert_int_equal(chanmgr_add_channel(&f->cm, f->test_class, inst, &vmbd_backend_test,
					     NULL, &relid, &err), -1);
	assert_string_equal(err, "channel table full");
	memset(inst, 0, sizeof(inst));
	assert_int_equal(chanmgr_add_channel(&f->cm, f->test_class, inst, &vmbd_backend_test,
					     NULL, &relid, &err), -1);
	assert_int_equal(inject(f, "nil-guid", &err), -1);
}

/* ---------------------------------------------------------------- */

static void test_inject(void **state)
{
	struct fixture *f = *state;
	uint8_t inst[2][VMB_GUID_LEN], zero[VMB_GUID_LEN] = { 0 };
	struct vmb_msg_offer o;
	struct vmb_msg_rescind r;
	const char *err;
	unsigned int i;

	/* dup-* need a channel */
	assert_int_equal(inject(f, "dup-offer", &err), -1);
	assert_int_equal(inject(f, "dup-instance", &err), -1);
	assert_null(fault_find("nonsense"));
	assert_int_equal(f->nout, 0);
	add_channel(f, inst[0]);
	add_channel(f, inst[1]);
	connect_guest(f);

	assert_int_equal(inject(f, "short", &err), 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(out_type(f, 0), VMB_MSG_OFFER);
	assert_true(out_len(f, 0) < sizeof(struct vmb_msg_offer));

	assert_int_equal(inject(f, "overlong", &err), 0);
	assert_int_equal(out_type(f, 1), VMB_MSG_OFFER);
	assert_true(out_len(f, 1) > VMB_MSG_MAX_PAYLOAD);

	assert_int_equal(inject(f, "unknown-type", &err), 0);
	assert_int_equal(out_type(f, 2), 0x7777);

	assert_int_equal(inject(f, "bad-relid", &err), 0);
	assert_int_equal(f->nout, 5);
	assert_int_equal(out_type(f, 3), VMB_MSG_OFFER);
	assert_int_equal(out_len(f, 3), sizeof(o));
	assert_int_equal(le32toh(out_offer(f, 3).relid), 0);
	assert_int_equal(out_type(f, 4), VMB_MSG_OFFER);
	assert_int_equal(le32toh(out_offer(f, 4).relid), VMB_MAX_RELID + 5);

	assert_int_equal(inject(f, "dup-offer", &err), 0);
	o = out_offer(f, 5);
	assert_int_equal(out_len(f, 5), sizeof(o));
	assert_int_equal(le32toh(o.relid), 1);
	assert_memory_equal(o.instance_id, inst[0], VMB_GUID_LEN);

	assert_int_equal(inject(f, "dup-instance", &err), 0);
	o = out_offer(f, 6);
	assert_int_equal(le32toh(o.relid), 3);		/* fresh, unused */
	assert_memory_equal(o.instance_id, inst[0], VMB_GUID_LEN);
	assert_null(chanmgr_channel(&f->cm, 3));	/* not recorded */

	assert_int_equal(inject(f, "rescind-unknown", &err), 0);
	assert_int_equal(out_type(f, 7), VMB_MSG_RESCIND);
	assert_int_equal(out_len(f, 7), sizeof(r));
	memcpy(&r, f->out[7].payload, sizeof(r));
	assert_int_equal(le32toh(r.relid), 3);
	assert_null(chanmgr_channel(&f->cm, 3));

	assert_int_equal(inject(f, "nil-guid", &err), 0);
	o = out_offer(f, 8);
	assert_int_equal(out_len(f, 8), sizeof(o));
	assert_memory_equal(o.class_id, zero, VMB_GUID_LEN);
	assert_memory_equal(o.instance_id, zero, VMB_GUID_LEN);
	assert_int_equal(le32toh(o.relid), 3);

	assert_int_equal(inject(f, "bad-flags", &err), 0);
	o = out_offer(f, 9);
	assert_int_equal(le16toh(o.flags), 0x8000);
	assert_int_equal(le32toh(o.relid), 3);
	assert_false(guid_is_nil(o.instance_id));
	assert_null(chanmgr_channel(&f->cm, 3));

	assert_int_equal(f->corrupt_calls, 0);
	assert_int_equal(inject(f, "bad-index", &err), 0);
	assert_int_equal(f->corrupt_calls, 1);
	assert_int_equal(f->nout, 10);

	/* every message fault in the table works; names are unique */
	for (i = 0; fault_table[i].name; i++) {
		assert_non_null(fault_table[i].help);
		assert_non_null(fault_table[i].inject);
		assert_ptr_equal(fault_find(fault_table[i].name), &fault_table[i]);
		if (!fault_table[i].on_channel)
			assert_int_equal(inject(f, fault_table[i].name, &err), 0);
	}
	/* channel table untouched by all that */
	assert_non_null(chanmgr_channel(&f->cm, 1));
	assert_non_null(chanmgr_channel(&f->cm, 2));
	assert_null(chanmgr_channel(&f->cm, 3));
	assert_int_equal(f->cm.rejected, 0);
}

static void test_versions_text(void **state)
{
	char buf[16];
	uint32_t v;

	(void)state;
	assert_string_equal(chanmgr_version_str(VMB_VERSION_1_0, buf), "1.0");
	assert_int_equal(chanmgr_version_parse("1.0", &v), 0);
	assert_int_equal(v, VMB_VERSION_1_0);
	assert_int_equal(chanmgr_version_parse("2", &v), 0);
	assert_int_equal(v, VMB_VERSION(2, 0));
	assert_int_equal(chanmgr_version_parse("3.17", &v), 0);
	assert_int_equal(v, VMB_VERSION(3, 17));
	assert_int_equal(chanmgr_version_parse("", &v), -1);
	assert_int_equal(chanmgr_version_parse("1.", &v), -1);
	assert_int_equal(chanmgr_version_parse("1.0.0", &v), -1);
	assert_int_equal(chanmgr_version_parse("65536.0", &v), -1);
	assert_int_equal(chanmgr_version_parse("-1.0", &v), -1);
	assert_int_equal(chanmgr_version_parse("x", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact_versions, setup_wide, teardown),
		cmocka_unit_test_setup_teardown(test_offers_rescind_unload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recontact_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject, setup, teardown),
		cmocka_unit_test(test_versions_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
