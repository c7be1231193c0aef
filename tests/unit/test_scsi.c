// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The storage class's SCSI target (backends/scsi.c), command by command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backends/scsi.h"

static const uint16_t luns[] = { 0, 3 };
static const struct scsi_target tgt = {
	.luns = luns, .nr_luns = 2, .max_xfer_blocks = 1024,
};
static const struct scsi_lun disk = {
	.blocks = 2048, .write_cache = true, .serial = "SER123",
};
static const struct scsi_lun ro_disk = {
	.blocks = 2048, .read_only = true, .serial = "RO",
};

static uint8_t buf[SCSI_BUF_MAX];

static void run(const struct scsi_lun *l, const uint8_t *cdb, unsigned int n,
		struct scsi_result *r)
{
	memset(buf, 0xee, sizeof(buf));
	scsi_exec(&tgt, 0, l, cdb, n, buf, r);
}

static void assert_sense(const struct scsi_result *r, uint8_t key, uint8_t asc)
{
	assert_int_equal(r->status, SCSI_CHECK_CONDITION);
	assert_int_equal(r->action, SCSI_ACT_DONE);
	assert_int_equal(r->sense_len, SCSI_SENSE_LEN);
	assert_int_equal(r->sense[0] & 0x7f, 0x70);
	assert_int_equal(r->sense[2], key);
	assert_int_equal(r->sense[7], 10);
	assert_int_equal(r->sense[12], asc);
	assert_int_equal(r->xfer, 0);
}

static void assert_good(const struct scsi_result *r)
{
	assert_int_equal(r->status, SCSI_GOOD);
	assert_int_equal(r->sense_len, 0);
}

static void test_cdb_len(void **state)
{
	(void)state;
	assert_int_equal(scsi_cdb_len(0x00), 6);
	assert_int_equal(scsi_cdb_len(0x28), 10);
	assert_int_equal(scsi_cdb_len(0x5a), 10);
	assert_int_equal(scsi_cdb_len(0xa0), 12);
	assert_int_equal(scsi_cdb_len(0x88), 16);
	assert_int_equal(scsi_cdb_len(0x60), 0);
	assert_int_equal(scsi_cdb_len(0xe0), 0);
}

/* scsi_cdb_action() agrees with what scsi_exec() does with each opcode. */
static void test_cdb_action(void **state)
{
	static const struct {
		uint8_t cdb[16];
		unsigned int len;
		enum scsi_action act;
	} ops[] = {
		{ { 0x08, 0, 0, 0, 1 }, 6, SCSI_ACT_READ },
		{ { 0x28, [8] = 1 }, 10, SCSI_ACT_READ },
		{ { 0x88, [13] = 1 }, 16, SCSI_ACT_READ },
		{ { 0x0a, 0, 0, 0, 1 }, 6, SCSI_ACT_WRITE },
		{ { 0x2a, [8] = 1 }, 10, SCSI_ACT_WRITE },
		{ { 0x8a, [13] = 1 }, 16, SCSI_ACT_WRITE },
		{ { 0x35 }, 10, SCSI_ACT_FLUSH },
		{ { 0x91 }, 16, SCSI_ACT_FLUSH },
		{ { 0x42, [8] = 24 }, 10, SCSI_ACT_UNMAP },
		{ { 0x93, 0x08, [13] = 1 }, 16, SCSI_ACT_WRITE_SAME_UNMAP },
	};
	uint8_t cdb[16];
	struct scsi_result r;
	unsigned int i, op;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		run(&disk, ops[i].cdb, ops[i].len, &r);
		assert_int_equal(r.action, ops[i].act);
		assert_int_equal(scsi_cdb_action(ops[i].cdb[0]), ops[i].act);
	}
	/* every other opcode: no block operation, from either */
	for (op = 0; op < 256; op++) {
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (ops[i].cdb[0] == op)
				break;
		if (i < sizeof(ops) / sizeof(ops[0]))
			continue;
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = (uint8_t)op;
		run(&disk, cdb, 16, &r);
		assert_int_equal(r.action, SCSI_ACT_DONE);
		assert_int_equal(scsi_cdb_action(cdb[0]), SCSI_ACT_DONE);
	}
}

static void test_inquiry_std(void **state)
{
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 96, 0 };
	struct scsi_result r;

	(void)state;
	run(&disk, cdb, 6, &r);
	assert_good(&r);
	assert_int_equal(r.dir, SCSI_DIR_IN);
	assert_int_equal(r.xfer, 36);
	assert_int_equal(buf[0], 0x00);
	assert_int_equal(buf[4], 31);
	assert_memory_equal(buf + 8, "VMBUS   ", 8);
	assert_memory_equal(buf + 16, "Virtual Disk    ", 16);
	/* allocation length truncates, never overruns */
	cdb[4] = 5;
	run(&disk, cdb, 6, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 5);
	cdb[4] = 0;
	run(&disk, cdb, 6, &r);
	assert_int_equal(r.xfer, 0);
	/* a page without EVPD, CMDDT: invalid field */
	cdb[4] = 96;
	cdb[2] = 0x80;
	run(&disk, cdb, 6, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	cdb[2] = 0;
	cdb[1] = 0x02;
	run(&disk, cdb, 6, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
}

static void test_inquiry_no_lun(void **state)
{
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct scsi_result r;

	(void)state;
	run(NULL, cdb, 6, &r);
	assert_good(&r);
	assert_int_equal(buf[0], 0x7f);	/* peripheral qualifier 3 */
	cdb[1] = 1;
	run(NULL, cdb, 6, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED);
}

static void test_inquiry_vpd(void **state)
{
	uint8_t cdb[6] = { 0x12, 1, 0x00, 0, 255, 0 };
	struct scsi_result r;

	(void)state;
	run(&disk, cdb, 6, &r);
	assert_good(&r);
	assert_int_equal(buf[1], 0x00);
	assert_int_equal(buf[3], 6);
	assert_int_equal(r.xfer, 10);
	assert_memory_equal(buf + 4, "\x00\x80\x83\xb0\xb1\xb2", 6);

	cdb[2] = 0x80;
	run(&disk, cdb, 6, &r);
	assert_int_equal(buf[3], 6);
	assert_memory_equal(buf + 4, "SER123", 6);

	cdb[2] = 0x83;
	run(&disk, cdb, 6, &r);
	assert_int_equal(buf[4], 0x02);	/* ASCII */
	assert_int_equal(buf[5], 0x01);	/* LU, T10 vendor id */
	assert_int_equal(buf[7], 14);
	assert_memory_equal(buf + 8, "VMBUS   SER123", 14);
	assert_int_equal(buf[22], 0x01);	/* binary */
	assert_int_equal(buf[23], 0x03);	/* LU, NAA */
	assert_int_equal(buf[25], 8);
	assert_int_equal(buf[26] >> 4, 3);	/* NAA 3, locally assigned */
	assert_int_equal(r.xfer, 34);

	cdb[2] = 0xb0;
	run(&disk, cdb, 6, &r);
	assert_int_equal(buf[3], 0x3c);
	assert_int_equal(buf[11], 0x00);
	assert_int_equal(buf[10], 0x04);	/* max transfer 1024 blocks */
	assert_int_equal(buf[27], SCSI_UNMAP_MAX_DESC);

	cdb[2] = 0xb1;
	run(&disk, cdb, 6, &r);
	assert_int_equal(buf[4], 0);
	assert_int_equal(buf[5], 1);		/* non-rotating */

	cdb[2] = 0xb2;
	cdb[4] = 6;				/* truncated */
	run(&disk, cdb, 6, &r);
	assert_int_equal(r.xfer, 6);
	assert_int_equal(buf[5] & 0xc0, 0xc0);	/* LBPU, LBPWS */

	cdb[2] = 0x99;
	cdb[4] = 255;
	run(&disk, cdb, 6, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
}

static void test_read_capacity(void **state)
{
	uint8_t c10[10] = { 0x25 };
	uint8_t c16[16] = { 0x9e, 0x10, [13] = 32 };
	struct scsi_lun big = disk;
	struct scsi_result r;

	(void)state;
	run(&disk, c10, 10, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 8);
	assert_memory_equal(buf, "\x00\x00\x07\xff\x00\x00\x02\x00", 8);
	big.blocks = 1ULL << 33;
	run(&big, c10, 10, &r);
	assert_memory_equal(buf, "\xff\xff\xff\xff", 4);

	run(&big, c16, 16, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 32);
	assert_memory_equal(buf, "\x00\x00\x00\x01\xff\xff\xff\xff", 8);
	assert_int_equal(buf[14] & 0x80, 0x80);	/* LBPME */
	c16[13] = 12;
	run(&big, c16, 16, &r);
	assert_int_equal(r.xfer, 12);
	c16[1] = 0x11;				/* another service action */
	run(&big, c16, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
}

static void test_read_write(void **state)
{
	uint8_t r6[6] = { 0x08, 0x00, 0x00, 0x10, 0, 0 };
	uint8_t w10[10] = { 0x2a, 0x08, 0, 0, 0x01, 0x00, 0, 0x00, 0x08, 0 };
	uint8_t r16[16] = { 0x88, 0, [9] = 0x10, [13] = 4 };
	uint8_t w16[16] = { 0x8a, 0, [9] = 0x10, [13] = 4 };
	struct scsi_result r;

	(void)state;
	run(&disk, r6, 6, &r);			/* READ(6) 0 blocks = 256 */
	assert_good(&r);
	assert_int_equal(r.action, SCSI_ACT_READ);
	assert_int_equal(r.dir, SCSI_DIR_IN);
	assert_int_equal(r.lba, 0x10);
	assert_int_equal(r.nblocks, 256);
	assert_int_equal(r.xfer, 256 * 512);

	run(&disk, w10, 10, &r);
	assert_int_equal(r.action, SCSI_ACT_WRITE);
	assert_int_equal(r.dir, SCSI_DIR_OUT);
	assert_int_equal(r.lba, 0x100);
	assert_int_equal(r.nblocks, 8);
	assert_true(r.fua);

	run(&disk, r16, 16, &r);
	assert_int_equal(r.action, SCSI_ACT_READ);
	assert_false(r.fua);
	assert_int_equal(r.lba, 0x10);
	assert_int_equal(r.nblocks, 4);

	/* the last block is fine, one past is not */
	r16[8] = 0x07;
	r16[9] = 0xff;
	r16[13] = 1;
	run(&disk, r16, 16, &r);
	assert_int_equal(r.action, SCSI_ACT_READ);
	r16[13] = 2;
	run(&disk, r16, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_RANGE);
	r16[2] = 0xff;				/* huge LBA: no wrap */
	run(&disk, r16, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_RANGE);

	/* read-only */
	run(&ro_disk, w16, 16, &r);
	assert_sense(&r, SCSI_KEY_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	run(&ro_disk, w10, 10, &r);
	assert_sense(&r, SCSI_KEY_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	/* protection information */
	w16[1] = 0x20;
	run(&disk, w16, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	/* zero blocks: nothing to move */
	w10[8] = 0;
	run(&disk, w10, 10, &r);
	assert_good(&r);
	assert_int_equal(r.action, SCSI_ACT_DONE);
	assert_int_equal(r.xfer, 0);
}

static void test_sync_cache(void **state)
{
	uint8_t s10[10] = { 0x35 };
	uint8_t s16[16] = { 0x91, [9] = 0x08, [13] = 0x10 };
	struct scsi_result r;

	(void)state;
	run(&disk, s10, 10, &r);
	assert_good(&r);
	assert_int_equal(r.action, SCSI_ACT_FLUSH);
	assert_int_equal(r.dir, SCSI_DIR_NONE);
	run(&disk, s16, 16, &r);
	assert_int_equal(r.action, SCSI_ACT_FLUSH);
	s16[2] = 1;
	run(&disk, s16, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_RANGE);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void test_unmap(void **state)
{
	uint8_t cdb[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
	struct scsi_extent ext[SCSI_UNMAP_MAX_DESC];
	uint8_t list[64];
	struct scsi_result r;

	(void)state;
	run(&disk, cdb, 10, &r);
	assert_good(&r);
	assert_int_equal(r.action, SCSI_ACT_UNMAP);
	assert_int_equal(r.dir, SCSI_DIR_OUT);
	assert_int_equal(r.xfer, 40);
	run(&ro_disk, cdb, 10, &r);
	assert_sense(&r, SCSI_KEY_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	cdb[1] = 1;				/* ANCHOR */
	run(&disk, cdb, 10, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	cdb[1] = 0;
	cdb[8] = 0;				/* empty list: GOOD, nothing */
	run(&disk, cdb, 10, &r);
	assert_good(&r);
	assert_int_equal(r.action, SCSI_ACT_DONE);

	/* two descriptors, one of 0 blocks */
	memset(list, 0, sizeof(list));
	put_be(list, 38, 2);
	put_be(list + 2, 32, 2);
	put_be(list + 8, 16, 8);
	put_be(list + 16, 8, 4);
	put_be(list + 24, 100, 8);
	memset(&r, 0, sizeof(r));
	assert_int_equal(scsi_unmap_parse(&disk, list, 40, ext, &r), 1);
	assert_int_equal(ext[0].lba, 16);
	assert_int_equal(ext[0].nblocks, 8);
	/* out of range */
	put_be(list + 24, 2047, 8);
	put_be(list + 32, 2, 4);
	assert_int_equal(scsi_unmap_parse(&disk, list, 40, ext, &r), -1);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_RANGE);
	/* lengths that do not fit the list */
	put_be(list + 32, 0, 4);
	put_be(list + 2, 48, 2);
	memset(&r, 0, sizeof(r));
	assert_int_equal(scsi_unmap_parse(&disk, list, 40, ext, &r), -1);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_PARAM);
	put_be(list + 2, 20, 2);		/* not a multiple of 16 */
	assert_int_equal(scsi_unmap_parse(&disk, list, 40, ext, &r), -1);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_PARAM);
	assert_int_equal(scsi_unmap_parse(&disk, list, 7, ext, &r), -1);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_PARAM_LIST_LEN);
}

static void test_write_same(void **state)
{
	uint8_t cdb[16] = { 0x93, 0x08, [9] = 0x20, [13] = 0x10 };
	struct scsi_result r;

	(void)state;
	run(&disk, cdb, 16, &r);
	assert_good(&r);
	assert_int_equal(r.action, SCSI_ACT_WRITE_SAME_UNMAP);
	assert_int_equal(r.lba, 0x20);
	assert_int_equal(r.nblocks, 0x10);
	assert_int_equal(r.xfer, 512);
	run(&ro_disk, cdb, 16, &r);
	assert_sense(&r, SCSI_KEY_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	cdb[1] = 0;				/* not the UNMAP form */
	run(&disk, cdb, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	cdb[1] = 0x08;
	cdb[13] = 0;				/* 0 blocks: WSNZ */
	run(&disk, cdb, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	cdb[13] = 0x10;
	cdb[8] = 0x08;
	run(&disk, cdb, 16, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_RANGE);
}

static void test_mode_sense(void **state)
{
	uint8_t m6[6] = { 0x1a, 0, 0x08, 0, 255, 0 };
	uint8_t m10[10] = { 0x5a, 0x08, 0x3f, 0, 0, 0, 0, 0, 255, 0 };
	struct scsi_result r;

	(void)state;
	run(&disk, m6, 6, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 4 + 8 + 20);
	assert_int_equal(buf[0], 4 + 8 + 20 - 1);
	assert_int_equal(buf[2], 0);		/* not WP */
	assert_int_equal(buf[3], 8);
	assert_int_equal(buf[12], 0x08);
	assert_int_equal(buf[13], 0x12);
	assert_int_equal(buf[14] & 0x04, 0x04);	/* WCE */
	run(&ro_disk, m6, 6, &r);
	assert_int_equal(buf[2], 0x80);		/* WP */
	assert_int_equal(buf[14] & 0x04, 0);
	m6[4] = 3;
	run(&disk, m6, 6, &r);
	assert_int_equal(r.xfer, 3);

	/* MODE SENSE(10), DBD, all pages */
	run(&disk, m10, 10, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 8 + 20 + 12);
	assert_int_equal(buf[1], 8 + 20 + 12 - 2);
	assert_int_equal(buf[7], 0);		/* no block descriptor */
	assert_int_equal(buf[8], 0x08);
	assert_int_equal(buf[28], 0x0a);
	m10[2] = 0x3f;
	m10[3] = 0xff;				/* all subpages */
	run(&disk, m10, 10, &r);
	assert_good(&r);
	m10[3] = 1;
	run(&disk, m10, 10, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	m10[3] = 0;
	m10[2] = 0x1c;				/* a page we do not have */
	run(&disk, m10, 10, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	m10[2] = 0xc8;				/* saved values */
	run(&disk, m10, 10, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_SAVING_PARAMS);
}

static void test_report_luns(void **state)
{
	uint8_t cdb[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0 };
	struct scsi_result r;

	(void)state;
	run(NULL, cdb, 12, &r);			/* from any LUN */
	assert_good(&r);
	assert_int_equal(r.xfer, 24);
	assert_memory_equal(buf, "\x00\x00\x00\x10\x00\x00\x00\x00", 8);
	assert_int_equal(buf[8 + 1], 0);
	assert_int_equal(buf[16 + 1], 3);
	cdb[9] = 16;				/* truncated; list length stays */
	run(&disk, cdb, 12, &r);
	assert_int_equal(r.xfer, 16);
	assert_int_equal(buf[3], 16);
	cdb[9] = 8;				/* below 16: invalid */
	run(&disk, cdb, 12, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
	cdb[9] = 255;
	cdb[2] = 7;
	run(&disk, cdb, 12, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);
}

static void test_misc(void **state)
{
	uint8_t tur[6] = { 0x00 }, ssu[6] = { 0x1b, 0, 0, 0, 1, 0 };
	uint8_t rs[6] = { 0x03, 0, 0, 0, 252, 0 };
	uint8_t bad[10] = { 0x5f };
	uint8_t vendor[6] = { 0xc1 };
	struct scsi_result r;

	(void)state;
	run(&disk, tur, 6, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 0);
	run(&disk, ssu, 6, &r);
	assert_good(&r);
	run(&disk, rs, 6, &r);
	assert_good(&r);
	assert_int_equal(r.xfer, 18);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[2], 0);
	run(NULL, rs, 6, &r);			/* REQUEST SENSE to no LUN */
	assert_good(&r);
	assert_int_equal(buf[2], SCSI_KEY_ILLEGAL_REQUEST);
	assert_int_equal(buf[12], SCSI_ASC_LUN_NOT_SUPPORTED);
	rs[4] = 4;
	run(&disk, rs, 6, &r);
	assert_int_equal(r.xfer, 4);
	rs[1] = 1;				/* descriptor format */
	run(&disk, rs, 6, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD);

	run(&disk, bad, 10, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
	run(&disk, vendor, 6, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
	run(NULL, tur, 6, &r);			/* other commands to no LUN */
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED);
	run(NULL, bad, 10, &r);
	assert_sense(&r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED);
}

static void test_sense_info(void **state)
{
	struct scsi_result r;

	(void)state;
	memset(&r, 0, sizeof(r));
	scsi_set_sense_info(&r, SCSI_KEY_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ,
			    0, 0x01020304);
	assert_sense(&r, SCSI_KEY_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ);
	assert_int_equal(r.sense[0], 0xf0);
	assert_memory_equal(r.sense + 3, "\x01\x02\x03\x04", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdb_len),
		cmocka_unit_test(test_cdb_action),
		cmocka_unit_test(test_inquiry_std),
		cmocka_unit_test(test_inquiry_no_lun),
		cmocka_unit_test(test_inquiry_vpd),
		cmocka_unit_test(test_read_capacity),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_sync_cache),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_write_same),
		cmocka_unit_test(test_mode_sense),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_sense_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
