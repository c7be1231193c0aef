/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A storage controller under test (header-only): one disk image, a
 * channel opened on fake guest RAM with the guest's ends of its rings,
 * and a vmbusd whose channel table holds the controller, so that tests
 * can send SRBs as the guest and run vmbusctl commands as the host.
 *
 *   guest (this file's helpers) --ring--> channel --> storage.c --io_uring--> image
 *   vmbusd_command("storage-fault 1 ...", "disk list", "status") ---^
 *
 * The controller's relid is STOR_FX_RELID.  The channel is opened
 * directly (not through the bus's OPEN_CHANNEL), so its own relid differs;
 * the table's entry points at it for status.
 */
#ifndef STORAGE_FX_H
#define STORAGE_FX_H

#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backends/scsi.h"
#include "backends/storage.h"
#include "core/channel.h"
#include "core/evloop.h"
#include "core/guid.h"
#include "core/log.h"
#include "daemon/vmbusd.h"
#include "testutil.h"

#define STOR_FX_CHAN_RELID	71
#define STOR_FX_RELID		1	/* the controller in vmbusd's table */
#define STOR_FX_IN_PAGES	5	/* header + 4 */
#define STOR_FX_OUT_PAGES	9	/* header + 8 */
#define STOR_FX_IMG_SIZE	(4 << 20)
#define STOR_FX_DATA_PFN	4000	/* the guest's I/O buffers */

struct stor_fx {
	struct gmem *m;
	struct gpadl_table t;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	struct channel *ch;
	struct vmbd_conf *conf;
	struct ring gin, gout;
	struct gpa_scratch scratch;
	struct vmbusd *d;
	char img[64];
	int img_fd;
	char out[8192];			/* the last command's output lines */
	char err[256];			/* and its error, "" if none */
	uint8_t buf[8 * 4096];
};

static inline void stor_fx_notify(void *ctx, unsigned int v)
{
	(void)ctx;
	(void)v;
}

static inline void stor_fx_send(void *ctx, const struct vmb_msg *m)
{
	(void)ctx;
	(void)m;
}

static const struct chanmgr_ops stor_fx_cm_ops = {
	.send = stor_fx_send,
};

/* Set up with the disk's options after its disk=IMG ("serial=S", ...). */
static inline struct stor_fx *stor_fx_create(const char *const *opts,
					     unsigned int nr_opts)
{
	struct stor_fx *f = calloc(1, sizeof(*f));
	__le64 le[STOR_FX_IN_PAGES + STOR_FX_OUT_PAGES];
	uint8_t instance[VMB_GUID_LEN];
	char opt0[96], *all[8];
	const char *why, *err;
	struct gpadl *g;
	uint32_t st, i, relid;

	assert_non_null(f);
	assert_true(nr_opts < 8);
	log_init(NULL, VMBD_LOG_QUIET);
	f->m = test_ram_open();
	strcpy(f->img, "/tmp/vmbusd_test_disk.XXXXXX");
	f->img_fd = mkstemp(f->img);
	assert_true(f->img_fd >= 0);
	assert_int_equal(ftruncate(f->img_fd, STOR_FX_IMG_SIZE), 0);
	snprintf(opt0, sizeof(opt0), "disk=%s", f->img);
	all[0] = opt0;
	for (i = 0; i < nr_opts; i++)
		all[1 + i] = (char *)opts[i];
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, all,
					 1 + nr_opts, &f->conf, &err), 0);
	f->env.gmem = f->m;
	f->env.loop = evl_create();
	assert_non_null(f->env.loop);
	f->env.h2g_events = f->region + VMB_IF_H2G_EVENTS_OFF;
	f->env.g2h_events = f->region + VMB_IF_G2H_EVENTS_OFF;
	f->env.nr_vectors = 4;
	f->env.notify = stor_fx_notify;
	f->env.ctx = f;
	g = gpadl_create(&f->t, 1, STOR_FX_CHAN_RELID,
			 STOR_FX_IN_PAGES + STOR_FX_OUT_PAGES, &st);
	assert_non_null(g);
	for (i = 0; i < STOR_FX_IN_PAGES + STOR_FX_OUT_PAGES; i++)
		le[i] = htole64(900 + i);
	gpadl_add_frames(g, f->m, le, STOR_FX_IN_PAGES + STOR_FX_OUT_PAGES);
	f->ch = channel_open(&f->env, STOR_FX_CHAN_RELID, g, STOR_FX_IN_PAGES,
			     1, &vmbd_backend_storage, f->conf, &st, &why);
	assert_non_null(f->ch);
	assert_int_equal(ring_init_tx(&f->gin, g->page, STOR_FX_IN_PAGES), 0);
	assert_int_equal(ring_init_rx(&f->gout, g->page + STOR_FX_IN_PAGES,
				      STOR_FX_OUT_PAGES), 0);

	/* the same controller in a vmbusd's table, for the commands */
	f->d = calloc(1, sizeof(*f->d));
	assert_non_null(f->d);
	f->d->ivs.client_fd = -1;
	chanmgr_init(&f->d->cm, &stor_fx_cm_ops, f, VMB_VERSION_1_0,
		     VMB_VERSION_1_0);
	assert_int_equal(guid_random(instance), 0);
	assert_int_equal(chanmgr_add_channel(&f->d->cm, vmbd_backend_storage.guid,
					     instance, &vmbd_backend_storage,
					     vmbd_conf_get(f->conf), &relid,
					     &err), 0);
	assert_int_equal(relid, STOR_FX_RELID);
	f->d->cm.chan[relid].open = f->ch;
	return f;
}

static inline void stor_fx_destroy(struct stor_fx *f)
{
	f->d->cm.chan[STOR_FX_RELID].open = NULL;	/* ours to close */
	chanmgr_fini(&f->d->cm);
	free(f->d);
	channel_close(f->ch);
	gpadl_destroy_relid(&f->t, 0);
	vmbd_conf_put(f->conf);
	evl_destroy(f->env.loop);
	test_ram_close(f->m);
	close(f->img_fd);
	unlink(f->img);
	free(f);
}

/* Run one vmbusctl command line; returns 0, or -1 with f->err. */
static inline int __attribute__((format(printf, 2, 3)))
stor_fx_cmd(struct stor_fx *f, const char *fmt, ...)
{
	struct cmd_reply r;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	vmbusd_command(f->d, line, &r);
	assert_false(r.oom);
	assert_true(r.len < sizeof(f->out));
	memcpy(f->out, r.buf ? r.buf : "", r.len);
	f->out[r.len] = '\0';
	strcpy(f->err, r.err);
	free(r.buf);
	return f->err[0] ? -1 : 0;
}

/*
 * The number after " key=" on the first output line that contains match;
 * fails the test if there is none.
 */
static inline unsigned long long stor_fx_field(const struct stor_fx *f,
					       const char *match,
					       const char *key)
{
	const char *line = strstr(f->out, match), *end, *p;
	char k[64];

	assert_non_null(line);
	end = strchr(line, '\n');
	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(line, k);
	assert_non_null(p);
	assert_true(!end || p < end);
	return strtoull(p + strlen(k), NULL, 10);
}

/* The guest takes the next packet of the host-to-guest ring: 1, or 0. */
static inline int stor_fx_get(struct stor_fx *f, struct ring_pkt *p)
{
	const char *why;
	uint32_t w, len;
	int r;

	assert_int_equal(ring_rx_begin(&f->gout, &w, &why), 0);
	r = ring_rx_next(&f->gout, w, f->buf, sizeof(f->buf), &len, &why);
	assert_true(r >= 0);
	if (r == 0)
		return 0;
	assert_int_equal(ring_pkt_parse(f->buf, len, f->m, &f->scratch, p,
					&why), 0);
	ring_rx_advance(&f->gout, len);
	ring_rx_end(&f->gout, w, true);
	return 1;
}

/* Run the loop until the host answers (1) or ms pass with nothing (0). */
static inline int stor_fx_wait(struct stor_fx *f, struct ring_pkt *p,
			       unsigned int ms)
{
	unsigned int waited = 0;

	while (!stor_fx_get(f, p)) {
		if (waited >= ms)
			return 0;
		evl_run_once(f->env.loop, 20);
		waited += 20;
	}
	return 1;
}

/* An INBAND request; the COMPLETION's status. */
static inline int stor_fx_request(struct stor_fx *f, uint64_t tid,
				  const void *msg, uint32_t len)
{
	struct ring_pkt p;

	guest_put_inband(&f->gin, VMB_PKT_F_COMPLETION_REQUESTED, tid, msg, len);
	channel_doorbell(f->ch);
	assert_int_equal(stor_fx_get(f, &p), 1);
	assert_int_equal(p.type, VMB_PKT_COMPLETION);
	assert_int_equal(p.trans_id, tid);
	return (int)le32toh(((const struct vmb_stor_hdr *)p.payload)->status);
}

/* BEGIN_INIT, QUERY_VERSION 1.0, END_INIT: the controller is ready. */
static inline void stor_fx_init(struct stor_fx *f)
{
	struct vmb_stor_hdr h = { .type = htole32(VMB_STOR_BEGIN_INIT) };
	struct vmb_stor_version v = {
		.hdr.type = htole32(VMB_STOR_QUERY_VERSION),
		.version = htole32(VMB_STOR_VERSION_1_0),
	};

	assert_int_equal(stor_fx_request(f, 1, &h, sizeof(h)), VMB_STOR_S_OK);
	assert_int_equal(stor_fx_request(f, 2, &v, sizeof(v)), VMB_STOR_S_OK);
	h.type = htole32(VMB_STOR_END_INIT);
	assert_int_equal(stor_fx_request(f, 3, &h, sizeof(h)), VMB_STOR_S_OK);
}

static inline struct vmb_stor_srb_msg stor_fx_srb(uint8_t dir,
						  uint32_t data_len,
						  const uint8_t *cdb,
						  uint8_t cdb_len)
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

/*
 * Put an SRB as the guest would, without ringing: INBAND if bytes is 0,
 * else GPA_RANGE over bytes of frames STOR_FX_DATA_PFN + first ... from
 * the start of the first.
 */
static inline void stor_fx_put(struct stor_fx *f, uint64_t tid,
			       const struct vmb_stor_srb_msg *m,
			       uint64_t first, uint32_t bytes)
{
	uint8_t pl[16 + 8 * 64 + sizeof(*m)];
	uint32_t npfn = (bytes + 4095) / 4096, i, hdr;
	__le32 v32;
	__le64 v64;

	if (!bytes) {
		guest_put_inband(&f->gin, VMB_PKT_F_COMPLETION_REQUESTED, tid,
				 m, sizeof(*m));
		return;
	}
	assert_true(npfn <= 64);
	memset(pl, 0, sizeof(pl));
	v32 = htole32(1);			/* one range */
	memcpy(pl, &v32, 4);
	v32 = htole32(bytes);
	memcpy(pl + 8, &v32, 4);		/* byte_count; offset 0 */
	for (i = 0; i < npfn; i++) {
		v64 = htole64(STOR_FX_DATA_PFN + first + i);
		memcpy(pl + 16 + 8 * i, &v64, 8);
	}
	hdr = 16 + 8 * npfn;
	memcpy(pl + hdr, m, sizeof(*m));
	guest_put(&f->gin, VMB_PKT_GPA_RANGE, (uint16_t)(2 + hdr / 8),
		  (uint16_t)(2 + (hdr + sizeof(*m)) / 8),
		  VMB_PKT_F_COMPLETION_REQUESTED, tid, pl,
		  hdr + (uint32_t)sizeof(*m));
}

/* The next completion, as it came: its packet and its message. */
static inline void stor_fx_completion(struct stor_fx *f, struct ring_pkt *p,
				      struct vmb_stor_srb_msg *out)
{
	assert_int_equal(stor_fx_wait(f, p, 4000), 1);
	assert_int_equal(p->type, VMB_PKT_COMPLETION);
	assert_int_equal(p->payload_len, sizeof(*out));
	memcpy(out, p->payload, sizeof(*out));
}

/* One SRB, sent and answered (under the same trans_id). */
static inline struct vmb_stor_srb_msg stor_fx_exec(struct stor_fx *f,
						   uint64_t tid, uint8_t dir,
						   uint32_t bytes,
						   const uint8_t *cdb,
						   uint8_t cdb_len,
						   uint64_t first)
{
	struct vmb_stor_srb_msg m = stor_fx_srb(dir, bytes, cdb, cdb_len), c;
	struct ring_pkt p;

	stor_fx_put(f, tid, &m, first, bytes);
	channel_doorbell(f->ch);
	stor_fx_completion(f, &p, &c);
	assert_int_equal(p.trans_id, tid);
	return c;
}

/* A CDB for READ(10) / WRITE(10) of n blocks at lba. */
static inline void stor_fx_rw10(uint8_t cdb[10], bool write, uint32_t lba,
				uint16_t n)
{
	memset(cdb, 0, 10);
	cdb[0] = write ? 0x2a : 0x28;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(n >> 8);
	cdb[8] = (uint8_t)n;
}

#endif
