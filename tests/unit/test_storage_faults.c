// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The storage class's fault injection (vmbusctl storage-fault), through
 * the command and a real channel: a medium error fails exactly the reads
 * that touch its range, with MEDIUM ERROR sense and the first bad LBA;
 * drop N leaves N SRBs unanswered and answers the next; each malformed
 * completion is malformed that way once, then completions are normal
 * again; clear undoes them all.  And the counters that show it, in
 * status and disk list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "storage_fx.h"

#define R	STOR_FX_RELID

static int setup(void **state)
{
	static const char *const opts[] = { "serial=FAULTS" };

	*state = stor_fx_create(opts, 1);
	return 0;
}

static int teardown(void **state)
{
	stor_fx_destroy(*state);
	return 0;
}

/* READ(10) of n blocks at lba into the data pages. */
static struct vmb_stor_srb_msg rd(struct stor_fx *f, uint64_t tid,
				  uint32_t lba, uint16_t n)
{
	uint8_t cdb[10];

	stor_fx_rw10(cdb, false, lba, n);
	return stor_fx_exec(f, tid, VMB_STOR_DIR_READ, n * 512u, cdb, 10, 0);
}

static struct vmb_stor_srb_msg wr(struct stor_fx *f, uint64_t tid,
				  uint32_t lba, uint16_t n)
{
	uint8_t cdb[10];

	stor_fx_rw10(cdb, true, lba, n);
	return stor_fx_exec(f, tid, VMB_STOR_DIR_WRITE, n * 512u, cdb, 10, 0);
}

static void assert_ok(const struct vmb_stor_srb_msg *c, uint32_t bytes)
{
	assert_int_equal(le32toh(c->hdr.status), VMB_STOR_S_OK);
	assert_int_equal(c->srb.scsi_status, SCSI_GOOD);
	assert_int_equal(c->srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(c->srb.sense_len, 0);
	assert_int_equal(le32toh(c->srb.data_len), bytes);
}

/* CHECK CONDITION, MEDIUM ERROR / UNRECOVERED READ, INFORMATION = lba. */
static void assert_medium_error(const struct vmb_stor_srb_msg *c, uint32_t lba)
{
	const uint8_t *s = c->srb.sense;

	assert_int_equal(le32toh(c->hdr.status), VMB_STOR_S_OK);
	assert_int_equal(c->srb.scsi_status, SCSI_CHECK_CONDITION);
	assert_int_equal(c->srb.srb_status, VMB_STOR_SRB_ERROR);
	assert_int_equal(le32toh(c->srb.data_len), 0);
	assert_int_equal(c->srb.sense_len, SCSI_SENSE_LEN);
	assert_int_equal(s[0], 0x80 | 0x70);	/* VALID, fixed, current */
	assert_int_equal(s[2], SCSI_KEY_MEDIUM_ERROR);
	assert_int_equal(s[12], SCSI_ASC_UNRECOVERED_READ);
	assert_int_equal(s[13], 0);
	assert_int_equal(((uint32_t)s[3] << 24) | ((uint32_t)s[4] << 16) |
			 ((uint32_t)s[5] << 8) | s[6], lba);
}

static void test_medium_error(void **state)
{
	struct stor_fx *f = *state;
	uint8_t *pg = test_page(f->m, STOR_FX_DATA_PFN);
	static const uint8_t r16[16] = { 0x88, [9] = 0, [13] = 255 };
	struct vmb_stor_srb_msg c;
	uint8_t file[4096];

	stor_fx_init(f);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u medium-error 0 100 8", R), 0);

	c = rd(f, 10, 92, 8);			/* 92..99: just before */
	assert_ok(&c, 4096);
	c = rd(f, 11, 96, 8);			/* 96..103: the first bad is 100 */
	assert_medium_error(&c, 100);
	c = rd(f, 12, 104, 8);			/* 104..111: 104 */
	assert_medium_error(&c, 104);
	c = rd(f, 13, 107, 1);			/* the last bad block alone */
	assert_medium_error(&c, 107);
	c = rd(f, 14, 108, 8);			/* 108..: just after */
	assert_ok(&c, 4096);
	c = stor_fx_exec(f, 15, VMB_STOR_DIR_READ, 255 * 512, r16, 16, 0);
	assert_medium_error(&c, 100);		/* READ(16) over all of it */

	/* writes are not failed: the range takes them, and reads back */
	memset(pg, 0x5c, 4096);
	c = wr(f, 16, 100, 8);
	assert_ok(&c, 4096);
	assert_int_equal(pread(f->img_fd, file, sizeof(file), 100 * 512), 4096);
	assert_memory_equal(file, pg, 4096);

	/* the counters say so */
	assert_int_equal(stor_fx_cmd(f, "disk list"), 0);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "reads"), 6);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "writes"), 1);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "errors"), 4);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "injected"), 4);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "read_bytes"), 2 * 4096);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "write_bytes"), 4096);
	assert_int_equal(stor_fx_cmd(f, "status"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_requests"), 7);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_errors"), 4);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_injected"), 0);

	/* clear: the range reads again */
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u clear", R), 0);
	c = rd(f, 17, 100, 8);
	assert_ok(&c, 4096);
	assert_memory_equal(pg, file, 4096);
	assert_false(f->ch->broken);
}

/* TEST UNIT READY, INBAND: answered at once when answered. */
static void put_tur(struct stor_fx *f, uint64_t tid)
{
	static const uint8_t tur[6] = { 0 };
	struct vmb_stor_srb_msg m = stor_fx_srb(VMB_STOR_DIR_NONE, 0, tur, 6);

	stor_fx_put(f, tid, &m, 0, 0);
}

static void test_drop(void **state)
{
	struct stor_fx *f = *state;
	const struct stor_stats *st = storage_chan_stats(f->ch);
	struct vmb_stor_srb_msg c;
	struct ring_pkt p;
	uint8_t cdb[10];

	stor_fx_init(f);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u drop 3", R), 0);
	/* two in one doorbell, then a read through io_uring: none answered */
	put_tur(f, 20);
	put_tur(f, 21);
	channel_doorbell(f->ch);
	stor_fx_rw10(cdb, false, 0, 8);
	c = stor_fx_srb(VMB_STOR_DIR_READ, 4096, cdb, 10);
	stor_fx_put(f, 22, &c, 0, 4096);
	channel_doorbell(f->ch);
	assert_int_equal(stor_fx_wait(f, &p, 200), 0);
	assert_int_equal(st->dropped, 3);
	assert_int_equal(st->in_flight, 0);	/* nothing held for them */
	/* the next ones are answered, in kind */
	put_tur(f, 23);
	channel_doorbell(f->ch);
	stor_fx_completion(f, &p, &c);
	assert_int_equal(p.trans_id, 23);
	assert_ok(&c, 0);
	c = rd(f, 24, 0, 8);
	assert_ok(&c, 4096);
	assert_int_equal(stor_fx_wait(f, &p, 100), 0);	/* and nothing else */
	assert_int_equal(stor_fx_cmd(f, "status"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_dropped"), 3);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_requests"), 5);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_in_flight"), 0);
	assert_false(f->ch->broken);
}

/* Each malformed completion: that one is wrong in that way, the next is not. */
static void test_bad_completions(void **state)
{
	struct stor_fx *f = *state;
	static const char *const kind[] = {
		"bad-trans-id", "overlong-sense", "bad-status",
		"overlong-transfer",
	};
	static const uint8_t tur[6] = { 0 };
	struct vmb_stor_srb_msg m, c;
	struct ring_pkt p;
	uint8_t cdb[10];
	unsigned int i;
	uint64_t tid;

	stor_fx_init(f);
	stor_fx_rw10(cdb, false, 8, 8);
	for (i = 0; i < 4; i++) {
		tid = 100 + 10 * i;
		assert_int_equal(stor_fx_cmd(f, "storage-fault %u %s", R, kind[i]), 0);
		m = stor_fx_srb(VMB_STOR_DIR_READ, 4096, cdb, 10);
		stor_fx_put(f, tid, &m, 0, 4096);
		channel_doorbell(f->ch);
		stor_fx_completion(f, &p, &c);
		switch (i) {
		case 0:
			assert_int_equal(p.trans_id, tid ^ 0x5a5a5a5a00000000ULL);
			assert_ok(&c, 4096);
			break;
		case 1:
			assert_int_equal(p.trans_id, tid);
			assert_true(c.srb.sense_len > VMB_STOR_SENSE_MAX);
			assert_int_equal(c.srb.sense_len, 200);
			assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_OK);
			assert_int_equal(le32toh(c.srb.data_len), 4096);
			break;
		case 2:
			assert_int_equal(p.trans_id, tid);
			assert_int_equal(le32toh(c.hdr.status), 0x7777);
			assert_int_equal(c.srb.srb_status, 0x99);
			break;
		case 3:
			assert_int_equal(p.trans_id, tid);
			assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_OK);
			assert_int_equal(le32toh(c.srb.data_len), 4096 + 4096);
			break;
		}
		assert_int_equal(stor_fx_wait(f, &p, 60), 0);	/* only one */
		/* then normal again, on the data path and off it */
		c = rd(f, tid + 1, 8, 8);
		assert_ok(&c, 4096);
		m = stor_fx_srb(VMB_STOR_DIR_NONE, 0, tur, 6);
		stor_fx_put(f, tid + 2, &m, 0, 0);
		channel_doorbell(f->ch);
		stor_fx_completion(f, &p, &c);
		assert_int_equal(p.trans_id, tid + 2);
		assert_ok(&c, 0);
	}
	assert_int_equal(stor_fx_cmd(f, "status"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_injected"), 4);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_requests"), 12);
	assert_false(f->ch->broken);
}

static void test_clear(void **state)
{
	struct stor_fx *f = *state;
	struct vmb_stor_srb_msg c;
	struct ring_pkt p;

	stor_fx_init(f);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u drop 5", R), 0);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u medium-error 0 0 16", R), 0);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u bad-status", R), 0);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u clear", R), 0);
	c = rd(f, 30, 0, 8);
	assert_ok(&c, 4096);
	put_tur(f, 31);
	channel_doorbell(f->ch);
	stor_fx_completion(f, &p, &c);
	assert_int_equal(p.trans_id, 31);
	assert_ok(&c, 0);
	assert_int_equal(stor_fx_cmd(f, "status"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_dropped"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_injected"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_errors"), 0);
}

/* Wrong arguments change nothing, and say what was wrong. */
static void test_fault_usage(void **state)
{
	struct stor_fx *f = *state;
	struct vmb_stor_srb_msg c;

	stor_fx_init(f);
	assert_int_equal(stor_fx_cmd(f, "storage-fault"), -1);
	assert_non_null(strstr(f->err, "usage: storage-fault RELID"));
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u frobnicate", R), -1);
	assert_non_null(strstr(f->err, "unknown storage fault 'frobnicate'"));
	assert_int_equal(stor_fx_cmd(f, "storage-fault 2 drop 1"), -1);
	assert_string_equal(f->err, "relid 2: not a storage controller");
	assert_int_equal(stor_fx_cmd(f, "storage-fault x drop 1"), -1);
	assert_string_equal(f->err, "bad relid 'x'");
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u drop", R), -1);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u drop 2000000", R), -1);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u medium-error 5 0 8", R), -1);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u medium-error 0 0 0", R), -1);
	assert_int_equal(stor_fx_cmd(f, "storage-fault %u bad-status now", R), -1);
	/* none of them took */
	c = rd(f, 40, 0, 8);
	assert_ok(&c, 4096);
}

/* The rest of the counters: flushes, unmaps, malformed, allocated. */
static void test_counters(void **state)
{
	struct stor_fx *f = *state;
	static const uint8_t sync[10] = { 0x35 };
	static const uint8_t unmap[10] = { 0x42, [8] = 24 };
	uint8_t list[24] = { 0, 22, 0, 16 };
	struct vmb_stor_srb_msg c;
	unsigned long long alloc;
	struct vmb_stor_hdr h;
	unsigned int i;

	stor_fx_init(f);
	assert_int_equal(stor_fx_cmd(f, "disk list"), 0);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "size"), STOR_FX_IMG_SIZE);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "allocated"), 0);
	assert_non_null(strstr(f->out, " mode=rw direct=0 serial=FAULTS "));
	for (i = 0; i < 16; i++)
		memset(test_page(f->m, STOR_FX_DATA_PFN + i), 0x11 + i, 4096);
	c = wr(f, 50, 0, 128);			/* 64 KiB */
	assert_ok(&c, 65536);
	c = stor_fx_exec(f, 51, VMB_STOR_DIR_NONE, 0, sync, 10, 0);
	assert_ok(&c, 0);
	assert_int_equal(stor_fx_cmd(f, "disk list"), 0);
	alloc = stor_fx_field(f, "lun=0 ", "allocated");
	assert_true(alloc >= 65536);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "flushes"), 1);

	/* UNMAP all 128 blocks: the image gives them back */
	list[19] = 128;
	memcpy(test_page(f->m, STOR_FX_DATA_PFN + 20), list, sizeof(list));
	c = stor_fx_exec(f, 52, VMB_STOR_DIR_WRITE, 24, unmap, 10, 20);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(stor_fx_cmd(f, "disk list"), 0);
	assert_true(stor_fx_field(f, "lun=0 ", "allocated") < alloc);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "unmaps"), 1);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "write_bytes"), 65536);
	assert_int_equal(stor_fx_field(f, "lun=0 ", "errors"), 0);
	assert_non_null(strstr(f->out, " path="));
	assert_non_null(strstr(f->out, f->img));

	/* malformed: an unknown message and a CDB past its length */
	h.type = htole32(99);
	h.status = 0;
	assert_int_equal(stor_fx_request(f, 53, &h, sizeof(h)), VMB_STOR_S_INVALID);
	c = stor_fx_srb(VMB_STOR_DIR_NONE, 0, sync, 10);
	c.srb.cdb[12] = 1;
	stor_fx_put(f, 54, &c, 0, 0);
	channel_doorbell(f->ch);
	{
		struct ring_pkt p;

		stor_fx_completion(f, &p, &c);
	}
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);
	assert_int_equal(stor_fx_cmd(f, "status"), 0);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_malformed"), 2);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_write_bytes"), 65536);
	assert_int_equal(stor_fx_field(f, "relid=1 ", "stor_read_bytes"), 0);
	/* the class's keys sit before the line's last one, sub= */
	assert_non_null(strstr(f->out, " stor_in_flight=0 sub=0\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_medium_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_completions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
