// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The SCSI target of the storage class: see backends/scsi.h.  Nothing here
 * touches a file or guest memory; the CDB is a private copy.
 */
#include <string.h>

#include "backends/scsi.h"

#define VENDOR		"VMBUS   "	/* 8 bytes */
#define PRODUCT		"Virtual Disk    "	/* 16 bytes */
#define REVISION	"1.0 "		/* 4 bytes */

#define MAX_WS_BLOCKS	(1u << 22)	/* WRITE SAME(16) UNMAP: 2 GiB */
#define MAX_UNMAP_BLOCKS (1u << 22)	/* one UNMAP descriptor */

enum {
	TEST_UNIT_READY = 0x00, REQUEST_SENSE = 0x03, READ_6 = 0x08,
	WRITE_6 = 0x0a, INQUIRY = 0x12, MODE_SENSE_6 = 0x1a,
	START_STOP_UNIT = 0x1b, READ_CAPACITY_10 = 0x25, READ_10 = 0x28,
	WRITE_10 = 0x2a, SYNCHRONIZE_CACHE_10 = 0x35, UNMAP = 0x42,
	MODE_SENSE_10 = 0x5a, READ_16 = 0x88, WRITE_16 = 0x8a,
	SYNCHRONIZE_CACHE_16 = 0x91, WRITE_SAME_16 = 0x93,
	SERVICE_ACTION_IN_16 = 0x9e, REPORT_LUNS = 0xa0,
};

#define SAI_READ_CAPACITY_16	0x10

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

unsigned int scsi_cdb_len(uint8_t opcode)
{
	switch (opcode >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 4:
		return 16;
	case 5:
		return 12;
	default:
		return 0;
	}
}

enum scsi_action scsi_cdb_action(uint8_t opcode)
{
	switch (opcode) {
	case READ_6:
	case READ_10:
	case READ_16:
		return SCSI_ACT_READ;
	case WRITE_6:
	case WRITE_10:
	case WRITE_16:
		return SCSI_ACT_WRITE;
	case SYNCHRONIZE_CACHE_10:
	case SYNCHRONIZE_CACHE_16:
		return SCSI_ACT_FLUSH;
	case UNMAP:
		return SCSI_ACT_UNMAP;
	case WRITE_SAME_16:
		return SCSI_ACT_WRITE_SAME_UNMAP;
	default:
		return SCSI_ACT_DONE;
	}
}

void scsi_set_sense_info(struct scsi_result *r, uint8_t key, uint8_t asc,
			 uint8_t ascq, uint32_t info)
{
	scsi_set_sense(r, key, asc, ascq);
	r->sense[0] |= 0x80;		/* VALID: INFORMATION holds the LBA */
	put_be32(r->sense + 3, info);
}

static void fill_sense(uint8_t *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(s, 0, SCSI_SENSE_LEN);
	s[0] = 0x70;			/* current error, fixed format */
	s[2] = key & 0x0f;
	s[7] = SCSI_SENSE_LEN - 8;	/* additional sense length */
	s[12] = asc;
	s[13] = ascq;
}

void scsi_set_sense(struct scsi_result *r, uint8_t key, uint8_t asc,
		    uint8_t ascq)
{
	r->action = SCSI_ACT_DONE;
	r->status = SCSI_CHECK_CONDITION;
	r->xfer = 0;
	r->sense_len = SCSI_SENSE_LEN;
	fill_sense(r->sense, key, asc, ascq);
}

static void invalid_field(struct scsi_result *r)
{
	scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD, 0);
}

/* Parameter data of len bytes is ready in buf: send at most alloc of it. */
static void data_in(struct scsi_result *r, uint32_t len, uint32_t alloc)
{
	r->dir = SCSI_DIR_IN;
	r->xfer = len < alloc ? len : alloc;
}

/* --- INQUIRY ------------------------------------------------------ */

static uint32_t inquiry_std(uint8_t *buf, bool present)
{
	memset(buf, 0, 36);
	buf[0] = present ? 0x00 : 0x7f;	/* direct access / PQ 3, no device */
	buf[2] = 0x06;			/* SPC-4 */
	buf[3] = 0x12;			/* HISUP, response data format 2 */
	buf[4] = 36 - 5;		/* additional length */
	buf[7] = 0x02;			/* CMDQUE */
	memcpy(buf + 8, VENDOR, 8);
	memcpy(buf + 16, PRODUCT, 16);
	memcpy(buf + 32, REVISION, 4);
	return 36;
}

static const uint8_t vpd_pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

/* The longest VPD page built here: 0x83, two designators, a 64-byte serial. */
#define VPD_MAX_LEN	(4 + (4 + 8 + 64) + (4 + 8))

/*
 * A locally assigned NAA name (NAA 3: 60 bits the assigner chooses) from
 * the serial, FNV-1a: the same serial gives the same name on every boot,
 * so give each disk its own serial.
 */
static uint64_t naa_local(const char *serial, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)serial[i];
		h *= 0x100000001b3ULL;
	}
	return (3ULL << 60) | (h & 0x0fffffffffffffffULL);
}

/* Returns the page's length, or 0 if there is no such page. */
static uint32_t inquiry_vpd(const struct scsi_target *t,
			    const struct scsi_lun *lun, uint8_t page,
			    uint8_t *buf)
{
	size_t slen = strlen(lun->serial);
	uint32_t len;

	if (slen > 64)
		slen = 64;
	memset(buf, 0, VPD_MAX_LEN);
	buf[1] = page;
	switch (page) {
	case 0x00:
		memcpy(buf + 4, vpd_pages, sizeof(vpd_pages));
		len = sizeof(vpd_pages);
		break;
	case 0x80:
		memcpy(buf + 4, lun->serial, slen);
		len = (uint32_t)slen;
		break;
	case 0x83:
		/* the LU's T10 vendor id, ASCII: vendor and serial */
		buf[4] = 0x02;		/* code set ASCII */
		buf[5] = 0x01;		/* association LU, type T10 vendor id */
		buf[7] = (uint8_t)(8 + slen);
		memcpy(buf + 8, VENDOR, 8);
		memcpy(buf + 16, lun->serial, slen);
		len = 4 + 8 + (uint32_t)slen;
		/* and its NAA name (what Linux makes the wwid of) */
		buf[4 + len] = 0x01;		/* code set binary */
		buf[5 + len] = 0x03;		/* association LU, type NAA */
		buf[7 + len] = 8;
		put_be64(buf + 8 + len, naa_local(lun->serial, slen));
		len += 4 + 8;
		break;
	case 0xb0:
		buf[4] = 0x01;		/* WSNZ: WRITE SAME of 0 blocks is refused */
		put_be32(buf + 8, t->max_xfer_blocks);	/* maximum transfer */
		put_be32(buf + 12, t->max_xfer_blocks);	/* optimal transfer */
		put_be32(buf + 20, MAX_UNMAP_BLOCKS);	/* max unmap LBA count */
		put_be32(buf + 24, SCSI_UNMAP_MAX_DESC);
		put_be32(buf + 28, 8);	/* unmap granularity: 4 KiB */
		put_be64(buf + 36, MAX_WS_BLOCKS);	/* max write same */
		len = 0x3c;
		break;
	case 0xb1:
		put_be16(buf + 4, 0x0001);	/* non-rotating medium */
		len = 0x3c;
		break;
	case 0xb2:
		buf[5] = 0xc0 | 0x04;	/* LBPU, LBPWS; LBPRZ */
		buf[6] = 0x02;		/* thin provisioned */
		len = 4;
		break;
	default:
		return 0;
	}
	put_be16(buf + 2, (uint16_t)len);
	return len + 4;
}

static void do_inquiry(const struct scsi_target *t, const struct scsi_lun *lun,
		       const uint8_t *cdb, uint8_t *buf, struct scsi_result *r)
{
	uint32_t alloc = get_be16(cdb + 3), len;

	if (cdb[1] & 0xfe) {		/* CMDDT (obsolete) or reserved */
		invalid_field(r);
		return;
	}
	if (!(cdb[1] & 0x01)) {
		if (cdb[2]) {
			invalid_field(r);
			return;
		}
		data_in(r, inquiry_std(buf, lun != NULL), alloc);
		return;
	}
	if (!lun) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_LUN_NOT_SUPPORTED, 0);
		return;
	}
	len = inquiry_vpd(t, lun, cdb[2], buf);
	if (!len) {
		invalid_field(r);
		return;
	}
	data_in(r, len, alloc);
}

/* --- MODE SENSE --------------------------------------------------- */

/* The caching page (0x08): 20 bytes; changeable: all zero. */
static uint32_t page_caching(const struct scsi_lun *lun, uint8_t pc,
			     uint8_t *p)
{
	memset(p, 0, 20);
	p[0] = 0x08;
	p[1] = 0x12;
	if (pc != 1 && lun->write_cache)
		p[2] = 0x04;		/* WCE */
	return 20;
}

/* The control page (0x0a): 12 bytes. */
static uint32_t page_control(uint8_t pc, uint8_t *p)
{
	memset(p, 0, 12);
	p[0] = 0x0a;
	p[1] = 0x0a;
	if (pc != 1)
		p[2] = 0x02;		/* GLTSD */
	return 12;
}

static void do_mode_sense(const struct scsi_lun *lun, const uint8_t *cdb,
			  bool ten, uint8_t *buf, struct scsi_result *r)
{
	uint32_t hdr = ten ? 8 : 4, len, alloc;
	bool dbd = cdb[1] & 0x08;
	uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
	uint64_t blocks;
	uint8_t *p;

	alloc = ten ? get_be16(cdb + 7) : cdb[4];
	if (pc == 3) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_SAVING_PARAMS, 0);
		return;
	}
	if ((sub && !(page == 0x3f && sub == 0xff)) ||
	    (page != 0x08 && page != 0x0a && page != 0x3f)) {
		invalid_field(r);
		return;
	}
	memset(buf, 0, hdr + 8);
	p = buf + hdr;
	if (!dbd) {
		blocks = lun->blocks > 0xffffff ? 0xffffff : lun->blocks;
		p[1] = (uint8_t)(blocks >> 16);
		p[2] = (uint8_t)(blocks >> 8);
		p[3] = (uint8_t)blocks;
		p[6] = SCSI_BLOCK_SIZE >> 8;
		p[7] = SCSI_BLOCK_SIZE & 0xff;
		p += 8;
	}
	if (page == 0x08 || page == 0x3f)
		p += page_caching(lun, pc, p);
	if (page == 0x0a || page == 0x3f)
		p += page_control(pc, p);
	len = (uint32_t)(p - buf);
	if (ten) {
		put_be16(buf, (uint16_t)(len - 2));
		buf[3] = lun->read_only ? 0x80 : 0;	/* WP */
		put_be16(buf + 6, dbd ? 0 : 8);
	} else {
		buf[0] = (uint8_t)(len - 1);
		buf[2] = lun->read_only ? 0x80 : 0;
		buf[3] = dbd ? 0 : 8;
	}
	data_in(r, len, alloc);
}

/* --- the rest ----------------------------------------------------- */

static void do_report_luns(const struct scsi_target *t, const uint8_t *cdb,
			   uint8_t *buf, struct scsi_result *r)
{
	uint32_t alloc = get_be32(cdb + 6), i, n = t->nr_luns;

	if (cdb[2] > 2 || alloc < 16) {	/* select report; SPC: >= 16 */
		invalid_field(r);
		return;
	}
	if (n > (SCSI_BUF_MAX - 8) / 8)
		n = (SCSI_BUF_MAX - 8) / 8;
	memset(buf, 0, 8 + 8 * n);
	put_be32(buf, 8 * t->nr_luns);
	for (i = 0; i < n; i++) {
		uint16_t l = t->luns[i];

		if (l < 256) {		/* peripheral device addressing */
			buf[8 + 8 * i + 1] = (uint8_t)l;
		} else {		/* flat space addressing */
			buf[8 + 8 * i] = (uint8_t)(0x40 | (l >> 8));
			buf[8 + 8 * i + 1] = (uint8_t)l;
		}
	}
	data_in(r, 8 + 8 * n, alloc);
}

static void do_read_capacity(const struct scsi_lun *lun, const uint8_t *cdb,
			     bool sixteen, uint8_t *buf, struct scsi_result *r)
{
	uint64_t last = lun->blocks ? lun->blocks - 1 : 0;

	if (!sixteen) {
		put_be32(buf, last > 0xffffffff ? 0xffffffff : (uint32_t)last);
		put_be32(buf + 4, SCSI_BLOCK_SIZE);
		data_in(r, 8, 8);
		return;
	}
	memset(buf, 0, 32);
	put_be64(buf, last);
	put_be32(buf + 8, SCSI_BLOCK_SIZE);
	buf[14] = 0x80 | 0x40;		/* LBPME, LBPRZ */
	data_in(r, 32, get_be32(cdb + 10));
}

/* lba .. lba + n inside the LUN?  Sets the sense if not. */
static bool lba_ok(const struct scsi_lun *lun, uint64_t lba, uint64_t n,
		   struct scsi_result *r)
{
	if (lba > lun->blocks || n > lun->blocks - lba) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_LBA_RANGE, 0);
		return false;
	}
	return true;
}

static bool writable(const struct scsi_lun *lun, struct scsi_result *r)
{
	if (lun->read_only) {
		scsi_set_sense(r, SCSI_KEY_DATA_PROTECT,
			       SCSI_ASC_WRITE_PROTECTED, 0);
		return false;
	}
	return true;
}

static void do_rw(const struct scsi_lun *lun, const uint8_t *cdb,
		  struct scsi_result *r)
{
	bool write = cdb[0] == WRITE_6 || cdb[0] == WRITE_10 ||
		     cdb[0] == WRITE_16;
	uint64_t lba;
	uint32_t n;

	switch (cdb[0]) {
	case READ_6:
	case WRITE_6:
		lba = (uint32_t)(cdb[1] & 0x1f) << 16 | get_be16(cdb + 2);
		n = cdb[4] ? cdb[4] : 256;
		break;
	case READ_10:
	case WRITE_10:
		lba = get_be32(cdb + 2);
		n = get_be16(cdb + 7);
		break;
	default:
		lba = get_be64(cdb + 2);
		n = get_be32(cdb + 10);
		break;
	}
	/* RDPROTECT/WRPROTECT: no protection information here */
	if (cdb[0] != READ_6 && cdb[0] != WRITE_6 && (cdb[1] & 0xe0)) {
		invalid_field(r);
		return;
	}
	if (write && !writable(lun, r))
		return;
	if (!lba_ok(lun, lba, n, r))
		return;
	if (n > UINT32_MAX / SCSI_BLOCK_SIZE) {
		invalid_field(r);
		return;
	}
	r->lba = lba;
	r->nblocks = n;
	r->fua = cdb[0] != READ_6 && cdb[0] != WRITE_6 && (cdb[1] & 0x08);
	r->xfer = n * SCSI_BLOCK_SIZE;
	if (!n) {
		r->action = SCSI_ACT_DONE;	/* a transfer of nothing */
		return;
	}
	r->dir = write ? SCSI_DIR_OUT : SCSI_DIR_IN;
	r->action = write ? SCSI_ACT_WRITE : SCSI_ACT_READ;
}

static void do_sync_cache(const struct scsi_lun *lun, const uint8_t *cdb,
			  struct scsi_result *r)
{
	bool sixteen = cdb[0] == SYNCHRONIZE_CACHE_16;
	uint64_t lba = sixteen ? get_be64(cdb + 2) : get_be32(cdb + 2);
	uint32_t n = sixteen ? get_be32(cdb + 10) : get_be16(cdb + 7);

	if (!lba_ok(lun, lba, n, r))
		return;
	r->action = SCSI_ACT_FLUSH;
}

static void do_unmap(const struct scsi_lun *lun, const uint8_t *cdb,
		     struct scsi_result *r)
{
	uint32_t len = get_be16(cdb + 7);

	if (cdb[1] & 0x01) {		/* ANCHOR */
		invalid_field(r);
		return;
	}
	if (!writable(lun, r))
		return;
	if (!len)
		return;			/* nothing to do: GOOD */
	if (len > SCSI_BUF_MAX) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_PARAM_LIST_LEN, 0);
		return;
	}
	r->dir = SCSI_DIR_OUT;
	r->xfer = len;
	r->action = SCSI_ACT_UNMAP;
}

int scsi_unmap_parse(const struct scsi_lun *lun, const uint8_t *list,
		     uint32_t len, struct scsi_extent *ext,
		     struct scsi_result *r)
{
	uint32_t data_len, desc_len, i, n = 0;

	if (len < 8) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_PARAM_LIST_LEN, 0);
		return -1;
	}
	data_len = get_be16(list);
	desc_len = get_be16(list + 2);
	if (data_len + 2 > len || desc_len + 8 > len || desc_len % 16 ||
	    desc_len + 6 > data_len) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_INVALID_PARAM, 0);
		return -1;
	}
	if (desc_len / 16 > SCSI_UNMAP_MAX_DESC) {
		invalid_field(r);
		return -1;
	}
	for (i = 0; i < desc_len / 16; i++) {
		const uint8_t *d = list + 8 + 16 * i;
		uint64_t lba = get_be64(d);
		uint32_t nb = get_be32(d + 8);

		if (nb > MAX_UNMAP_BLOCKS) {
			scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
				       SCSI_ASC_INVALID_PARAM, 0);
			return -1;
		}
		if (!lba_ok(lun, lba, nb, r))
			return -1;
		if (nb) {
			ext[n].lba = lba;
			ext[n++].nblocks = nb;
		}
	}
	return (int)n;
}

static void do_write_same(const struct scsi_lun *lun, const uint8_t *cdb,
			  struct scsi_result *r)
{
	uint64_t lba = get_be64(cdb + 2);
	uint32_t n = get_be32(cdb + 10);

	/* only the deallocating form, with a data-out block (no NDOB, ANCHOR) */
	if (!(cdb[1] & 0x08) || (cdb[1] & 0x11) || (cdb[1] & 0xe0) || !n ||
	    n > MAX_WS_BLOCKS) {
		invalid_field(r);
		return;
	}
	if (!writable(lun, r) || !lba_ok(lun, lba, n, r))
		return;
	r->lba = lba;
	r->nblocks = n;
	r->dir = SCSI_DIR_OUT;
	r->xfer = SCSI_BLOCK_SIZE;
	r->action = SCSI_ACT_WRITE_SAME_UNMAP;
}

void scsi_exec(const struct scsi_target *t, uint16_t lun_id,
	       const struct scsi_lun *lun, const uint8_t *cdb,
	       unsigned int cdb_len, uint8_t *buf, struct scsi_result *r)
{
	(void)lun_id;
	(void)cdb_len;
	memset(r, 0, sizeof(*r));
	r->status = SCSI_GOOD;
	r->action = SCSI_ACT_DONE;
	r->dir = SCSI_DIR_NONE;

	/* what a LUN that does not exist still answers */
	switch (cdb[0]) {
	case INQUIRY:
		do_inquiry(t, lun, cdb, buf, r);
		return;
	case REPORT_LUNS:
		do_report_luns(t, cdb, buf, r);
		return;
	case REQUEST_SENSE:
		if (cdb[1] & 0x01) {	/* DESC: we have fixed format only */
			invalid_field(r);
			return;
		}
		if (lun)
			fill_sense(buf, SCSI_KEY_NO_SENSE, 0, 0);
		else
			fill_sense(buf, SCSI_KEY_ILLEGAL_REQUEST,
				   SCSI_ASC_LUN_NOT_SUPPORTED, 0);
		data_in(r, SCSI_SENSE_LEN, cdb[4]);
		return;
	default:
		break;
	}
	if (!lun) {
		scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST,
			       SCSI_ASC_LUN_NOT_SUPPORTED, 0);
		return;
	}
	switch (cdb[0]) {
	case TEST_UNIT_READY:
	case START_STOP_UNIT:
		return;
	case MODE_SENSE_6:
	case MODE_SENSE_10:
		do_mode_sense(lun, cdb, cdb[0] == MODE_SENSE_10, buf, r);
		return;
	case READ_CAPACITY_10:
		do_read_capacity(lun, cdb, false, buf, r);
		return;
	case SERVICE_ACTION_IN_16:
		if ((cdb[1] & 0x1f) != SAI_READ_CAPACITY_16) {
			invalid_field(r);
			return;
		}
		do_read_capacity(lun, cdb, true, buf, r);
		return;
	case READ_6:
	case WRITE_6:
	case READ_10:
	case WRITE_10:
	case READ_16:
	case WRITE_16:
		do_rw(lun, cdb, r);
		return;
	case SYNCHRONIZE_CACHE_10:
	case SYNCHRONIZE_CACHE_16:
		do_sync_cache(lun, cdb, r);
		return;
	case UNMAP:
		do_unmap(lun, cdb, r);
		return;
	case WRITE_SAME_16:
		do_write_same(lun, cdb, r);
		return;
	default:
		break;
	}
	scsi_set_sense(r, SCSI_KEY_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE, 0);
}
