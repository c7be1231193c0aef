// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The storage device class: see backends/storage.h, include/vmb_storage.h.
 *
 * A device's struct stor_ctl (its options: the disks) is shared by the
 * primary channel and its sub-channels.  Each open channel has its own
 * io_uring, watched by the event loop, and a table of STOR_QUEUE_DEPTH
 * request slots; a CQE's user_data is a slot index.  Reads and writes go
 * straight between the image and the guest pages (readv/writev over the
 * GPA walker's pieces); UNMAP and WRITE SAME punch holes synchronously.
 * Closing a channel waits for its I/O before the slots, the ring and the
 * channel go away.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backends/scsi.h"
#include "backends/storage.h"
#include "core/chanmgr.h"
#include "core/cmd.h"
#include "core/evloop.h"
#include "core/gpa.h"
#include "core/log.h"

#define STOR_MAX_IOV	(STOR_MAX_TRANSFER / VMB_PAGE_SIZE + 1)
#define STOR_SERIAL_MAX	20
#define STOR_MAX_CHANS	(1 + VMB_MAX_SUBCHANNELS)

struct stor_disk {
	unsigned int refs;		/* the controller's, and each request's */
	int fd;
	char *path;
	uint16_t lun;
	bool direct;
	struct scsi_lun props;
	char serial[STOR_SERIAL_MAX + 1];
	uint64_t bad_lba, bad_count;	/* fault: MEDIUM ERROR on reads here */
	struct stor_lun_stats st;
};

/* A completion fault: the next SRB completion is malformed this way. */
enum stor_bad {
	STOR_BAD_NONE,
	STOR_BAD_TRANS_ID,
	STOR_BAD_SENSE_LEN,
	STOR_BAD_STATUS,
	STOR_BAD_TRANSFER,
};

/* A disk as its options describe it, before it is opened. */
struct disk_spec {
	int lun;			/* -1: the lowest free one */
	bool ro, direct;
	char serial[STOR_SERIAL_MAX + 1];	/* "": VMBD<lun> */
};

struct stor_chan;

struct stor_ctl {
	struct stor_disk *disk[STOR_MAX_LUNS];
	char *pending_path;		/* parse_opt: the disk= being described */
	struct disk_spec pending;	/* and its options so far */
	struct stor_chan *chan[STOR_MAX_CHANS];	/* open channels */
	struct stor_chan *primary;	/* the first opened; does the init */
	bool ready;			/* the primary finished init */
	uint32_t version;		/* negotiated by the primary; 0: none yet */
	unsigned int drop;		/* fault: ignore this many more SRBs */
	enum stor_bad bad;
};

enum stor_init {
	STOR_INIT_NONE,		/* open: BEGIN_INIT expected */
	STOR_INIT_BEGUN,	/* QUERY_VERSION expected */
	STOR_INIT_VERSIONED,	/* properties, sub-channels, END_INIT */
	STOR_INIT_DONE,
};

struct stor_req {
	bool used;
	uint64_t trans_id;
	struct vmb_stor_srb_msg msg;	/* the request, then the completion */
	struct stor_disk *disk;
	struct scsi_result res;
	uint32_t expect;		/* bytes the I/O must move */
	bool write;
	unsigned int nr_iov;
	struct iovec iov[STOR_MAX_IOV];
};

struct stor_chan {
	struct channel *ch;
	struct stor_ctl *ctl;
	enum stor_init init;
	struct io_uring ring;
	bool ring_watched;
	struct stor_stats st;
	struct stor_req req[STOR_QUEUE_DEPTH];
	uint8_t buf[SCSI_BUF_MAX];	/* parameter data in and out */
};

/* One guest message: storage_packet()'s copy, its size checked. */
union stor_msg {
	struct vmb_stor_hdr hdr;
	struct vmb_stor_version ver;
	struct vmb_stor_properties props;
	struct vmb_stor_subchannels subs;
	struct vmb_stor_srb_msg srb;
	struct vmb_stor_task_mgmt tm;
};

static void disk_put(struct stor_disk *d)
{
	if (!d || --d->refs)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d);
}

static struct stor_ctl *ctl_of(const struct channel *ch)
{
	return ch->conf ? ch->conf->conf : NULL;
}

/* ------------------------------------------------------------------ */
/* Options and disks                                                   */

static int __attribute__((format(printf, 2, 3)))
fail(const char **err, const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*err = msg;
	return -1;
}

/* A number 0..max from the command line or a disk option, into *v. */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	/* decimal digits only: no sign, no space, no 0x, no octal 010 == 8 */
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return -1;
	*v = x;
	return 0;
}

static void spec_init(struct disk_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->lun = -1;
}

/* One of a disk's options (all but its file) into s. */
static int spec_opt(struct disk_spec *s, const char *key, const char *value,
		    const char **err)
{
	uint64_t v;
	size_t i, n;

	if (strcmp(key, "ro") == 0 || strcmp(key, "direct") == 0) {
		if (value)
			return fail(err, "'%s' takes no value", key);
		if (key[0] == 'r')
			s->ro = true;
		else
			s->direct = true;
		return 0;
	}
	if (strcmp(key, "lun") == 0) {
		if (s->lun >= 0)
			return fail(err, "lun= given twice");
		if (!value || parse_u64(value, STOR_MAX_LUNS - 1, &v) < 0)
			return fail(err, "lun=%s: not a LUN 0..%u",
				    value ? value : "", STOR_MAX_LUNS - 1);
		s->lun = (int)v;
		return 0;
	}
	if (strcmp(key, "serial") == 0) {
		if (s->serial[0])
			return fail(err, "serial= given twice");
		n = value ? strlen(value) : 0;
		for (i = 0; i < n; i++)
			if (value[i] <= ' ' || value[i] > '~')
				break;
		if (!n || n > STOR_SERIAL_MAX || i < n)
			return fail(err, "serial=%s: 1..%u printable characters, no spaces",
				    value ? value : "", STOR_SERIAL_MAX);
		memcpy(s->serial, value, n + 1);
		return 0;
	}
	return fail(err, "unknown disk option '%s' (ro, lun=N, serial=S, direct)",
		    key);
}

/* Open d->path as s says; its size comes from the file or the device. */
static int disk_open(struct stor_disk *d, const struct disk_spec *s,
		     const char **err)
{
	uint64_t size;
	struct stat sb;
	int fd, e;

	/* stat first: opening a FIFO or a tty could block or act */
	if (stat(d->path, &sb) < 0)
		return fail(err, "cannot open '%s': %s", d->path, strerror(errno));
	if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode))
		return fail(err, "'%s': not a regular file or a block device",
			    d->path);
	fd = open(d->path, (s->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		  (s->direct ? O_DIRECT : 0));
	if (fd < 0) {
		e = errno;
		if (s->direct && e == EINVAL)
			return fail(err, "cannot open '%s' with O_DIRECT (direct): its file system does not support it",
				    d->path);
		return fail(err, "cannot open '%s': %s%s", d->path, strerror(e),
			    !s->ro && (e == EACCES || e == EROFS) ?
			    " (for a read-only disk, add ro)" : "");
	}
	if (fstat(fd, &sb) < 0) {
		e = errno;
		close(fd);
		return fail(err, "'%s': %s", d->path, strerror(e));
	}
	if (S_ISBLK(sb.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			e = errno;
			close(fd);
			return fail(err, "'%s': cannot get its size: %s",
				    d->path, strerror(e));
		}
	} else if (S_ISREG(sb.st_mode)) {
		size = (uint64_t)sb.st_size;
	} else {
		close(fd);
		return fail(err, "'%s': not a regular file or a block device",
			    d->path);
	}
	if (size < SCSI_BLOCK_SIZE) {
		close(fd);
		return fail(err, "'%s': smaller than one %u-byte block", d->path,
			    SCSI_BLOCK_SIZE);
	}
	d->fd = fd;
	d->props.read_only = s->ro;
	d->props.blocks = size / SCSI_BLOCK_SIZE;
	d->direct = s->direct;
	return 0;
}

static int lowest_free_lun(const struct stor_ctl *c)
{
	int i;

	for (i = 0; i < STOR_MAX_LUNS; i++)
		if (!c->disk[i])
			return i;
	return -1;
}

/*
 * The disk s describes, at its LUN (or the lowest free one), opened and
 * put in c: all of it, or nothing changes.  *out (may be NULL) is the disk.
 */
static int ctl_commit(struct stor_ctl *c, const char *path,
		      const struct disk_spec *s, struct stor_disk **out,
		      const char **err)
{
	struct stor_disk *d;
	int lun = s->lun;

	if (lun >= 0 && c->disk[lun])
		return fail(err, "lun %d is already in use by '%s'", lun,
			    c->disk[lun]->path);
	if (lun < 0)
		lun = lowest_free_lun(c);
	if (lun < 0)
		return fail(err, "no free LUN (all %u in use)", STOR_MAX_LUNS);
	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		*err = "out of memory";
		return -1;
	}
	d->refs = 1;
	d->fd = -1;
	d->lun = (uint16_t)lun;
	d->props.write_cache = true;
	d->props.serial = d->serial;
	if (s->serial[0])
		strcpy(d->serial, s->serial);
	else
		snprintf(d->serial, sizeof(d->serial), "VMBD%04u", d->lun);
	if (disk_open(d, s, err) < 0) {
		disk_put(d);
		return -1;
	}
	c->disk[lun] = d;
	if (out)
		*out = d;
	return 0;
}

/* "FILE[,OPT...]", as --disk and disk add give it, into c. */
static int ctl_add_spec(struct stor_ctl *c, const char *spec,
			struct stor_disk **out, const char **err)
{
	char *buf = strdup(spec), *rest, *opt, *eq;
	struct disk_spec s;
	int ret = -1;

	if (!buf) {
		*err = "out of memory";
		return -1;
	}
	spec_init(&s);
	rest = buf;
	strsep(&rest, ",");
	if (!buf[0]) {
		*err = "no file (FILE[,ro][,lun=N][,serial=S][,direct])";
		goto out;
	}
	while ((opt = strsep(&rest, ","))) {
		eq = strchr(opt, '=');
		if (eq)
			*eq++ = '\0';
		if (!opt[0]) {
			fail(err, "an empty option after '%s'", buf);
			goto out;
		}
		if (spec_opt(&s, opt, eq, err) < 0)
			goto out;
	}
	ret = ctl_commit(c, buf, &s, out, err);
out:
	free(buf);
	return ret;
}

/* parse_opt's disk (the last disk=FILE and what followed), into c. */
static int ctl_commit_pending(struct stor_ctl *c, const char **err)
{
	int ret = ctl_commit(c, c->pending_path, &c->pending, NULL, err);

	free(c->pending_path);
	c->pending_path = NULL;
	return ret;
}

static struct stor_ctl *ctl_get(void **conf, const char **err)
{
	if (!*conf) {
		*conf = calloc(1, sizeof(struct stor_ctl));
		if (!*conf)
			*err = "out of memory";
	}
	return *conf;
}

/*
 * --offer storage,disk=FILE,OPT...: a disk= starts a disk, the options up
 * to the next disk= are its own; each is opened once all of its options
 * are known, at the next disk= or in conf_done.
 */
static int storage_parse_opt(void **conf, const char *key, const char *value,
			     const char **err)
{
	struct stor_ctl *c = ctl_get(conf, err);

	if (!c)
		return -1;
	if (strcmp(key, "disk") == 0) {
		if (!value || !*value)
			return fail(err, "disk=FILE: needs a file");
		if (c->pending_path && ctl_commit_pending(c, err) < 0)
			return -1;
		c->pending_path = strdup(value);
		if (!c->pending_path) {
			*err = "out of memory";
			return -1;
		}
		spec_init(&c->pending);
		return 0;
	}
	if (!c->pending_path)
		return fail(err, "'%s' before any disk=FILE", key);
	return spec_opt(&c->pending, key, value, err);
}

static int storage_conf_done(void *conf, const char **err)
{
	struct stor_ctl *c = conf;

	return c->pending_path ? ctl_commit_pending(c, err) : 0;
}

/* --disk FILE[,OPT...]: every --disk, one controller. */
static int storage_cmdline_disk(void **conf, const char *arg, const char **err)
{
	struct stor_ctl *c = ctl_get(conf, err);

	return c ? ctl_add_spec(c, arg, NULL, err) : -1;
}

static const struct vmbd_class_opt storage_cmdline_opts[] = {
	{ "disk", "FILE[,ro][,lun=N][,serial=S][,direct]",
	  "a disk (raw image or block device) of the one controller all --disk make",
	  storage_cmdline_disk, false },
	{ NULL, NULL, NULL, NULL, false }
};

static void ctl_free(void *conf)
{
	struct stor_ctl *c = conf;
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < STOR_MAX_LUNS; i++)
		disk_put(c->disk[i]);
	free(c->pending_path);
	free(c);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/* Signal the guest for what channel_send() wrote outside a pass. */
static void flush_signal(struct channel *ch)
{
	if (ch->signal && !ch->broken)
		channel_signal_guest(ch);
	ch->signal = false;
}

static void reply(struct stor_chan *sc, uint64_t trans_id, void *msg,
		  uint32_t len, uint32_t status)
{
	struct vmb_stor_hdr *h = msg;

	if (status == VMB_STOR_S_INVALID)
		sc->st.malformed++;
	h->status = htole32(status);
	channel_send(sc->ch, VMB_PKT_COMPLETION, 0, trans_id, msg, len);
}

static void send_luns_changed(struct stor_ctl *c)
{
	struct vmb_stor_hdr h = { .type = htole32(VMB_STOR_LUNS_CHANGED) };

	if (!c->primary)
		return;
	channel_send(c->primary->ch, VMB_PKT_INBAND, 0, 0, &h, sizeof(h));
	flush_signal(c->primary->ch);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

/* An SRB to disk d (NULL: no such LUN) is answered: count it by kind. */
static void lun_count(struct stor_disk *d, const struct vmb_stor_srb *s,
		      const struct scsi_result *r, uint32_t status,
		      uint32_t moved)
{
	bool good = status == VMB_STOR_S_OK && r->status == SCSI_GOOD;

	if (!d)
		return;
	switch (scsi_cdb_action(s->cdb[0])) {
	case SCSI_ACT_READ:
		d->st.reads++;
		d->st.read_bytes += good ? moved : 0;
		break;
	case SCSI_ACT_WRITE:
		d->st.writes++;
		d->st.write_bytes += good ? moved : 0;
		break;
	case SCSI_ACT_FLUSH:
		d->st.flushes++;
		break;
	case SCSI_ACT_UNMAP:
	case SCSI_ACT_WRITE_SAME_UNMAP:
		d->st.unmaps++;
		break;
	case SCSI_ACT_DONE:
		break;
	}
	if (!good)
		d->st.errors++;
}

static void storage_chan_stats_line(const struct channel *ch, char *buf,
				    size_t len)
{
	const struct stor_stats *st = storage_chan_stats(ch);

	if (!st) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, " stor_requests=%llu stor_read_bytes=%llu stor_write_bytes=%llu stor_errors=%llu stor_busy=%llu stor_dropped=%llu stor_injected=%llu stor_malformed=%llu stor_in_flight=%u",
		 (unsigned long long)st->requests,
		 (unsigned long long)st->read_bytes,
		 (unsigned long long)st->write_bytes,
		 (unsigned long long)st->errors,
		 (unsigned long long)st->busy,
		 (unsigned long long)st->dropped,
		 (unsigned long long)st->injected,
		 (unsigned long long)st->malformed, st->in_flight);
}

/* ------------------------------------------------------------------ */
/* SRBs                                                                */

static void srb_complete(struct stor_chan *sc, struct stor_req *rq,
			 uint32_t status, uint32_t moved)
{
	struct vmb_stor_srb *s = &rq->msg.srb;
	const struct scsi_result *r = &rq->res;
	uint64_t tid = rq->trans_id;
	uint8_t room = s->sense_len;

	memset(s->sense, 0, sizeof(s->sense));
	s->sense_len = 0;
	s->scsi_status = 0;
	s->srb_status = VMB_STOR_SRB_PENDING;
	s->data_len = htole32(status == VMB_STOR_S_OK ? moved : 0);
	if (status == VMB_STOR_S_OK) {
		s->scsi_status = r->status;
		s->srb_status = r->status == SCSI_GOOD ? VMB_STOR_SRB_SUCCESS :
			VMB_STOR_SRB_ERROR;
		if (r->status != SCSI_GOOD) {
			s->sense_len = r->sense_len < room ? r->sense_len : room;
			memcpy(s->sense, r->sense, s->sense_len);
		}
	}
	if (status != VMB_STOR_S_OK || r->status != SCSI_GOOD)
		sc->st.errors++;
	lun_count(rq->disk, s, r, status, moved);
	switch (sc->ctl ? sc->ctl->bad : STOR_BAD_NONE) {
	case STOR_BAD_TRANS_ID:
		tid ^= 0x5a5a5a5a00000000ULL;
		break;
	case STOR_BAD_SENSE_LEN:
		s->sense_len = 200;
		break;
	case STOR_BAD_STATUS:
		rq->msg.hdr.status = htole32(0x7777);
		s->srb_status = 0x99;
		break;
	case STOR_BAD_TRANSFER:
		s->data_len = htole32(le32toh(s->data_len) + VMB_PAGE_SIZE);
		break;
	case STOR_BAD_NONE:
		break;
	}
	if (sc->ctl && sc->ctl->bad != STOR_BAD_NONE) {
		sc->ctl->bad = STOR_BAD_NONE;
		sc->st.injected++;
		channel_send(sc->ch, VMB_PKT_COMPLETION, 0, tid, &rq->msg,
			     sizeof(rq->msg));
	} else {
		reply(sc, tid, &rq->msg, sizeof(rq->msg), status);
	}
	disk_put(rq->disk);
	rq->disk = NULL;
	if (rq->used) {
		rq->used = false;
		sc->st.in_flight--;
	}
}

/*
 * Copies up to n bytes between buf and the guest's ranges, in range order:
 * into the guest if to_guest, else out of it.  Returns the count.
 */
static uint32_t copy_guest(const struct gpa_list *l, uint8_t *buf, uint32_t n,
			   bool to_guest)
{
	struct gpa_walk w;
	uint32_t done = 0, len;
	uint8_t *p;

	gpa_walk_init(&w, l);
	while (done < n && gpa_walk_next(&w, &p, &len) > 0) {
		if (len > n - done)
			len = n - done;
		if (to_guest)
			memcpy(p, buf + done, len);
		else
			memcpy(buf + done, p, len);
		done += len;
	}
	return done;
}

/* The ranges as an iovec, adjacent pieces merged.  Returns 0 or -1. */
static int build_iov(struct stor_req *rq, const struct gpa_list *l)
{
	struct gpa_walk w;
	uint32_t len;
	uint8_t *p;
	int r;

	rq->nr_iov = 0;
	gpa_walk_init(&w, l);
	while ((r = gpa_walk_next(&w, &p, &len)) > 0) {
		struct iovec *prev = rq->nr_iov ? &rq->iov[rq->nr_iov - 1] : NULL;

		if (prev && (uint8_t *)prev->iov_base + prev->iov_len == p) {
			prev->iov_len += len;
			continue;
		}
		if (rq->nr_iov == STOR_MAX_IOV)
			return -1;
		rq->iov[rq->nr_iov].iov_base = p;
		rq->iov[rq->nr_iov++].iov_len = len;
	}
	return r;
}

static void punch(struct stor_disk *d, uint64_t lba, uint64_t n,
		  struct scsi_result *r)
{
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(lba * SCSI_BLOCK_SIZE),
		      (off_t)(n * SCSI_BLOCK_SIZE)) < 0)
		scsi_set_sense(r, SCSI_KEY_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR, 0);
}

/* Submit rq's I/O.  Returns 0, or -1 (rq->res then says why). */
static int submit(struct stor_chan *sc, struct stor_req *rq)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&sc->ring);
	struct scsi_result *r = &rq->res;
	off_t off = (off_t)(r->lba * SCSI_BLOCK_SIZE);

	if (!sqe) {
		scsi_set_sense(r, SCSI_KEY_HARDWARE_ERROR, 0x44, 0);
		return -1;
	}
	switch (r->action) {
	case SCSI_ACT_READ:
		io_uring_prep_readv(sqe, rq->disk->fd, rq->iov, rq->nr_iov, off);
		break;
	case SCSI_ACT_WRITE:
		io_uring_prep_writev(sqe, rq->disk->fd, rq->iov, rq->nr_iov, off);
		if (r->fua)
			sqe->rw_flags = RWF_DSYNC;
		break;
	default:
		io_uring_prep_fsync(sqe, rq->disk->fd, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(rq - sc->req));
	if (io_uring_submit(&sc->ring) < 0) {
		scsi_set_sense(r, SCSI_KEY_HARDWARE_ERROR, 0x44, 0);
		return -1;
	}
	return 0;
}

/* The message-level checks of an SRB.  Returns VMB_STOR_S_*. */
static uint32_t srb_check(const struct stor_chan *sc,
			  const struct vmb_stor_srb *s,
			  const struct ring_pkt *pkt)
{
	uint32_t data_len = le32toh(s->data_len);
	unsigned int i;

	if (!sc->ctl || !sc->ctl->ready)
		return VMB_STOR_S_BAD_STATE;
	if (s->cdb_len < 1 || s->cdb_len > VMB_STOR_CDB_MAX ||
	    s->data_dir > VMB_STOR_DIR_WRITE ||
	    s->sense_len > VMB_STOR_SENSE_MAX || s->scsi_status ||
	    s->srb_status || s->reserved0 || s->reserved1 ||
	    le16toh(s->lun) >= STOR_MAX_LUNS || data_len > STOR_MAX_TRANSFER)
		return VMB_STOR_S_INVALID;
	for (i = s->cdb_len; i < VMB_STOR_CDB_MAX; i++)
		if (s->cdb[i])
			return VMB_STOR_S_INVALID;
	for (i = 0; i < VMB_STOR_SENSE_MAX; i++)
		if (s->sense[i])
			return VMB_STOR_S_INVALID;
	if (scsi_cdb_len(s->cdb[0]) > s->cdb_len)
		return VMB_STOR_S_INVALID;
	if (pkt->type == VMB_PKT_INBAND)
		return s->data_dir == VMB_STOR_DIR_NONE && !data_len ?
			VMB_STOR_S_OK : VMB_STOR_S_INVALID;
	if (s->data_dir == VMB_STOR_DIR_NONE || !data_len ||
	    gpa_list_bytes(&pkt->gpa) != data_len)
		return VMB_STOR_S_INVALID;
	return VMB_STOR_S_OK;
}

static struct stor_req *req_alloc(struct stor_chan *sc)
{
	unsigned int i;

	for (i = 0; i < STOR_QUEUE_DEPTH; i++)
		if (!sc->req[i].used) {
			sc->req[i].used = true;
			sc->st.in_flight++;
			return &sc->req[i];
		}
	return NULL;
}

static bool medium_error(struct stor_disk *d, const struct scsi_result *r,
			 uint64_t *bad)
{
	uint64_t lo, hi;

	if (!d->bad_count)
		return false;
	lo = r->lba > d->bad_lba ? r->lba : d->bad_lba;
	hi = r->lba + r->nblocks;
	if (d->bad_lba + d->bad_count < hi)
		hi = d->bad_lba + d->bad_count;
	*bad = lo;
	if (lo < hi)
		d->st.injected++;
	return lo < hi;
}

static void execute_srb(struct stor_chan *sc, const struct ring_pkt *pkt,
			const struct vmb_stor_srb_msg *m)
{
	const struct vmb_stor_srb *s = &m->srb;
	uint32_t data_len = le32toh(s->data_len), status, moved = 0;
	struct stor_req tmp, *rq;
	struct scsi_result *r;
	struct scsi_target t;
	uint16_t luns[STOR_MAX_LUNS];
	uint64_t bad;
	bool want_in;
	unsigned int i;

	sc->st.requests++;
	status = srb_check(sc, s, pkt);
	if (status != VMB_STOR_S_OK) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.msg = *m;
		tmp.trans_id = pkt->trans_id;
		srb_complete(sc, &tmp, status, 0);
		return;
	}
	if (sc->ctl->drop) {
		sc->ctl->drop--;
		sc->st.dropped++;
		return;
	}
	rq = req_alloc(sc);
	if (!rq) {
		sc->st.busy++;
		memset(&tmp, 0, sizeof(tmp));
		tmp.msg = *m;
		tmp.trans_id = pkt->trans_id;
		srb_complete(sc, &tmp, VMB_STOR_S_BUSY, 0);
		return;
	}
	rq->trans_id = pkt->trans_id;
	rq->msg = *m;
	rq->disk = sc->ctl->disk[le16toh(s->lun)];
	if (rq->disk)
		rq->disk->refs++;
	r = &rq->res;

	t.nr_luns = 0;
	for (i = 0; i < STOR_MAX_LUNS; i++)
		if (sc->ctl->disk[i])
			luns[t.nr_luns++] = (uint16_t)i;
	t.luns = luns;
	t.max_xfer_blocks = STOR_MAX_TRANSFER / SCSI_BLOCK_SIZE;
	scsi_exec(&t, le16toh(s->lun), rq->disk ? &rq->disk->props : NULL,
		  s->cdb, s->cdb_len, sc->buf, r);

	if (r->action == SCSI_ACT_DONE) {
		/* parameter data: at most what the guest's buffer holds */
		if (r->status == SCSI_GOOD && r->xfer &&
		    s->data_dir != VMB_STOR_DIR_NONE) {
			if (s->data_dir != VMB_STOR_DIR_READ)
				goto invalid;
			moved = copy_guest(&pkt->gpa, sc->buf,
					   r->xfer < data_len ? r->xfer :
					   data_len, true);
		}
		srb_complete(sc, rq, VMB_STOR_S_OK, moved);
		return;
	}
	/* the CDB fixes the transfer: the SRB must agree exactly */
	want_in = r->dir == SCSI_DIR_IN;
	if (data_len != r->xfer ||
	    s->data_dir != (r->dir == SCSI_DIR_NONE ? VMB_STOR_DIR_NONE :
			    want_in ? VMB_STOR_DIR_READ : VMB_STOR_DIR_WRITE))
		goto invalid;
	switch (r->action) {
	case SCSI_ACT_UNMAP: {
		struct scsi_extent ext[SCSI_UNMAP_MAX_DESC];
		int n;

		copy_guest(&pkt->gpa, sc->buf, data_len, false);
		n = scsi_unmap_parse(&rq->disk->props, sc->buf, data_len, ext, r);
		for (i = 0; n > 0 && i < (unsigned int)n &&
		     r->status == SCSI_GOOD; i++)
			punch(rq->disk, ext[i].lba, ext[i].nblocks, r);
		srb_complete(sc, rq, VMB_STOR_S_OK, data_len);
		return;
	}
	case SCSI_ACT_WRITE_SAME_UNMAP:
		copy_guest(&pkt->gpa, sc->buf, SCSI_BLOCK_SIZE, false);
		for (i = 0; i < SCSI_BLOCK_SIZE && !sc->buf[i]; i++)
			;
		if (i < SCSI_BLOCK_SIZE)	/* only zeroes can be unmapped */
			scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
				       SCSI_ASC_INVALID_FIELD, 0);
		else
			punch(rq->disk, r->lba, r->nblocks, r);
		srb_complete(sc, rq, VMB_STOR_S_OK, data_len);
		return;
	case SCSI_ACT_READ:
		if (medium_error(rq->disk, r, &bad)) {
			scsi_set_sense_info(r, SCSI_KEY_MEDIUM_ERROR,
					    SCSI_ASC_UNRECOVERED_READ, 0,
					    (uint32_t)bad);
			srb_complete(sc, rq, VMB_STOR_S_OK, 0);
			return;
		}
		/* fall through */
	case SCSI_ACT_WRITE:
		if (build_iov(rq, &pkt->gpa) < 0)
			goto invalid;
		rq->write = r->action == SCSI_ACT_WRITE;
		break;
	default:
		break;
	}
	rq->expect = r->action == SCSI_ACT_FLUSH ? 0 : data_len;
	if (submit(sc, rq) < 0)
		srb_complete(sc, rq, VMB_STOR_S_OK, 0);
	return;
invalid:
	srb_complete(sc, rq, VMB_STOR_S_INVALID, 0);
}

/* One CQE: the request it names is done. */
static void io_done(struct stor_chan *sc, struct io_uring_cqe *cqe, bool send)
{
	uint64_t i = io_uring_cqe_get_data64(cqe);
	struct stor_req *rq;

	if (i >= STOR_QUEUE_DEPTH || !sc->req[i].used)
		return;
	rq = &sc->req[i];
	if (cqe->res < 0 || (uint32_t)cqe->res != rq->expect) {
		if (rq->res.action == SCSI_ACT_READ)
			scsi_set_sense(&rq->res, SCSI_KEY_MEDIUM_ERROR,
				       SCSI_ASC_UNRECOVERED_READ, 0);
		else
			scsi_set_sense(&rq->res, SCSI_KEY_MEDIUM_ERROR,
				       SCSI_ASC_WRITE_ERROR, 0);
	} else if (rq->res.action == SCSI_ACT_READ) {
		sc->st.read_bytes += rq->expect;
	} else if (rq->res.action == SCSI_ACT_WRITE) {
		sc->st.write_bytes += rq->expect;
	}
	if (!send) {		/* the channel is closing, or rq was aborted */
		disk_put(rq->disk);
		rq->disk = NULL;
		rq->used = false;
		sc->st.in_flight--;
		return;
	}
	srb_complete(sc, rq, VMB_STOR_S_OK,
		     rq->res.status == SCSI_GOOD ? rq->expect : 0);
}

static void ring_ready(struct evl *loop, int fd, uint32_t events, void *arg)
{
	struct stor_chan *sc = arg;
	struct io_uring_cqe *cqe;

	(void)loop;
	(void)fd;
	(void)events;
	while (io_uring_peek_cqe(&sc->ring, &cqe) == 0) {
		io_done(sc, cqe, true);
		io_uring_cqe_seen(&sc->ring, cqe);
	}
	flush_signal(sc->ch);
}

/* ------------------------------------------------------------------ */
/* Task management                                                     */

/*
 * Ends rq without a completion: every used slot has its I/O in the ring,
 * so wait for that I/O's CQE, completing the others that arrive first as
 * usual (their completions go out before the abort's answer).  Returns 0,
 * or -1 if the ring failed; the channel is then broken, as the guest
 * cannot be told that the SRB's memory is no longer in use.
 */
static int abort_req(struct stor_chan *sc, struct stor_req *rq)
{
	uint64_t slot = (uint64_t)(rq - sc->req);
	struct io_uring_cqe *cqe;

	while (rq->used) {
		if (io_uring_wait_cqe(&sc->ring, &cqe) < 0) {
			channel_set_broken(sc->ch, "storage: io_uring failed during an abort");
			return -1;
		}
		io_done(sc, cqe, io_uring_cqe_get_data64(cqe) != slot);
		io_uring_cqe_seen(&sc->ring, cqe);
	}
	return 0;
}

/*
 * TASK_MANAGEMENT: stop the SRBs of this channel it names, then answer.
 * SRBs the host dropped (fault drop) are not held, so they are NOT_FOUND.
 */
static void task_mgmt(struct stor_chan *sc, const struct ring_pkt *pkt,
		      union stor_msg *msg)
{
	struct vmb_stor_task_mgmt *m = &msg->tm;
	uint32_t status = VMB_STOR_S_OK, n = 0;
	uint16_t lun = le16toh(m->lun);
	uint64_t tag = le64toh(m->tag);
	struct stor_req *rq;
	unsigned int i;

	if (m->response || m->count || lun >= STOR_MAX_LUNS ||
	    (m->function != VMB_STOR_TM_ABORT_TASK &&
	     m->function != VMB_STOR_TM_LUN_RESET) ||
	    (m->function == VMB_STOR_TM_LUN_RESET && tag))
		status = VMB_STOR_S_INVALID;
	else if (!sc->ctl->ready)
		status = VMB_STOR_S_BAD_STATE;
	for (i = 0; status == VMB_STOR_S_OK && i < STOR_QUEUE_DEPTH; i++) {
		rq = &sc->req[i];
		if (!rq->used || le16toh(rq->msg.srb.lun) != lun ||
		    (m->function == VMB_STOR_TM_ABORT_TASK &&
		     rq->trans_id != tag))
			continue;
		if (abort_req(sc, rq) < 0)
			return;
		n++;
	}
	m->response = status != VMB_STOR_S_OK ? VMB_STOR_TMR_NONE :
		n ? VMB_STOR_TMR_ABORTED : VMB_STOR_TMR_NOT_FOUND;
	m->count = htole32(n);
	reply(sc, pkt->trans_id, m, sizeof(*m), status);
}

/* ------------------------------------------------------------------ */
/* Init messages                                                       */

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static bool version_known(uint32_t v)
{
	return v == VMB_STOR_VERSION_1_0 || v == VMB_STOR_VERSION_1_1;
}

/* BEGIN_INIT, QUERY_VERSION, QUERY_PROPERTIES, END_INIT. */
static void init_msg(struct stor_chan *sc, const struct ring_pkt *pkt,
		     union stor_msg *m)
{
	static const enum stor_init need[] = {
		[VMB_STOR_BEGIN_INIT] = STOR_INIT_NONE,
		[VMB_STOR_QUERY_VERSION] = STOR_INIT_BEGUN,
		[VMB_STOR_QUERY_PROPERTIES] = STOR_INIT_VERSIONED,
		[VMB_STOR_END_INIT] = STOR_INIT_VERSIONED,
	};
	uint32_t type = le32toh(m->hdr.type), len = pkt->payload_len;
	uint32_t status = VMB_STOR_S_OK, v;

	/* every body is reserved zero but QUERY_VERSION's proposal */
	if (type == VMB_STOR_QUERY_VERSION ? m->ver.reserved != 0 :
	    !zero((uint8_t *)m + sizeof(m->hdr), len - sizeof(m->hdr))) {
		reply(sc, pkt->trans_id, m, sizeof(m->hdr), VMB_STOR_S_INVALID);
		return;
	}
	if (sc->ctl->primary != sc || sc->init != need[type]) {
		status = VMB_STOR_S_BAD_STATE;
		goto out;
	}
	switch (type) {
	case VMB_STOR_BEGIN_INIT:
		sc->init = STOR_INIT_BEGUN;
		break;
	case VMB_STOR_QUERY_VERSION:
		v = le32toh(m->ver.version);
		if (version_known(v)) {
			sc->init = STOR_INIT_VERSIONED;
			sc->ctl->version = v;
		} else {
			status = VMB_STOR_S_UNSUPPORTED_VERSION;
			m->ver.version = htole32(VMB_STOR_VERSION_CURRENT);
		}
		break;
	case VMB_STOR_QUERY_PROPERTIES:
		m->props.max_transfer_bytes = htole32(STOR_MAX_TRANSFER);
		m->props.queue_depth = htole32(STOR_QUEUE_DEPTH);
		m->props.max_subchannels = htole16(STOR_MAX_SUBCHANNELS);
		m->props.max_luns = htole16(STOR_MAX_LUNS);
		m->props.flags = htole32(VMB_STOR_F_UNMAP | VMB_STOR_F_FUA);
		break;
	case VMB_STOR_END_INIT:
		sc->init = STOR_INIT_DONE;
		sc->ctl->ready = true;
		break;
	default:
		break;
	}
out:
	reply(sc, pkt->trans_id, m, len, status);
}

/* CREATE_SUBCHANNELS: its body is a count, checked here. */
static void create_subchannels(struct stor_chan *sc, const struct ring_pkt *pkt,
			       union stor_msg *msg)
{
	struct vmb_stor_subchannels *m = &msg->subs;
	uint32_t status = VMB_STOR_S_OK;
	uint16_t count = le16toh(m->count);

	if (m->reserved0 || m->reserved1 || !count ||
	    count > STOR_MAX_SUBCHANNELS)
		status = VMB_STOR_S_INVALID;
	else if (sc->ctl->primary != sc || sc->init != STOR_INIT_VERSIONED)
		status = VMB_STOR_S_BAD_STATE;
	reply(sc, pkt->trans_id, m, sizeof(*m), status);
}

static void srb_msg(struct stor_chan *sc, const struct ring_pkt *pkt,
		    union stor_msg *m)
{
	execute_srb(sc, pkt, &m->srb);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

/*
 * What the guest may send, by type: the exact payload size, the protocol
 * version that introduced it, whether it may come as GPA_RANGE, and
 * whether a refusal is answered in the message's full size (with a zero
 * body) rather than as a bare header.  storage_packet() checks all of it,
 * and that hdr.status is 0, on its own copy before a handler runs.
 */
struct stor_rule {
	uint32_t len;
	uint32_t version;		/* 0: any, before negotiation too */
	bool gpa;
	bool full_refusal;
	void (*handle)(struct stor_chan *sc, const struct ring_pkt *pkt,
		       union stor_msg *m);
};

static const struct stor_rule stor_rules[] = {
	[VMB_STOR_BEGIN_INIT] = { sizeof(struct vmb_stor_hdr), 0, false, false,
				  init_msg },
	[VMB_STOR_QUERY_VERSION] = { sizeof(struct vmb_stor_version), 0,
				     false, false, init_msg },
	[VMB_STOR_QUERY_PROPERTIES] = { sizeof(struct vmb_stor_properties), 0,
					false, false, init_msg },
	[VMB_STOR_CREATE_SUBCHANNELS] = { sizeof(struct vmb_stor_subchannels),
					  0, false, false, create_subchannels },
	[VMB_STOR_END_INIT] = { sizeof(struct vmb_stor_hdr), 0, false, false,
				init_msg },
	[VMB_STOR_EXECUTE_SRB] = { sizeof(struct vmb_stor_srb_msg), 0, true,
				   true, srb_msg },
	/* LUNS_CHANGED flows host to guest: no rule */
	[VMB_STOR_TASK_MANAGEMENT] = { sizeof(struct vmb_stor_task_mgmt),
				       VMB_STOR_VERSION_1_1, false, true,
				       task_mgmt },
};

static void storage_packet(struct channel *ch, const struct ring_pkt *pkt)
{
	struct stor_chan *sc = ch->be_priv;
	const struct stor_rule *r = NULL;
	union stor_msg m;
	uint32_t type;

	if (pkt->type != VMB_PKT_INBAND && pkt->type != VMB_PKT_GPA_RANGE) {
		channel_set_broken(ch, "storage: packet neither INBAND nor GPA_RANGE");
		return;
	}
	if (pkt->payload_len < sizeof(m.hdr)) {
		channel_set_broken(ch, "storage: message shorter than its header");
		return;
	}
	sc->ctl = ctl_of(ch);
	memset(&m, 0, sizeof(m));
	memcpy(&m.hdr, pkt->payload, sizeof(m.hdr));
	type = le32toh(m.hdr.type);
	if (type < sizeof(stor_rules) / sizeof(stor_rules[0]) &&
	    stor_rules[type].handle)
		r = &stor_rules[type];
	/* unknown, flowing the other way, or not in the version in use */
	if (!r || (r->version && sc->ctl->version < r->version)) {
		reply(sc, pkt->trans_id, &m.hdr, sizeof(m.hdr),
		      VMB_STOR_S_INVALID);
		return;
	}
	if (pkt->payload_len != r->len || m.hdr.status ||
	    (pkt->type == VMB_PKT_GPA_RANGE && !r->gpa)) {
		if (type == VMB_STOR_EXECUTE_SRB) {
			sc->st.requests++;
			sc->st.errors++;
		}
		m.hdr.status = 0;
		reply(sc, pkt->trans_id, &m,
		      r->full_refusal ? r->len : sizeof(m.hdr),
		      VMB_STOR_S_INVALID);
		return;
	}
	memcpy(&m, pkt->payload, r->len);
	r->handle(sc, pkt, &m);
}

/* ------------------------------------------------------------------ */
/* Open and close                                                      */

static int storage_open(struct channel *ch)
{
	struct stor_ctl *c = ctl_of(ch);
	struct stor_chan *sc;
	unsigned int i;

	if (!c) {
		/* offered with no options: make the empty controller now */
		if (!ch->conf)
			return -1;
		c = calloc(1, sizeof(*c));
		if (!c)
			return -1;
		/* ch->conf is the device's, shared with chanmgr (conf_always) */
		((struct vmbd_conf *)ch->conf)->conf = c;
	}
	for (i = 0; i < STOR_MAX_CHANS && c->chan[i]; i++)
		;
	if (i == STOR_MAX_CHANS)
		return -1;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -1;
	if (io_uring_queue_init(STOR_QUEUE_DEPTH * 2, &sc->ring, 0) < 0) {
		log_warn("relid %u: storage: no io_uring", ch->relid);
		free(sc);
		return -1;
	}
	if (ch->env->loop) {
		if (evl_add_fd(ch->env->loop, sc->ring.ring_fd, EPOLLIN,
			       ring_ready, sc) < 0) {
			io_uring_queue_exit(&sc->ring);
			free(sc);
			return -1;
		}
		sc->ring_watched = true;
	}
	sc->ch = ch;
	sc->ctl = c;
	c->chan[i] = sc;
	if (!c->primary)
		c->primary = sc;
	ch->be_priv = sc;
	return 0;
}

static void storage_close(struct channel *ch)
{
	struct stor_chan *sc = ch->be_priv;
	struct stor_ctl *c;
	struct io_uring_cqe *cqe;
	unsigned int i;

	if (!sc)
		return;
	c = sc->ctl;
	if (sc->ring_watched)
		evl_del_fd(ch->env->loop, sc->ring.ring_fd);
	/* the guest's pages stay ours until every I/O on them is over */
	while (sc->st.in_flight && io_uring_wait_cqe(&sc->ring, &cqe) == 0) {
		io_done(sc, cqe, false);
		io_uring_cqe_seen(&sc->ring, cqe);
	}
	io_uring_queue_exit(&sc->ring);
	for (i = 0; i < STOR_MAX_CHANS; i++)
		if (c->chan[i] == sc)
			c->chan[i] = NULL;
	if (c->primary == sc) {
		c->primary = NULL;
		c->ready = false;
		c->version = 0;
	}
	ch->be_priv = NULL;
	free(sc);
}

const struct stor_stats *storage_chan_stats(const struct channel *ch)
{
	const struct stor_chan *sc;

	if (ch->be != &vmbd_backend_storage || !ch->be_priv)
		return NULL;
	sc = ch->be_priv;
	return &sc->st;
}

/* ------------------------------------------------------------------ */
/* Control commands                                                    */

/* The controller whose primary channel is argv[1]. */
static struct stor_ctl *cmd_ctl(struct chanmgr *cm, const char *arg,
				struct cmd_reply *r)
{
	const struct chanmgr_channel *c;
	uint32_t relid;

	if (cmd_parse_relid(arg, &relid) < 0) {
		cmd_reply_error(r, "bad relid '%s'", arg);
		return NULL;
	}
	c = chanmgr_channel(cm, relid);
	if (!c || c->be != &vmbd_backend_storage || c->sub_index) {
		cmd_reply_error(r, "relid %u: not a storage controller", relid);
		return NULL;
	}
	if (!c->conf) {
		cmd_reply_error(r, "relid %u: no controller state", relid);
		return NULL;
	}
	if (!c->conf->conf) {
		c->conf->conf = calloc(1, sizeof(struct stor_ctl));
		if (!c->conf->conf) {
			cmd_reply_error(r, "out of memory");
			return NULL;
		}
	}
	return c->conf->conf;
}

/* The storage controllers (primary channels, not being rescinded). */
static unsigned int find_ctls(const struct chanmgr *cm, uint32_t *relid,
			      char *list, size_t len)
{
	const struct chanmgr_channel *c;
	unsigned int n = 0;
	size_t used = 0;
	uint32_t i;

	list[0] = '\0';
	for (i = 1; i < VMB_MAX_RELID; i++) {
		c = chanmgr_channel(cm, i);
		if (!c || c->be != &vmbd_backend_storage || c->sub_index ||
		    c->state != CHANMGR_CHAN_OFFERED)
			continue;
		if (!n++)
			*relid = i;
		if (used < len)
			used += (size_t)snprintf(list + used, len - used, "%s%u",
						 used ? " " : "", i);
	}
	return n;
}

/* The controller --relid names, or the only one there is. */
static struct stor_ctl *disk_cmd_ctl(struct chanmgr *cm, const char *relid,
				     struct cmd_reply *r)
{
	char list[64], arg[16];
	unsigned int n;
	uint32_t only;

	if (relid)
		return cmd_ctl(cm, relid, r);
	n = find_ctls(cm, &only, list, sizeof(list));
	if (!n) {
		cmd_reply_error(r, "no storage controller (vmbusd --disk, or offer storage)");
		return NULL;
	}
	if (n > 1) {
		cmd_reply_error(r, "%u storage controllers (relids %s): name one with --relid N",
				n, list);
		return NULL;
	}
	snprintf(arg, sizeof(arg), "%u", only);
	return cmd_ctl(cm, arg, r);
}

/*
 * One disk as disk list shows it: key=value pairs, path last (to the end
 * of the line: it may hold spaces).  allocated is what the image takes on
 * the host (st_blocks), 0 for a block device.
 */
static void disk_line(struct cmd_reply *r, const struct stor_disk *d)
{
	struct stat sb;
	uint64_t alloc = 0;

	if (fstat(d->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		alloc = (uint64_t)sb.st_blocks * 512;
	cmd_reply_line(r, "disk: lun=%u size=%llu mode=%s direct=%d serial=%s allocated=%llu reads=%llu writes=%llu read_bytes=%llu write_bytes=%llu errors=%llu flushes=%llu unmaps=%llu injected=%llu path=%s",
		       d->lun,
		       (unsigned long long)(d->props.blocks * SCSI_BLOCK_SIZE),
		       d->props.read_only ? "ro" : "rw", d->direct, d->serial,
		       (unsigned long long)alloc,
		       (unsigned long long)d->st.reads,
		       (unsigned long long)d->st.writes,
		       (unsigned long long)d->st.read_bytes,
		       (unsigned long long)d->st.write_bytes,
		       (unsigned long long)d->st.errors,
		       (unsigned long long)d->st.flushes,
		       (unsigned long long)d->st.unmaps,
		       (unsigned long long)d->st.injected, d->path);
}

#define DISK_USAGE "disk [--relid N] add FILE[,ro][,lun=N][,serial=S][,direct] | remove LUN | list"

/*
 * disk [--relid N] add FILE[,OPT...] | remove LUN | list: the disks of
 * the controller at relid N, or of the only one.  add is all or nothing.
 */
static void cmd_disk(struct chanmgr *cm, int argc, char **argv,
		     struct cmd_reply *r)
{
	const char *relid = NULL, *err;
	struct stor_disk *d;
	struct stor_ctl *c;
	char *arg[3];
	unsigned int i;
	int n = 0;
	uint64_t lun;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (strcmp(argv[i], "--relid") == 0 && i + 1 < (unsigned int)argc &&
		    !relid)
			relid = argv[++i];
		else if (strncmp(argv[i], "--relid=", 8) == 0 && !relid)
			relid = argv[i] + 8;
		else if (n < 3)
			arg[n++] = argv[i];
		else
			n = 4;
	}
	if (!((n == 2 && strcmp(arg[0], "add") == 0) ||
	      (n == 2 && strcmp(arg[0], "remove") == 0) ||
	      (n == 1 && strcmp(arg[0], "list") == 0))) {
		cmd_reply_error(r, "usage: " DISK_USAGE);
		return;
	}
	c = disk_cmd_ctl(cm, relid, r);
	if (!c)
		return;
	if (arg[0][0] == 'l') {
		for (i = 0; i < STOR_MAX_LUNS; i++)
			if (c->disk[i])
				disk_line(r, c->disk[i]);
		return;
	}
	if (arg[0][0] == 'a') {
		if (ctl_add_spec(c, arg[1], &d, &err) < 0) {
			cmd_reply_error(r, "%s", err);
			return;
		}
		log_info("storage: lun %u added: %s", d->lun, d->path);
		disk_line(r, d);
		send_luns_changed(c);
		return;
	}
	if (parse_u64(arg[1], STOR_MAX_LUNS - 1, &lun) < 0 || !c->disk[lun]) {
		cmd_reply_error(r, "no disk at lun '%s'", arg[1]);
		return;
	}
	log_info("storage: lun %u removed: %s", (unsigned int)lun,
		 c->disk[lun]->path);
	disk_put(c->disk[lun]);		/* in-flight requests hold their own */
	c->disk[lun] = NULL;
	send_luns_changed(c);
}

/* storage-fault RELID KIND [ARGS]: the class's faults (see the usage). */
static void cmd_fault(struct chanmgr *cm, int argc, char **argv,
		      struct cmd_reply *r)
{
	static const char *const bad[] = {
		[STOR_BAD_TRANS_ID] = "bad-trans-id",
		[STOR_BAD_SENSE_LEN] = "overlong-sense",
		[STOR_BAD_STATUS] = "bad-status",
		[STOR_BAD_TRANSFER] = "overlong-transfer",
	};
	struct stor_ctl *c;
	uint64_t a, b, n;
	unsigned int i;

	if (argc < 3) {
		cmd_reply_error(r, "usage: storage-fault RELID medium-error LUN LBA COUNT | drop N | bad-trans-id | overlong-sense | bad-status | overlong-transfer | clear");
		return;
	}
	c = cmd_ctl(cm, argv[1], r);
	if (!c)
		return;
	if (strcmp(argv[2], "medium-error") == 0 && argc == 6) {
		if (parse_u64(argv[3], STOR_MAX_LUNS - 1, &n) < 0 || !c->disk[n] ||
		    parse_u64(argv[4], UINT32_MAX, &a) < 0 ||
		    parse_u64(argv[5], UINT32_MAX, &b) < 0 || !b) {
			cmd_reply_error(r, "medium-error LUN LBA COUNT: a disk's LUN, a 32-bit LBA, a count > 0");
			return;
		}
		c->disk[n]->bad_lba = a;
		c->disk[n]->bad_count = b;
		return;
	}
	if (strcmp(argv[2], "drop") == 0 && argc == 4) {
		if (parse_u64(argv[3], 1u << 20, &n) < 0) {
			cmd_reply_error(r, "drop N: N <= 1048576");
			return;
		}
		c->drop = (unsigned int)n;
		return;
	}
	if (strcmp(argv[2], "clear") == 0 && argc == 3) {
		c->drop = 0;
		c->bad = STOR_BAD_NONE;
		for (i = 0; i < STOR_MAX_LUNS; i++)
			if (c->disk[i])
				c->disk[i]->bad_count = 0;
		return;
	}
	for (i = STOR_BAD_TRANS_ID; i <= STOR_BAD_TRANSFER; i++)
		if (strcmp(argv[2], bad[i]) == 0 && argc == 3) {
			c->bad = (enum stor_bad)i;
			return;
		}
	cmd_reply_error(r, "unknown storage fault '%s' or wrong arguments", argv[2]);
}

static const struct vmbd_class_cmd storage_commands[] = {
	{ "disk", DISK_USAGE "  (a storage controller's disks: hot-add and hot-remove send LUNS_CHANGED; --relid picks the controller if there are several)",
	  cmd_disk, false },
	{ "storage-fault", "storage-fault RELID medium-error LUN LBA COUNT | drop N | bad-trans-id | overlong-sense | bad-status | overlong-transfer | clear  (next SRB completion malformed)",
	  cmd_fault, false },
	{ NULL, NULL, NULL, false }
};

VMBD_BACKEND(storage) = {
	.name = "storage",
	.guid = VMB_CLASS_STORAGE_BYTES,
	.help = "a SCSI controller whose LUNs are disk images (io_uring)",
	.subchannels = true,
	.parse_opt = storage_parse_opt,
	.conf_always = true,
	.conf_done = storage_conf_done,
	.free_conf = ctl_free,
	.opts_help = "disk=FILE starts a disk; then its ro, lun=N, serial=S, direct",
	.cmdline_opts = storage_cmdline_opts,
	.open = storage_open,
	.close = storage_close,
	.packet = storage_packet,
	.chan_stats = storage_chan_stats_line,
	.commands = storage_commands,
};
