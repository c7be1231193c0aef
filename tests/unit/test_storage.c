// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The storage back end through a real channel on fake guest RAM, with a
 * real temp image and io_uring: the init sequence, every malformed message
 * (answered with its status, nothing changed), the queue-depth bound, and
 * data end to end (write, read back, flush, unmap shrinks st_blocks).
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "backends/scsi.h"
#include "backends/storage.h"
#include "core/channel.h"
#include "core/evloop.h"
#include "core/log.h"
#include "testutil.h"

#define RELID		71
#define IN_PAGES	5		/* header + 4 */
#define OUT_PAGES	9		/* header + 8 */
#define IMG_SIZE	(4 << 20)
#define DATA_PFN	4000		/* the guest's I/O buffers */

struct fx {
	struct gmem *m;
	struct gpadl_table t;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	struct channel *ch;
	struct vmbd_conf *conf;
	struct ring gin, gout;
	struct gpa_scratch scratch;
	char img[64];
	int img_fd;
	uint8_t buf[8 * 4096];
};

static void notify(void *ctx, unsigned int v)
{
	(void)ctx;
	(void)v;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	__le64 le[IN_PAGES + OUT_PAGES];
	char opt[96], *opts[2];
	const char *why, *err;
	struct gpadl *g;
	uint32_t st, i;

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	f->m = test_ram_open();
	strcpy(f->img, "/tmp/vmbusd_test_disk.XXXXXX");
	f->img_fd = mkstemp(f->img);
	assert_true(f->img_fd >= 0);
	assert_int_equal(ftruncate(f->img_fd, IMG_SIZE), 0);
	snprintf(opt, sizeof(opt), "disk=%s", f->img);
	opts[0] = opt;
	opts[1] = "serial=TESTSER";
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, opts, 2,
					 &f->conf, &err), 0);
	f->env.gmem = f->m;
	f->env.loop = evl_create();
	assert_non_null(f->env.loop);
	f->env.h2g_events = f->region + VMB_IF_H2G_EVENTS_OFF;
	f->env.g2h_events = f->region + VMB_IF_G2H_EVENTS_OFF;
	f->env.nr_vectors = 4;
	f->env.notify = notify;
	f->env.ctx = f;
	g = gpadl_create(&f->t, 1, RELID, IN_PAGES + OUT_PAGES, &st);
	assert_non_null(g);
	for (i = 0; i < IN_PAGES + OUT_PAGES; i++)
		le[i] = htole64(900 + i);
	gpadl_add_frames(g, f->m, le, IN_PAGES + OUT_PAGES);
	f->ch = channel_open(&f->env, RELID, g, IN_PAGES, 1,
			     &vmbd_backend_storage, f->conf, &st, &why);
	assert_non_null(f->ch);
	assert_int_equal(ring_init_tx(&f->gin, g->page, IN_PAGES), 0);
	assert_int_equal(ring_init_rx(&f->gout, g->page + IN_PAGES, OUT_PAGES), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	channel_close(f->ch);
	gpadl_destroy_relid(&f->t, 0);
	vmbd_conf_put(f->conf);
	evl_destroy(f->env.loop);
	test_ram_close(f->m);
	close(f->img_fd);
	unlink(f->img);
	free(f);
	return 0;
}

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

/* Send an INBAND message; returns the COMPLETION's status (-1: none). */
static int request(struct fx *f, uint64_t tid, const void *msg, uint32_t len,
		   void *answer, uint32_t alen)
{
	struct ring_pkt p;

	guest_put_inband(&f->gin, VMB_PKT_F_COMPLETION_REQUESTED, tid, msg, len);
	channel_doorbell(f->ch);
	if (!guest_get(f, &p))
		return -1;
	assert_int_equal(p.type, VMB_PKT_COMPLETION);
	assert_int_equal(p.trans_id, tid);
	if (answer) {
		assert_true(p.payload_len >= alen);
		memcpy(answer, p.payload, alen);
	}
	return (int)le32toh(((const struct vmb_stor_hdr *)p.payload)->status);
}

static int hdr_request(struct fx *f, uint32_t type)
{
	struct vmb_stor_hdr h = { .type = htole32(type) };

	return request(f, type, &h, sizeof(h), NULL, 0);
}

static void do_init(struct fx *f)
{
	struct vmb_stor_version v = {
		.hdr.type = htole32(VMB_STOR_QUERY_VERSION),
		.version = htole32(VMB_STOR_VERSION_1_0),
	};

	assert_int_equal(hdr_request(f, VMB_STOR_BEGIN_INIT), VMB_STOR_S_OK);
	assert_int_equal(request(f, 2, &v, sizeof(v), NULL, 0), VMB_STOR_S_OK);
	assert_int_equal(hdr_request(f, VMB_STOR_END_INIT), VMB_STOR_S_OK);
}

static struct vmb_stor_srb_msg srb(uint8_t dir, uint32_t data_len,
				   const uint8_t *cdb, uint8_t cdb_len)
{
	struct vmb_stor_srb_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = htole32(VMB_STOR_EXECUTE_SRB);
	m.srb.cdb_len = cdb_len;
	m.srb.data_dir = dir;
	m.srb.sense_len = VMB_STOR_SENSE_MAX;
	m.srb.data_len = htole32(data_len);
	memcpy(m.srb.cdb, cdb, cdb_len);
	return m;
}

/* A GPA_RANGE SRB: bytes from offset of frames DATA_PFN + first ... */
static void put_srb_gpa(struct fx *f, uint64_t tid,
			const struct vmb_stor_srb_msg *m, uint64_t first,
			uint32_t offset, uint32_t bytes)
{
	uint32_t npfn = (offset + bytes + 4095) / 4096, i, hdr;
	uint8_t pl[8 + 8 + 8 * 64 + sizeof(*m)];
	__le32 v32;
	__le64 v64;

	assert_true(npfn <= 64);
	memset(pl, 0, sizeof(pl));
	v32 = htole32(1);
	memcpy(pl, &v32, 4);
	v32 = htole32(bytes);
	memcpy(pl + 8, &v32, 4);
	v32 = htole32(offset);
	memcpy(pl + 12, &v32, 4);
	for (i = 0; i < npfn; i++) {
		v64 = htole64(DATA_PFN + first + i);
		memcpy(pl + 16 + 8 * i, &v64, 8);
	}
	hdr = 16 + 8 * npfn;
	memcpy(pl + hdr, m, sizeof(*m));
	guest_put(&f->gin, VMB_PKT_GPA_RANGE, (uint16_t)(2 + hdr / 8),
		  (uint16_t)(2 + (hdr + sizeof(*m)) / 8),
		  VMB_PKT_F_COMPLETION_REQUESTED, tid, pl,
		  hdr + (uint32_t)sizeof(*m));
}

/* Wait (running the loop) for the next completion. */
static void get_completion(struct fx *f, struct ring_pkt *p,
			   struct vmb_stor_srb_msg *out)
{
	int tries = 0;

	while (!guest_get(f, p)) {
		assert_true(tries++ < 200);
		evl_run_once(f->env.loop, 50);
	}
	assert_int_equal(p->type, VMB_PKT_COMPLETION);
	assert_int_equal(p->payload_len, sizeof(*out));
	memcpy(out, p->payload, sizeof(*out));
}

static struct vmb_stor_srb_msg exec_gpa(struct fx *f, uint64_t tid,
					uint8_t dir, uint32_t len,
					const uint8_t *cdb, uint8_t cdb_len,
					uint64_t first, uint32_t offset)
{
	struct vmb_stor_srb_msg m = srb(dir, len, cdb, cdb_len), c;
	struct ring_pkt p;

	put_srb_gpa(f, tid, &m, first, offset, len);
	channel_doorbell(f->ch);
	get_completion(f, &p, &c);
	assert_int_equal(p.trans_id, tid);
	return c;
}

static struct vmb_stor_srb_msg exec_inband(struct fx *f, uint64_t tid,
					   const struct vmb_stor_srb_msg *m)
{
	struct vmb_stor_srb_msg c;
	struct ring_pkt p;

	guest_put_inband(&f->gin, VMB_PKT_F_COMPLETION_REQUESTED, tid, m,
			 sizeof(*m));
	channel_doorbell(f->ch);
	get_completion(f, &p, &c);
	assert_int_equal(p.trans_id, tid);
	return c;
}

/* ------------------------------------------------------------------ */

static void test_init_sequence(void **state)
{
	struct fx *f = *state;
	struct vmb_stor_version v = {
		.hdr.type = htole32(VMB_STOR_QUERY_VERSION),
		.version = htole32(VMB_STOR_VERSION(2, 0)),
	};
	struct vmb_stor_properties pr = {
		.hdr.type = htole32(VMB_STOR_QUERY_PROPERTIES),
	};
	struct vmb_stor_subchannels sub = {
		.hdr.type = htole32(VMB_STOR_CREATE_SUBCHANNELS),
	};
	static const uint8_t tur[6] = { 0 };
	struct vmb_stor_srb_msg m = srb(VMB_STOR_DIR_NONE, 0, tur, 6), c;

	/* nothing before BEGIN_INIT, no SRB before END_INIT */
	assert_int_equal(request(f, 1, &v, sizeof(v), NULL, 0),
			 VMB_STOR_S_BAD_STATE);
	c = exec_inband(f, 2, &m);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_BAD_STATE);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_PENDING);
	assert_int_equal(hdr_request(f, VMB_STOR_END_INIT), VMB_STOR_S_BAD_STATE);

	assert_int_equal(hdr_request(f, VMB_STOR_BEGIN_INIT), VMB_STOR_S_OK);
	assert_int_equal(hdr_request(f, VMB_STOR_BEGIN_INIT), VMB_STOR_S_BAD_STATE);
	assert_int_equal(request(f, 3, &pr, sizeof(pr), NULL, 0),
			 VMB_STOR_S_BAD_STATE);
	/* version walk-down */
	assert_int_equal(request(f, 4, &v, sizeof(v), &v, sizeof(v)),
			 VMB_STOR_S_UNSUPPORTED_VERSION);
	assert_int_equal(le32toh(v.version), VMB_STOR_VERSION_CURRENT);
	v.hdr.status = 0;			/* the answer's, not a request's */
	v.reserved = htole32(1);
	assert_int_equal(request(f, 5, &v, sizeof(v), NULL, 0), VMB_STOR_S_INVALID);
	v.reserved = 0;
	assert_int_equal(request(f, 6, &v, sizeof(v), NULL, 0), VMB_STOR_S_OK);

	assert_int_equal(request(f, 7, &pr, sizeof(pr), &pr, sizeof(pr)),
			 VMB_STOR_S_OK);
	assert_int_equal(le32toh(pr.max_transfer_bytes), STOR_MAX_TRANSFER);
	assert_int_equal(le32toh(pr.queue_depth), STOR_QUEUE_DEPTH);
	assert_int_equal(le16toh(pr.max_subchannels), STOR_MAX_SUBCHANNELS);
	assert_int_equal(le16toh(pr.max_luns), STOR_MAX_LUNS);
	assert_int_equal(le32toh(pr.flags), VMB_STOR_F_UNMAP | VMB_STOR_F_FUA);
	pr.hdr.status = 0;
	pr.flags = htole32(1);			/* request body not zero */
	assert_int_equal(request(f, 8, &pr, sizeof(pr), NULL, 0), VMB_STOR_S_INVALID);

	assert_int_equal(request(f, 9, &sub, sizeof(sub), NULL, 0),
			 VMB_STOR_S_INVALID);	/* count 0 */
	sub.count = htole16(STOR_MAX_SUBCHANNELS + 1);
	assert_int_equal(request(f, 10, &sub, sizeof(sub), NULL, 0),
			 VMB_STOR_S_INVALID);
	sub.count = htole16(2);
	sub.reserved1 = htole32(1);
	assert_int_equal(request(f, 11, &sub, sizeof(sub), NULL, 0),
			 VMB_STOR_S_INVALID);
	sub.reserved1 = 0;
	assert_int_equal(request(f, 12, &sub, sizeof(sub), &sub, sizeof(sub)),
			 VMB_STOR_S_OK);
	assert_int_equal(le16toh(sub.count), 2);

	assert_int_equal(hdr_request(f, VMB_STOR_END_INIT), VMB_STOR_S_OK);
	assert_int_equal(hdr_request(f, VMB_STOR_BEGIN_INIT), VMB_STOR_S_BAD_STATE);
	c = exec_inband(f, 13, &m);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(c.srb.scsi_status, SCSI_GOOD);
	assert_false(f->ch->broken);
}

static void test_malformed_messages(void **state)
{
	struct fx *f = *state;
	static const uint8_t tur[6] = { 0 };
	static const uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
	static const uint8_t wr10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
	struct vmb_stor_srb_msg m, c;
	uint8_t big[24] = { 0 };
	struct vmb_stor_hdr h;
	const struct stor_stats *st = storage_chan_stats(f->ch);
	uint8_t *pg = test_page(f->m, DATA_PFN);
	uint8_t file[4096];

	do_init(f);
	assert_non_null(st);
	/* header-only messages with a body, a status, unknown types */
	h.type = htole32(VMB_STOR_END_INIT);
	h.status = 0;
	memcpy(big, &h, sizeof(h));
	assert_int_equal(request(f, 1, big, 16, NULL, 0), VMB_STOR_S_INVALID);
	h.status = htole32(1);
	assert_int_equal(request(f, 2, &h, sizeof(h), NULL, 0), VMB_STOR_S_INVALID);
	h.status = 0;
	h.type = htole32(99);
	assert_int_equal(request(f, 3, &h, sizeof(h), NULL, 0), VMB_STOR_S_INVALID);
	h.type = htole32(VMB_STOR_LUNS_CHANGED);
	assert_int_equal(request(f, 4, &h, sizeof(h), NULL, 0), VMB_STOR_S_INVALID);
	/* an SRB of the wrong size */
	m = srb(VMB_STOR_DIR_NONE, 0, tur, 6);
	assert_int_equal(request(f, 5, &m, sizeof(m) - 8, NULL, 0),
			 VMB_STOR_S_INVALID);

#define BAD_SRB(tid, field, value) do {					\
		m = srb(VMB_STOR_DIR_NONE, 0, tur, 6);			\
		m.field = value;					\
		c = exec_inband(f, tid, &m);				\
		assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID); \
		assert_int_equal(c.srb.srb_status, 0);			\
		assert_int_equal(c.srb.data_len, 0);			\
	} while (0)
	BAD_SRB(10, srb.cdb_len, 0);
	BAD_SRB(11, srb.cdb_len, 17);
	BAD_SRB(12, srb.cdb[7], 1);		/* past cdb_len */
	BAD_SRB(13, srb.data_dir, 3);
	BAD_SRB(14, srb.sense_len, 97);
	BAD_SRB(15, srb.reserved0, 1);
	BAD_SRB(16, srb.reserved1, htole32(1));
	BAD_SRB(17, srb.scsi_status, 2);
	BAD_SRB(18, srb.srb_status, 1);
	BAD_SRB(19, srb.sense[5], 1);
	BAD_SRB(20, srb.lun, htole16(STOR_MAX_LUNS));
	BAD_SRB(21, srb.data_len, htole32(512));	/* INBAND with data */
	BAD_SRB(22, srb.data_dir, VMB_STOR_DIR_READ);	/* ... or a direction */
	BAD_SRB(23, hdr.status, htole32(1));
#undef BAD_SRB
	/* a CDB shorter than its opcode's */
	m = srb(VMB_STOR_DIR_NONE, 0, rd10, 6);
	c = exec_inband(f, 24, &m);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);

	/* transfer lengths that disagree: nothing moves */
	memset(pg, 0xab, 4096);
	c = exec_gpa(f, 30, VMB_STOR_DIR_READ, 2048, rd10, 10, 0, 0);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);
	assert_int_equal(pg[0], 0xab);
	c = exec_gpa(f, 31, VMB_STOR_DIR_WRITE, 4096, rd10, 10, 0, 0);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);
	c = exec_gpa(f, 32, VMB_STOR_DIR_WRITE, 8192, wr10, 10, 0, 0);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);
	assert_int_equal(pread(f->img_fd, file, sizeof(file), 0), 4096);
	assert_int_equal(file[0], 0);
	/* ranges whose total is not data_len */
	m = srb(VMB_STOR_DIR_READ, 4096, rd10, 10);
	put_srb_gpa(f, 33, &m, 0, 0, 2048);
	channel_doorbell(f->ch);
	{
		struct ring_pkt p;

		get_completion(f, &p, &c);
	}
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);
	assert_int_equal(pg[0], 0xab);
	/* over max_transfer_bytes */
	m = srb(VMB_STOR_DIR_NONE, 0, tur, 6);
	m.srb.data_len = htole32(STOR_MAX_TRANSFER + 4096);
	c = exec_inband(f, 34, &m);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_INVALID);
	assert_int_equal(st->in_flight, 0);
	assert_int_equal(st->read_bytes + st->write_bytes, 0);
	assert_false(f->ch->broken);
}

static void test_luns(void **state)
{
	struct fx *f = *state;
	static const uint8_t rl[12] = { 0xa0, [9] = 64 };
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };
	static const uint8_t tur[6] = { 0 };
	struct vmb_stor_srb_msg m, c;
	uint8_t *pg = test_page(f->m, DATA_PFN);

	do_init(f);
	c = exec_gpa(f, 1, VMB_STOR_DIR_READ, 64, rl, 12, 0, 0);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(le32toh(c.srb.data_len), 16);
	assert_memory_equal(pg, "\0\0\0\x08\0\0\0\0\0\0", 10);
	/* INQUIRY to LUN 5: peripheral qualifier 3; the buffer limits it */
	m = srb(VMB_STOR_DIR_READ, 20, inq, 6);
	m.srb.lun = htole16(5);
	put_srb_gpa(f, 2, &m, 0, 100, 20);
	channel_doorbell(f->ch);
	{
		struct ring_pkt p;

		get_completion(f, &p, &c);
	}
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(le32toh(c.srb.data_len), 20);
	assert_int_equal(pg[100], 0x7f);
	m = srb(VMB_STOR_DIR_NONE, 0, tur, 6);
	m.srb.lun = htole16(5);
	m.srb.sense_len = 14;
	c = exec_inband(f, 3, &m);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(c.srb.scsi_status, SCSI_CHECK_CONDITION);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_ERROR);
	assert_int_equal(c.srb.sense_len, 14);	/* the guest's room */
	assert_int_equal(c.srb.sense[2], SCSI_KEY_ILLEGAL_REQUEST);
	assert_int_equal(c.srb.sense[12], SCSI_ASC_LUN_NOT_SUPPORTED);
	/* serial from the option, in VPD 0x80 */
	{
		static const uint8_t vpd[6] = { 0x12, 1, 0x80, 0, 64, 0 };

		c = exec_gpa(f, 4, VMB_STOR_DIR_READ, 64, vpd, 6, 1, 0);
		assert_int_equal(le32toh(c.srb.data_len), 4 + 7);
		assert_memory_equal(test_page(f->m, DATA_PFN + 1) + 4,
				    "TESTSER", 7);
	}
}

static void test_busy(void **state)
{
	struct fx *f = *state;
	static const uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct vmb_stor_srb_msg m = srb(VMB_STOR_DIR_READ, 512, rd10, 10), c;
	const struct stor_stats *st = storage_chan_stats(f->ch);
	struct ring_pkt p;
	unsigned int i, ok = 0, busy = 0;

	do_init(f);
	/* queue_depth + 1 in one go: the loop has not reaped any yet */
	for (i = 0; i <= STOR_QUEUE_DEPTH; i++)
		put_srb_gpa(f, 100 + i, &m, i % 4, 0, 512);
	channel_doorbell(f->ch);
	assert_int_equal(st->in_flight, STOR_QUEUE_DEPTH);
	assert_int_equal(st->busy, 1);
	for (i = 0; i <= STOR_QUEUE_DEPTH; i++) {
		get_completion(f, &p, &c);
		if (le32toh(c.hdr.status) == VMB_STOR_S_BUSY) {
			assert_int_equal(p.trans_id, 100 + STOR_QUEUE_DEPTH);
			busy++;
		} else {
			assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_OK);
			assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
			ok++;
		}
	}
	assert_int_equal(busy, 1);
	assert_int_equal(ok, STOR_QUEUE_DEPTH);
	assert_int_equal(st->in_flight, 0);
	assert_int_equal(st->read_bytes, 512 * STOR_QUEUE_DEPTH);
}

static uint64_t img_blocks(struct fx *f)
{
	struct stat sb;

	assert_int_equal(fstat(f->img_fd, &sb), 0);
	return (uint64_t)sb.st_blocks;
}

static void test_end_to_end(void **state)
{
	struct fx *f = *state;
	/* WRITE(10) FUA, 16 blocks (8 KiB) at LBA 64 */
	static const uint8_t wr[10] = { 0x2a, 0x08, 0, 0, 0, 64, 0, 0, 16, 0 };
	static const uint8_t rd[16] = { 0x88, 0, [9] = 64, [13] = 16 };
	static const uint8_t sync[10] = { 0x35 };
	static const uint8_t ws[16] = { 0x93, 0x08, [9] = 72, [13] = 8 };
	static const uint8_t unmap[10] = { 0x42, [8] = 24 };
	const struct stor_stats *st = storage_chan_stats(f->ch);
	struct vmb_stor_srb_msg m, c;
	uint8_t file[8192], list[24];
	uint64_t before;
	unsigned int i;

	do_init(f);
	/* the pattern straddles three guest pages, from offset 300 */
	for (i = 0; i < 3 * 4096; i++)
		test_page(f->m, DATA_PFN + i / 4096)[i % 4096] =
			(uint8_t)(i * 7 + 3);
	c = exec_gpa(f, 1, VMB_STOR_DIR_WRITE, 8192, wr, 10, 0, 300);
	assert_int_equal(le32toh(c.hdr.status), VMB_STOR_S_OK);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(le32toh(c.srb.data_len), 8192);
	assert_int_equal(pread(f->img_fd, file, sizeof(file), 64 * 512), 8192);
	for (i = 0; i < 8192; i++)
		assert_int_equal(file[i], (uint8_t)((i + 300) * 7 + 3));

	/* read it back into other pages */
	c = exec_gpa(f, 2, VMB_STOR_DIR_READ, 8192, rd, 16, 10, 0);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(le32toh(c.srb.data_len), 8192);
	assert_memory_equal(test_page(f->m, DATA_PFN + 10), file, 4096);
	assert_memory_equal(test_page(f->m, DATA_PFN + 11), file + 4096, 4096);

	m = srb(VMB_STOR_DIR_NONE, 0, sync, 10);
	c = exec_inband(f, 3, &m);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_int_equal(st->write_bytes, 8192);
	assert_int_equal(st->read_bytes, 8192);

	/* WRITE SAME(16) UNMAP of the second 4 KiB, from a zero block */
	before = img_blocks(f);
	assert_true(before >= 16);
	memset(test_page(f->m, DATA_PFN + 20), 0, 4096);
	c = exec_gpa(f, 4, VMB_STOR_DIR_WRITE, 512, ws, 16, 20, 0);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_true(img_blocks(f) < before);
	/* a non-zero block is refused */
	test_page(f->m, DATA_PFN + 20)[3] = 1;
	c = exec_gpa(f, 5, VMB_STOR_DIR_WRITE, 512, ws, 16, 20, 0);
	assert_int_equal(c.srb.scsi_status, SCSI_CHECK_CONDITION);
	assert_int_equal(c.srb.sense[12], SCSI_ASC_INVALID_FIELD);

	/* UNMAP the first 4 KiB */
	before = img_blocks(f);
	memset(list, 0, sizeof(list));
	list[1] = 22;
	list[3] = 16;
	list[15] = 64;		/* LBA 64 */
	list[19] = 8;		/* 8 blocks */
	memcpy(test_page(f->m, DATA_PFN + 21), list, sizeof(list));
	c = exec_gpa(f, 6, VMB_STOR_DIR_WRITE, 24, unmap, 10, 21, 0);
	assert_int_equal(c.srb.srb_status, VMB_STOR_SRB_SUCCESS);
	assert_true(img_blocks(f) < before);
	assert_int_equal(pread(f->img_fd, file, 4096, 64 * 512), 4096);
	for (i = 0; i < 4096; i++)
		assert_int_equal(file[i], 0);
	assert_int_equal(st->in_flight, 0);
	assert_false(f->ch->broken);
}

/* Closing with I/O in flight waits for it (teardown closes). */
static void test_close_in_flight(void **state)
{
	struct fx *f = *state;
	static const uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
	struct vmb_stor_srb_msg m = srb(VMB_STOR_DIR_READ, 4096, rd10, 10);
	const struct stor_stats *st = storage_chan_stats(f->ch);
	unsigned int i;

	do_init(f);
	for (i = 0; i < 8; i++)
		put_srb_gpa(f, i, &m, i, 0, 4096);
	channel_doorbell(f->ch);
	assert_int_equal(st->in_flight, 8);
}

static void test_garbage_breaks(void **state)
{
	struct fx *f = *state;
	uint8_t four[8] = { 1 };

	do_init(f);
	guest_put(&f->gin, VMB_PKT_INBAND, 2, 2, 0, 1, four, 0);	/* no header */
	channel_doorbell(f->ch);
	assert_true(f->ch->broken);
}

static void test_completion_breaks(void **state)
{
	struct fx *f = *state;
	struct vmb_stor_hdr h = { .type = htole32(VMB_STOR_BEGIN_INIT) };

	guest_put(&f->gin, VMB_PKT_COMPLETION, 2, 3, 0, 1, &h, sizeof(h));
	channel_doorbell(f->ch);
	assert_true(f->ch->broken);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_luns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_to_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_breaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completion_breaks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
